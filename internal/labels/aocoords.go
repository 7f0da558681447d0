package labels

// The AO community's coordinate files (Metricks, ConeMapper-style workflows, the Cunefare
// data set): one cone per line, x (column) then y (row), MATLAB 1-based pixels with the
// top-left pixel's centre at (1, 1), no header. `<image stem>_coords.csv` is comma
// separated; the confocal training data's `<stem>_manualcoord.txt` is tab separated.
// aomas documents keep 0-based pixel centres, so 1 is subtracted on the way in and added
// on the way out, and values are written with full precision (a round trip is exact).

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
)

// Coordinate file suffixes the import recognises, the first being what the export writes.
var coordSuffixes = []string{"_coords.csv", "_manualcoord.txt"}

// CoordsName is the coordinate file that goes beside image (by the AO tools' convention).
func CoordsName(image string) string {
	stem := strings.TrimSuffix(image, filepath.Ext(image))
	if stem == "" {
		stem = "image"
	}
	return stem + coordSuffixes[0]
}

// CoordsStem returns the image stem a coordinate file name belongs to, and false for a name
// that is not a coordinate file.
func CoordsStem(name string) (string, bool) {
	base := filepath.Base(name)
	for _, s := range coordSuffixes {
		if stem, ok := strings.CutSuffix(base, s); ok && stem != "" {
			return stem, true
		}
	}
	return "", false
}

// ImageStem is an image file name without its extension.
func ImageStem(name string) string {
	return strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
}

// maxMarks bounds what one coordinate file may bring in (the densest real images hold a few
// thousand cones; the annotation editor is measured at 50,000).
const maxMarks = 200000

// ParseCoords reads a coordinate file (comma, tab or space separated, 1-based) into 0-based
// points. Every mark is kept as written, also one just outside the image: the training data
// has such marks and its counts must come back whole.
func ParseCoords(r io.Reader) ([]imaging.Point, error) {
	pts, err := imageio.ParsePoints(io.LimitReader(r, 64<<20), true)
	if err != nil {
		return nil, &InputError{Reason: "coordinate file: " + err.Error()}
	}
	if len(pts) > maxMarks {
		return nil, &InputError{Reason: fmt.Sprintf("coordinate file has %d marks, over the limit of %d", len(pts), maxMarks)}
	}
	return pts, nil
}

// WriteCoords writes 0-based points as a `_coords.csv` file: x,y 1-based, no header.
func WriteCoords(w io.Writer, pts []imaging.Point) error {
	bw := bufio.NewWriter(w)
	for _, p := range pts {
		bw.WriteString(strconv.FormatFloat(p.X+1, 'g', -1, 64))
		bw.WriteByte(',')
		bw.WriteString(strconv.FormatFloat(p.Y+1, 'g', -1, 64))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Mark is one cone point of a document: 0-based pixel centre, its id and source.
type Mark struct {
	ID     string
	X, Y   float64
	Source string
}

// DocumentMarks returns the cone points of an annotation document, in document order.
func DocumentMarks(doc []byte) ([]Mark, error) {
	var d document
	if err := json.Unmarshal(doc, &d); err != nil || d.Format != Format {
		return nil, errors.New("not an aomas annotation document")
	}
	out := make([]Mark, 0, len(d.Points))
	for i, t := range d.Points {
		if len(t) != 4 {
			return nil, fmt.Errorf("point %d is not [id, x, y, source]", i)
		}
		id, ok1 := t[0].(string)
		x, ok2 := t[1].(float64)
		y, ok3 := t[2].(float64)
		src, ok4 := t[3].(string)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, fmt.Errorf("point %d is not [id, x, y, source]", i)
		}
		out = append(out, Mark{ID: id, X: x, Y: y, Source: src})
	}
	return out, nil
}

// marksDocument is an annotation document (the SPA's format, version 1) holding pts as
// human marks over a width×height image.
func marksDocument(width, height int, umPerPx float64, pts []imaging.Point) ([]byte, error) {
	type doc struct {
		Format    string  `json:"format"`
		Version   int     `json:"version"`
		Width     int     `json:"width"`
		Height    int     `json:"height"`
		UmPerPx   float64 `json:"umPerPx"`
		Points    [][]any `json:"points"`
		Polylines []any   `json:"polylines"`
		Polygons  []any   `json:"polygons"`
		Mask      []int64 `json:"mask"`
	}
	d := doc{Format: Format, Version: 1, Width: width, Height: height, UmPerPx: umPerPx,
		Points: make([][]any, len(pts)), Polylines: []any{}, Polygons: []any{}, Mask: []int64{int64(width) * int64(height)}}
	// Ids sort in file order (the document is canonical by id).
	for i, p := range pts {
		d.Points[i] = []any{fmt.Sprintf("i%06d", i+1), p.X, p.Y, "human"}
	}
	return json.Marshal(d)
}

// ImportMarks saves pts (0-based) as the next version of the volume's cone label, as human
// marks, on top of whatever version is current. A label in review or approved refuses it
// (*StateError), as any other edit.
func (s *Service) ImportMarks(ctx context.Context, v db.Volume, pts []imaging.Point, author string) (db.Label, error) {
	if v.DimX <= 0 || v.DimY <= 0 {
		return db.Label{}, &InputError{Reason: "the volume has no image size to place marks in"}
	}
	if len(pts) > maxMarks {
		return db.Label{}, &InputError{Reason: fmt.Sprintf("%d marks, over the limit of %d", len(pts), maxMarks)}
	}
	um := 0.0
	if v.SpacingXUm != nil {
		um = *v.SpacingXUm
	}
	doc, err := marksDocument(v.DimX, v.DimY, um, pts)
	if err != nil {
		return db.Label{}, err
	}
	base := 0
	if l, err := db.LabelOf(ctx, s.DB, v.ID, "cones"); err == nil {
		base = l.Version
	} else if !errors.Is(err, db.ErrNotFound) {
		return db.Label{}, err
	}
	return s.Save(ctx, SaveInput{VolumeID: v.ID, Kind: "cones", BaseVersion: base, Document: string(doc), Author: author})
}

// Marks returns the cone points of the label's current version (nil before its first save).
func (s *Service) Marks(ctx context.Context, l db.Label) ([]Mark, error) {
	b, err := s.document(ctx, l)
	if err != nil || b == nil {
		return nil, err
	}
	return DocumentMarks(b)
}

// MarksAt returns the cone points of the document stored at key.
func (s *Service) MarksAt(ctx context.Context, key string) ([]Mark, error) {
	rc, err := s.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read label document: %w", err)
	}
	return DocumentMarks(b)
}
