package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Export statuses (exports.status).
const (
	ExportQueued    = "QUEUED"
	ExportRunning   = "RUNNING"
	ExportSucceeded = "SUCCEEDED"
	ExportFailed    = "FAILED"
)

// Export is one export of metrics or marks to the export store.
type Export struct {
	ID              int64           `db:"id"`
	Project         string          `db:"project"`
	OwnerID         int64           `db:"owner_id"`
	OwnerEmail      string          `db:"owner_email"`
	Kind            string          `db:"kind"`
	Format          string          `db:"format"`
	Destination     string          `db:"destination"`
	Filter          json.RawMessage `db:"filter"`
	IncludeIdentity bool            `db:"include_identity"`
	Status          string          `db:"status"`
	Progress        float64         `db:"progress"`
	Message         string          `db:"message"`
	RowCount        *int64          `db:"row_count"`
	Files           json.RawMessage `db:"files"`
	ManifestSHA256  *string         `db:"manifest_sha256"`
	Error           *string         `db:"error"`
	Seq             int64           `db:"seq"`
	CreatedAt       time.Time       `db:"created_at"`
	StartedAt       *time.Time      `db:"started_at"`
	FinishedAt      *time.Time      `db:"finished_at"`
}

// NodeType is the GraphQL type of an export.
func (Export) NodeType() string { return "Export" }

// NodeID is the export's row id.
func (e Export) NodeID() int64 { return e.ID }

// InsertExport records a new export (QUEUED) and returns it.
func InsertExport(ctx context.Context, q sqlx.QueryerContext, e Export) (Export, error) {
	var out Export
	err := sqlx.GetContext(ctx, q, &out, `INSERT INTO exports (project, owner_id, owner_email, kind, format, destination, filter, include_identity)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
		e.Project, e.OwnerID, e.OwnerEmail, e.Kind, e.Format, e.Destination, []byte(e.Filter), e.IncludeIdentity)
	if err != nil {
		return Export{}, fmt.Errorf("insert export: %w", err)
	}
	return out, nil
}

// ExportByID returns export id.
func ExportByID(ctx context.Context, q sqlx.QueryerContext, id int64) (Export, error) {
	var out Export
	if err := sqlx.GetContext(ctx, q, &out, `SELECT * FROM exports WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return Export{}, fmt.Errorf("export %d: %w", id, ErrNotFound)
		}
		return Export{}, fmt.Errorf("export %d: %w", id, err)
	}
	return out, nil
}

// ExportsOf returns owner's exports in project, newest first, at most limit.
func ExportsOf(ctx context.Context, q sqlx.QueryerContext, owner int64, project string, limit int) ([]Export, error) {
	var out []Export
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT * FROM exports WHERE owner_id = $1 AND project = $2 ORDER BY id DESC LIMIT $3`,
		owner, project, limit); err != nil {
		return nil, fmt.Errorf("list exports: %w", err)
	}
	return out, nil
}

// StartExport marks export id RUNNING (again, after a crash) and returns it.
func StartExport(ctx context.Context, q sqlx.QueryerContext, id int64) (Export, error) {
	var out Export
	err := sqlx.GetContext(ctx, q, &out, `UPDATE exports SET status = 'RUNNING', started_at = coalesce(started_at, now()),
		progress = 0, message = 'started', error = NULL, seq = seq + 1 WHERE id = $1 RETURNING *`, id)
	if err != nil {
		if isNoRows(err) {
			return Export{}, fmt.Errorf("export %d: %w", id, ErrNotFound)
		}
		return Export{}, fmt.Errorf("start export %d: %w", id, err)
	}
	return out, nil
}

// SetExportProgress stores how far export id got and returns the new event number.
func SetExportProgress(ctx context.Context, q sqlx.QueryerContext, id int64, fraction float64, message string) (int64, error) {
	var seq int64
	err := sqlx.GetContext(ctx, q, &seq, `UPDATE exports SET progress = $2, message = $3, seq = seq + 1
		WHERE id = $1 AND status = 'RUNNING' RETURNING seq`, id, min(max(fraction, 0), 1), message)
	if err != nil {
		if isNoRows(err) {
			return 0, fmt.Errorf("export %d is not running: %w", id, ErrNotFound)
		}
		return 0, fmt.Errorf("export %d progress: %w", id, err)
	}
	return seq, nil
}

// FinishExport records a finished export: its files, rows and the manifest's digest.
func FinishExport(ctx context.Context, q sqlx.QueryerContext, id, rows int64, files json.RawMessage, manifestSHA string) (Export, error) {
	var out Export
	err := sqlx.GetContext(ctx, q, &out, `UPDATE exports SET status = 'SUCCEEDED', progress = 1, message = 'done', row_count = $2,
		files = $3, manifest_sha256 = $4, finished_at = now(), seq = seq + 1 WHERE id = $1 RETURNING *`, id, rows, []byte(files), manifestSHA)
	if err != nil {
		return Export{}, fmt.Errorf("finish export %d: %w", id, err)
	}
	return out, nil
}

// FailExport records why export id failed for good.
func FailExport(ctx context.Context, q sqlx.ExecerContext, id int64, reason string) error {
	if _, err := q.ExecContext(ctx, `UPDATE exports SET status = 'FAILED', error = $2, message = 'failed', finished_at = now(), seq = seq + 1
		WHERE id = $1 AND status <> 'SUCCEEDED'`, id, reason); err != nil {
		return fmt.Errorf("fail export %d: %w", id, err)
	}
	return nil
}

// ExportMetricRow is one metric of one run as exported: what names the measured image, the
// value with its interval and unit, and the patient ID only when the export may hold it.
type ExportMetricRow struct {
	MetricID        int64    `db:"metric_id"`
	RunID           int64    `db:"run_id"`
	SubjectCode     string   `db:"subject_code"`
	PatientID       *string  `db:"patient_id"`
	Eye             string   `db:"eye"`
	EccentricityDeg *float64 `db:"eccentricity_deg"`
	Name            string   `db:"name"`
	Region          string   `db:"region"`
	Value           float64  `db:"value"`
	CI95Low         *float64 `db:"ci95_low"`
	CI95High        *float64 `db:"ci95_high"`
	Unit            string   `db:"unit"`
	ModelName       *string  `db:"model_name"`
	ModelVersion    *string  `db:"model_version"`
	Detector        string   `db:"detector"`
}

const exportMetricsFrom = ` FROM metrics m JOIN runs r ON r.id = m.run_id JOIN volumes v ON v.id = r.volume_id
	JOIN cases c ON c.id = v.case_id JOIN subjects s ON s.id = c.subject_id`

// CountExportMetrics counts the metric rows f selects (f.Project must be set).
func CountExportMetrics(ctx context.Context, q sqlx.QueryerContext, f MetricListFilter) (int64, error) {
	if f.Project == "" {
		return 0, fmt.Errorf("count export rows: no project")
	}
	w := f.where()
	if f.Name != "" {
		w.add("m.name = ?", f.Name)
	}
	var n int64
	if err := sqlx.GetContext(ctx, q, &n, "SELECT count(*)"+exportMetricsFrom+w.sql(), w.args...); err != nil {
		return 0, fmt.Errorf("count export rows: %w", err)
	}
	return n, nil
}

// ExportMetricsPage returns up to limit metric rows f selects with a metric id above after,
// in metric id order (keyset paging: each page is one short query, however large the
// cohort). The patient ID is read only when identity is true.
func ExportMetricsPage(ctx context.Context, q sqlx.QueryerContext, f MetricListFilter, identity bool, after int64, limit int) ([]ExportMetricRow, error) {
	if f.Project == "" {
		return nil, fmt.Errorf("export rows: no project")
	}
	w := f.where()
	if f.Name != "" {
		w.add("m.name = ?", f.Name)
	}
	w.add("m.id > ?", after)
	patient := "NULL::text"
	join := ""
	if identity {
		patient = "si.patient_id"
		join = " LEFT JOIN subject_identities si ON si.subject_id = s.id"
	}
	w.args = append(w.args, limit)
	query := `SELECT m.id AS metric_id, r.id AS run_id, s.code AS subject_code, ` + patient + ` AS patient_id, c.eye, c.eccentricity_deg,
		m.name, m.region, m.value, m.ci95_low, m.ci95_high, m.unit, mo.name AS model_name, mv.version AS model_version,
		coalesce(seg.output->>'detector', '') AS detector` + exportMetricsFrom + join + `
		LEFT JOIN model_versions mv ON mv.id = r.model_version_id LEFT JOIN models mo ON mo.id = mv.model_id
		LEFT JOIN run_step_tasks seg ON seg.run_id = r.id AND seg.name = 'segment'` + w.sql() +
		fmt.Sprintf(" ORDER BY m.id LIMIT $%d", len(w.args))
	var out []ExportMetricRow
	if err := sqlx.SelectContext(ctx, q, &out, query, w.args...); err != nil {
		return nil, fmt.Errorf("export rows: %w", err)
	}
	return out, nil
}

// ExportLabelRow is a volume with a current label document of a kind, as the marks export
// reads it.
type ExportLabelRow struct {
	VolumeID        int64    `db:"volume_id"`
	SubjectCode     string   `db:"subject_code"`
	PatientID       *string  `db:"patient_id"`
	Eye             string   `db:"eye"`
	EccentricityDeg *float64 `db:"eccentricity_deg"`
	Filename        string   `db:"filename"`
	LabelVersion    int      `db:"label_version"`
	LabelState      string   `db:"label_state"`
	ObjectKey       string   `db:"object_key"`
}

// MarksFilter narrows a marks export; Project must be set.
type MarksFilter struct {
	Project   string
	CaseID    *int64
	VolumeID  *int64
	CohortTag string
	Kind      string
	// ApprovedOnly keeps labels whose current version is approved.
	ApprovedOnly bool
}

func (f MarksFilter) where() where {
	var w where
	w.add("v.archived_at IS NULL AND c.archived_at IS NULL AND l.version > 0")
	w.add("s.project = ?", f.Project)
	w.add("l.kind = ?", f.Kind)
	if f.CaseID != nil {
		w.add("v.case_id = ?", *f.CaseID)
	}
	if f.VolumeID != nil {
		w.add("v.id = ?", *f.VolumeID)
	}
	if f.CohortTag != "" {
		w.add("c.tags @> ARRAY[?]::text[]", f.CohortTag)
	}
	if f.ApprovedOnly {
		w.add("l.state = 'APPROVED'")
	}
	return w
}

const exportLabelsFrom = ` FROM labels l JOIN label_versions lv ON lv.label_id = l.id AND lv.version = l.version
	JOIN volumes v ON v.id = l.volume_id JOIN cases c ON c.id = v.case_id JOIN subjects s ON s.id = c.subject_id`

// CountExportLabels counts the labels f selects.
func CountExportLabels(ctx context.Context, q sqlx.QueryerContext, f MarksFilter) (int64, error) {
	if f.Project == "" {
		return 0, fmt.Errorf("count export labels: no project")
	}
	w := f.where()
	var n int64
	if err := sqlx.GetContext(ctx, q, &n, "SELECT count(*)"+exportLabelsFrom+w.sql(), w.args...); err != nil {
		return 0, fmt.Errorf("count export labels: %w", err)
	}
	return n, nil
}

// ExportLabelsPage returns up to limit labels f selects on volumes with an id above after,
// in volume id order.
func ExportLabelsPage(ctx context.Context, q sqlx.QueryerContext, f MarksFilter, identity bool, after int64, limit int) ([]ExportLabelRow, error) {
	if f.Project == "" {
		return nil, fmt.Errorf("export labels: no project")
	}
	w := f.where()
	w.add("v.id > ?", after)
	patient, join := "NULL::text", ""
	if identity {
		patient, join = "si.patient_id", " LEFT JOIN subject_identities si ON si.subject_id = s.id"
	}
	w.args = append(w.args, limit)
	query := `SELECT v.id AS volume_id, s.code AS subject_code, ` + patient + ` AS patient_id, c.eye, c.eccentricity_deg, v.filename,
		l.version AS label_version, l.state AS label_state, lv.object_key` + exportLabelsFrom + join + w.sql() +
		fmt.Sprintf(" ORDER BY v.id LIMIT $%d", len(w.args))
	var out []ExportLabelRow
	if err := sqlx.SelectContext(ctx, q, &out, query, w.args...); err != nil {
		return nil, fmt.Errorf("export labels: %w", err)
	}
	return out, nil
}
