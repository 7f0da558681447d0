package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// MetricRow is one exported metric: typed columns, one row per (run, metric, region).
// PatientID is set only in exports whose caller may read identity.
type MetricRow struct {
	RunID           string
	SubjectCode     string
	PatientID       *string
	Eye             string
	EccentricityDeg *float64
	Metric          string
	Region          string
	Value           float64
	CI95Low         *float64
	CI95High        *float64
	Unit            string
	ModelVersion    string
}

// MarkRow is one exported mark (cone point) of a volume's current label, in 0-based pixel
// coordinates with the top-left pixel's centre at (0, 0).
type MarkRow struct {
	VolumeID        string
	SubjectCode     string
	PatientID       *string
	Eye             string
	EccentricityDeg *float64
	Image           string
	LabelVersion    int32
	LabelState      string
	MarkID          string
	XPx             float64
	YPx             float64
	Source          string
}

// SchemaVersion is the version of the exported tables' columns, written in every manifest.
const SchemaVersion = 1

// Column names, in file order; the identity column only where the export holds identity.
func metricColumns(identity bool) []string {
	c := []string{"run_id", "subject_code"}
	if identity {
		c = append(c, "patient_id")
	}
	return append(c, "eye", "eccentricity_deg", "metric", "region", "value", "ci95_low", "ci95_high", "unit", "model_version")
}

func markColumns(identity bool) []string {
	c := []string{"volume_id", "subject_code"}
	if identity {
		c = append(c, "patient_id")
	}
	return append(c, "eye", "eccentricity_deg", "image", "label_version", "label_state", "mark_id", "x_px", "y_px", "source")
}

// rowWriter writes rows of T to one file.
type rowWriter[T any] interface {
	Write(rows []T) error
	Close() error
}

// Parquet rows: one struct per table and identity, so that an export without identity has
// no identity column at all, not an empty one.
type pqMetric struct {
	RunID           string   `parquet:"run_id"`
	SubjectCode     string   `parquet:"subject_code"`
	Eye             string   `parquet:"eye"`
	EccentricityDeg *float64 `parquet:"eccentricity_deg,optional"`
	Metric          string   `parquet:"metric"`
	Region          string   `parquet:"region"`
	Value           float64  `parquet:"value"`
	CI95Low         *float64 `parquet:"ci95_low,optional"`
	CI95High        *float64 `parquet:"ci95_high,optional"`
	Unit            string   `parquet:"unit"`
	ModelVersion    string   `parquet:"model_version"`
}

type pqMetricIdentity struct {
	RunID           string   `parquet:"run_id"`
	SubjectCode     string   `parquet:"subject_code"`
	PatientID       *string  `parquet:"patient_id,optional"`
	Eye             string   `parquet:"eye"`
	EccentricityDeg *float64 `parquet:"eccentricity_deg,optional"`
	Metric          string   `parquet:"metric"`
	Region          string   `parquet:"region"`
	Value           float64  `parquet:"value"`
	CI95Low         *float64 `parquet:"ci95_low,optional"`
	CI95High        *float64 `parquet:"ci95_high,optional"`
	Unit            string   `parquet:"unit"`
	ModelVersion    string   `parquet:"model_version"`
}

type pqMark struct {
	VolumeID        string   `parquet:"volume_id"`
	SubjectCode     string   `parquet:"subject_code"`
	Eye             string   `parquet:"eye"`
	EccentricityDeg *float64 `parquet:"eccentricity_deg,optional"`
	Image           string   `parquet:"image"`
	LabelVersion    int32    `parquet:"label_version"`
	LabelState      string   `parquet:"label_state"`
	MarkID          string   `parquet:"mark_id"`
	XPx             float64  `parquet:"x_px"`
	YPx             float64  `parquet:"y_px"`
	Source          string   `parquet:"source"`
}

type pqMarkIdentity struct {
	VolumeID        string   `parquet:"volume_id"`
	SubjectCode     string   `parquet:"subject_code"`
	PatientID       *string  `parquet:"patient_id,optional"`
	Eye             string   `parquet:"eye"`
	EccentricityDeg *float64 `parquet:"eccentricity_deg,optional"`
	Image           string   `parquet:"image"`
	LabelVersion    int32    `parquet:"label_version"`
	LabelState      string   `parquet:"label_state"`
	MarkID          string   `parquet:"mark_id"`
	XPx             float64  `parquet:"x_px"`
	YPx             float64  `parquet:"y_px"`
	Source          string   `parquet:"source"`
}

// rowGroupRows bounds what the Parquet writer buffers before it writes a row group.
const rowGroupRows = 64 << 10

// pqWriter converts rows to the file's struct and writes them through parquet-go's
// streaming writer (a row group every rowGroupRows rows).
type pqWriter[T, P any] struct {
	w    *parquet.GenericWriter[P]
	conv func(T) P
	buf  []P
}

func newPQWriter[T, P any](out io.Writer, conv func(T) P) *pqWriter[T, P] {
	w := parquet.NewGenericWriter[P](out,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.CreatedBy("aomas", strconv.Itoa(SchemaVersion), ""))
	return &pqWriter[T, P]{w: w, conv: conv}
}

func (p *pqWriter[T, P]) Write(rows []T) error {
	p.buf = p.buf[:0]
	for _, r := range rows {
		p.buf = append(p.buf, p.conv(r))
	}
	if _, err := p.w.Write(p.buf); err != nil {
		return fmt.Errorf("write parquet rows: %w", err)
	}
	return nil
}

func (p *pqWriter[T, P]) Close() error {
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("close parquet: %w", err)
	}
	return nil
}

func newMetricParquet(out io.Writer, identity bool) rowWriter[MetricRow] {
	if identity {
		return newPQWriter(out, func(r MetricRow) pqMetricIdentity {
			return pqMetricIdentity(r)
		})
	}
	return newPQWriter(out, func(r MetricRow) pqMetric {
		return pqMetric{r.RunID, r.SubjectCode, r.Eye, r.EccentricityDeg, r.Metric, r.Region, r.Value,
			r.CI95Low, r.CI95High, r.Unit, r.ModelVersion}
	})
}

func newMarkParquet(out io.Writer, identity bool) rowWriter[MarkRow] {
	if identity {
		return newPQWriter(out, func(r MarkRow) pqMarkIdentity {
			return pqMarkIdentity(r)
		})
	}
	return newPQWriter(out, func(r MarkRow) pqMark {
		return pqMark{r.VolumeID, r.SubjectCode, r.Eye, r.EccentricityDeg, r.Image, r.LabelVersion,
			r.LabelState, r.MarkID, r.XPx, r.YPx, r.Source}
	})
}

// csvWriter writes a header, then one record per row; an absent value is an empty field.
type csvWriter[T any] struct {
	w      *csv.Writer
	record func(T, []string) []string
	rec    []string
}

func newCSV[T any](out io.Writer, head []string, record func(T, []string) []string) (*csvWriter[T], error) {
	w := csv.NewWriter(out)
	if err := w.Write(head); err != nil {
		return nil, err
	}
	return &csvWriter[T]{w: w, record: record}, nil
}

func (c *csvWriter[T]) Write(rows []T) error {
	for _, r := range rows {
		c.rec = c.record(r, c.rec[:0])
		if err := c.w.Write(c.rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	return nil
}

func (c *csvWriter[T]) Close() error {
	c.w.Flush()
	return c.w.Error()
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func optNum(f *float64) string {
	if f == nil {
		return ""
	}
	return num(*f)
}

func optStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// safe keeps a spreadsheet from reading a text field as a formula.
func safe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

func newMetricCSV(out io.Writer, identity bool) (rowWriter[MetricRow], error) {
	return newCSV(out, metricColumns(identity), func(r MetricRow, rec []string) []string {
		rec = append(rec, r.RunID, safe(r.SubjectCode))
		if identity {
			rec = append(rec, safe(optStr(r.PatientID)))
		}
		return append(rec, r.Eye, optNum(r.EccentricityDeg), safe(r.Metric), safe(r.Region), num(r.Value),
			optNum(r.CI95Low), optNum(r.CI95High), safe(r.Unit), safe(r.ModelVersion))
	})
}

func newMarkCSV(out io.Writer, identity bool) (rowWriter[MarkRow], error) {
	return newCSV(out, markColumns(identity), func(r MarkRow, rec []string) []string {
		rec = append(rec, r.VolumeID, safe(r.SubjectCode))
		if identity {
			rec = append(rec, safe(optStr(r.PatientID)))
		}
		return append(rec, r.Eye, optNum(r.EccentricityDeg), safe(r.Image), strconv.Itoa(int(r.LabelVersion)), r.LabelState,
			safe(r.MarkID), num(r.XPx), num(r.YPx), r.Source)
	})
}
