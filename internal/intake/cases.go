package intake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/gid"
)

// ErrNoCase reports a file for which no case can be found or made.
var ErrNoCase = errors.New("no case for this file")

// Cases finds the case a dropped file belongs to.
type Cases struct {
	DB         db.DB
	SubjectKey []byte
	Project    string
}

// CaseForFolder reads a folder name as a case id (the global id or the row number).
func (c *Cases) CaseForFolder(ctx context.Context, folder string) (int64, error) {
	id, err := strconv.ParseInt(folder, 10, 64)
	if err != nil {
		typ, n, gerr := gid.Decode(folder)
		if gerr != nil || typ != "Case" {
			return 0, fmt.Errorf("%w: folder %q is not a case id", ErrNoCase, folder)
		}
		id = n
	}
	if _, err := db.CaseByID(ctx, c.DB, id); errors.Is(err, db.ErrNotFound) {
		return 0, fmt.Errorf("%w: case %s does not exist", ErrNoCase, folder)
	} else if err != nil {
		return 0, err
	}
	return id, nil
}

// CaseForFile finds or makes the case of a DICOM file from its patient, laterality and
// study date. Other files must sit in a folder named after their case.
func (c *Cases) CaseForFile(ctx context.Context, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	res, _ := ingest.Parse(f, fi.Size(), path, ingest.Options{})
	if res.Format != ingest.FormatDICOM || strings.TrimSpace(res.Subject.PatientID) == "" || res.Study.Laterality == "" {
		return 0, fmt.Errorf("%w: a file at the top of the drop folder must be DICOM with a patient ID and laterality; put other files in a folder named after their case id", ErrNoCase)
	}
	code := ingest.SubjectCode(c.SubjectKey, res.Subject.PatientID)
	n := db.NewCase{Project: c.Project, SubjectCode: code, Eye: res.Study.Laterality,
		AcquiredOn: dicomDate(res.Study.StudyDate), Tags: []string{"drop-folder"}}
	if device := strings.TrimSpace(res.Study.Manufacturer + " " + res.Study.Model); device != "" {
		n.Device = &device
	}
	cs, err := db.FindOrCreateCase(ctx, c.DB, n)
	if err != nil {
		return 0, fmt.Errorf("case for %s: %w", path, err)
	}
	return cs.ID, nil
}
