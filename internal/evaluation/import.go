package evaluation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/aomas/aomas/internal/intake"
)

// ImportOptions says what of a marked image folder to bring in, and where.
type ImportOptions struct {
	// Dir holds manifest.csv (the format of the shared ao-cunefare-2017-train folder).
	Dir     string
	Project string
	// Dataset is the dataset's name in Project, made (task cones) when new.
	Dataset string
	// CaseID, when set, is the case of Project every image joins; else each subject gets a
	// case of its own, of eye Eye (which the manifest does not state, so it must be given).
	CaseID int64
	Eye    string
	// Limit (> 0) keeps the first Limit images selected; Modality ("confocal",
	// "split-detector") and Subject select.
	Limit    int
	Modality string
	Subject  string
}

// Imported is one image brought in.
type Imported struct {
	Image    string
	VolumeID int64
	Modality string
	Marks    int
}

// Modality maps the manifest's modality names to aomas's.
func Modality(s string) string {
	if s == "split_detector" || s == "split" {
		return "split-detector"
	}
	return s
}

// Import ingests the images of a marked image folder as volumes of the project (through
// intake, like uploads, with the pixel size the manifest states and none where it states
// none) and freezes each one's manual marks as a dataset item of source import.
func (s *Service) Import(ctx context.Context, in *intake.Service, o ImportOptions) (db.DatasetRow, []Imported, error) {
	entries, err := imageio.ReadManifest(o.Dir)
	if err != nil {
		return db.DatasetRow{}, nil, &InputError{Reason: err.Error()}
	}
	var sel []imageio.ManifestEntry
	for _, e := range entries {
		if (o.Modality == "" || Modality(e.Modality) == o.Modality) && (o.Subject == "" || strings.EqualFold(e.Subject, o.Subject)) {
			sel = append(sel, e)
		}
		if o.Limit > 0 && len(sel) == o.Limit {
			break
		}
	}
	if len(sel) == 0 {
		return db.DatasetRow{}, nil, &InputError{Reason: "no image of the manifest matches the selection"}
	}
	if len(sel) > MaxDatasetItems {
		return db.DatasetRow{}, nil, &InputError{Reason: fmt.Sprintf("%d images selected, over the dataset limit of %d", len(sel), MaxDatasetItems)}
	}
	if o.CaseID != 0 {
		ok, err := db.InProject(ctx, s.DB, "Case", o.CaseID, o.Project)
		if err != nil {
			return db.DatasetRow{}, nil, err
		}
		if !ok {
			return db.DatasetRow{}, nil, fmt.Errorf("case %d of project %s: %w", o.CaseID, o.Project, db.ErrNotFound)
		}
	} else if o.Eye != "OD" && o.Eye != "OS" {
		return db.DatasetRow{}, nil, &InputError{Reason: "without a case, the eye of the subjects' cases must be stated (OD or OS): the manifest does not say"}
	}
	d, err := db.DatasetByName(ctx, s.DB, o.Project, o.Dataset)
	if errors.Is(err, db.ErrNotFound) {
		d, err = s.CreateDataset(ctx, o.Project, o.Dataset, "cones", "imported from "+filepath.Base(o.Dir), nil)
	}
	if err != nil {
		return db.DatasetRow{}, nil, err
	}
	if err := s.checkRoom(ctx, d.ID, len(sel)); err != nil {
		return db.DatasetRow{}, nil, err
	}
	cases := map[string]int64{}
	var out []Imported
	for _, e := range sel {
		caseID := o.CaseID
		if caseID == 0 {
			subj := strings.ToUpper(e.Subject)
			if caseID = cases[subj]; caseID == 0 {
				c, err := db.FindOrCreateCase(ctx, s.DB, db.NewCase{Project: o.Project, SubjectCode: ingest.SubjectCode(in.SubjectKey, subj),
					Eye: o.Eye, Tags: []string{"dataset-import"}})
				if err != nil {
					return db.DatasetRow{}, nil, err
				}
				caseID, cases[subj] = c.ID, c.ID
			}
		}
		im, err := s.importOne(ctx, in, o.Dir, d.ID, caseID, e)
		if err != nil {
			return db.DatasetRow{}, out, fmt.Errorf("%s: %w", e.Image, err)
		}
		out = append(out, im)
	}
	return d, out, nil
}

func (s *Service) importOne(ctx context.Context, in *intake.Service, dir string, datasetID, caseID int64, e imageio.ManifestEntry) (Imported, error) {
	pts, err := imageio.ReadPoints(filepath.Join(dir, e.Coords), true)
	if err != nil {
		return Imported{}, &InputError{Reason: err.Error()}
	}
	if e.Marks >= 0 && len(pts) != e.Marks {
		return Imported{}, &InputError{Reason: fmt.Sprintf("%s holds %d marks, the manifest says %d", e.Coords, len(pts), e.Marks)}
	}
	f, err := os.Open(filepath.Join(dir, e.Image))
	if err != nil {
		return Imported{}, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return Imported{}, err
	}
	mod := Modality(e.Modality)
	input := intake.Input{CaseID: caseID, Filename: filepath.Base(e.Image), Modality: mod}
	if e.UmPerPx > 0 {
		um := e.UmPerPx
		input.UmPerPx = &um
	}
	res, err := in.IngestFile(ctx, f, fi.Size(), input)
	if err != nil {
		return Imported{}, err
	}
	if res.Reject != nil {
		return Imported{}, res.Reject
	}
	if err := s.AddItem(ctx, datasetID, res.Volume.ID, mod, pts, db.DatasetSourceImport, nil); err != nil {
		return Imported{}, err
	}
	return Imported{Image: e.Image, VolumeID: res.Volume.ID, Modality: mod, Marks: len(pts)}, nil
}
