package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// RunListFilter narrows a run listing.
type RunListFilter struct {
	// Project limits the listing to one project's runs (every project when empty).
	Project  string
	CaseID   *int64
	VolumeID *int64
	Status   string
	// CurrentOnly keeps each volume's current run alone.
	CurrentOnly bool
}

// currentRun holds for a volume's current run: its latest succeeded one. A later run that
// succeeds supersedes it; one that fails or is cancelled does not.
const currentRun = `r.status = 'SUCCEEDED' AND NOT EXISTS (SELECT 1 FROM runs r2
	WHERE r2.volume_id = r.volume_id AND r2.status = 'SUCCEEDED' AND r2.id > r.id)`

// ListRuns returns one page of runs, newest first, and how many match.
func ListRuns(ctx context.Context, q sqlx.QueryerContext, f RunListFilter, limit, offset int) (Page[Run], error) {
	var w where
	if f.Project != "" {
		w.add(`r.volume_id IN (SELECT v.id FROM volumes v JOIN cases c ON c.id = v.case_id
			JOIN subjects s ON s.id = c.subject_id WHERE s.project = ? AND v.archived_at IS NULL AND c.archived_at IS NULL)`, f.Project)
	} else {
		w.add(`r.volume_id IN (SELECT v.id FROM volumes v JOIN cases c ON c.id = v.case_id
			WHERE v.archived_at IS NULL AND c.archived_at IS NULL)`)
	}
	if f.CurrentOnly {
		w.add(currentRun)
	}
	if f.CaseID != nil {
		w.add("r.volume_id IN (SELECT id FROM volumes WHERE case_id = ?)", *f.CaseID)
	}
	if f.VolumeID != nil {
		w.add("r.volume_id = ?", *f.VolumeID)
	}
	if f.Status != "" {
		w.add("r.status = ?", f.Status)
	}
	var page Page[Run]
	filter := w.sql()
	if err := sqlx.GetContext(ctx, q, &page.Total, "SELECT count(*) FROM runs r"+filter, w.args...); err != nil {
		return page, fmt.Errorf("count runs: %w", err)
	}
	if err := sqlx.SelectContext(ctx, q, &page.Rows, "SELECT r.* FROM runs r"+filter+" ORDER BY r.id DESC"+w.page(limit, offset), w.args...); err != nil {
		return page, fmt.Errorf("list runs: %w", err)
	}
	return page, nil
}

// MetricListFilter narrows a metric listing.
type MetricListFilter struct {
	// Project limits the listing to one project's metrics (every project when empty).
	Project   string
	CaseID    *int64
	RunID     *int64
	CohortTag string
	Name      string
	From, To  *time.Time
	// IncludeSuperseded keeps the metrics of runs that a later succeeded run of the same
	// volume superseded (and of runs that have not succeeded); by default only current
	// runs count, so that a volume is never counted twice.
	IncludeSuperseded bool
	// ModelVersionID keeps the runs whose cones this model version found (runCones).
	ModelVersionID *int64
}

// runCones is the model version that found a run's cones: the one the run carries (named or
// canary), else the one its segment step recorded (the deployed version).
const runCones = `coalesce(r.model_version_id, (SELECT (st.output::jsonb->'cones'->>'model_version_id')::bigint
	FROM run_step_tasks st WHERE st.run_id = r.id AND st.name = 'segment'))`

func (f MetricListFilter) where() where {
	var w where
	w.add("v.archived_at IS NULL AND c.archived_at IS NULL")
	if f.Project != "" {
		w.add("c.subject_id IN (SELECT id FROM subjects WHERE project = ?)", f.Project)
	}
	if !f.IncludeSuperseded && f.RunID == nil {
		w.add(currentRun)
	}
	if f.RunID != nil {
		w.add("r.id = ?", *f.RunID)
	}
	if f.CaseID != nil {
		w.add("v.case_id = ?", *f.CaseID)
	}
	if f.CohortTag != "" {
		w.add("c.tags @> ARRAY[?]::text[]", f.CohortTag)
	}
	if f.From != nil {
		w.add("r.created_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("r.created_at < ?", *f.To)
	}
	if f.ModelVersionID != nil {
		w.add(runCones+" = ?", *f.ModelVersionID)
	}
	return w
}

// ListMetrics returns one page of metrics, newest run first, and how many match.
func ListMetrics(ctx context.Context, q sqlx.QueryerContext, f MetricListFilter, limit, offset int) (Page[Metric], error) {
	w := f.where()
	if f.Name != "" {
		w.add("m.name = ?", f.Name)
	}
	from := ` FROM metrics m JOIN runs r ON r.id = m.run_id JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id`
	var page Page[Metric]
	filter := w.sql()
	if err := sqlx.GetContext(ctx, q, &page.Total, "SELECT count(*)"+from+filter, w.args...); err != nil {
		return page, fmt.Errorf("count metrics: %w", err)
	}
	if err := sqlx.SelectContext(ctx, q, &page.Rows, "SELECT m.*"+from+filter+" ORDER BY m.run_id DESC, m.name, m.region"+w.page(limit, offset), w.args...); err != nil {
		return page, fmt.Errorf("list metrics: %w", err)
	}
	return page, nil
}

// MetricNameMeasured reports whether any run ever recorded a metric called name.
func MetricNameMeasured(ctx context.Context, q sqlx.QueryerContext, name string) (bool, error) {
	var ok bool
	if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM metrics WHERE name = $1)`, name); err != nil {
		return false, fmt.Errorf("metric name %q: %w", name, err)
	}
	return ok, nil
}

// WideRow is one run of the analyst's table: what names the measured image.
type WideRow struct {
	RunID           int64          `db:"run_id"`
	VolumeID        int64          `db:"volume_id"`
	CaseID          int64          `db:"case_id"`
	SubjectCode     string         `db:"subject_code"`
	Eye             string         `db:"eye"`
	EccentricityDeg *float64       `db:"eccentricity_deg"`
	AcquiredOn      *time.Time     `db:"acquired_on"`
	Tags            pq.StringArray `db:"tags"`
	Filename        string         `db:"filename"`
	Modality        string         `db:"modality"`
	ModelName       *string        `db:"model_name"`
	ModelVersion    *string        `db:"model_version"`
	Detector        string         `db:"detector"`
	RunStatus       string         `db:"run_status"`
	FinishedAt      *time.Time     `db:"finished_at"`
}

// ListWideRows returns one page of runs (current ones unless f.IncludeSuperseded), by
// subject code, eye, eccentricity and run, with what names them; f.Name is ignored.
func ListWideRows(ctx context.Context, q sqlx.QueryerContext, f MetricListFilter, limit, offset int) (Page[WideRow], error) {
	w := f.where()
	from := ` FROM runs r JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id
		LEFT JOIN model_versions mv ON mv.id = ` + runCones + ` LEFT JOIN models mo ON mo.id = mv.model_id
		LEFT JOIN run_step_tasks seg ON seg.run_id = r.id AND seg.name = 'segment'`
	var page Page[WideRow]
	filter := w.sql()
	if err := sqlx.GetContext(ctx, q, &page.Total, "SELECT count(*)"+from+filter, w.args...); err != nil {
		return page, fmt.Errorf("count table rows: %w", err)
	}
	query := `SELECT r.id AS run_id, v.id AS volume_id, c.id AS case_id, s.code AS subject_code, c.eye, c.eccentricity_deg,
		c.acquired_on, c.tags, v.filename, v.modality, mo.name AS model_name, mv.version AS model_version,
		coalesce(seg.output->>'detector', '') AS detector, r.status AS run_status, r.finished_at` + from + filter +
		` ORDER BY s.code, c.eye, c.eccentricity_deg NULLS LAST, r.id` + w.page(limit, offset)
	if err := sqlx.SelectContext(ctx, q, &page.Rows, query, w.args...); err != nil {
		return page, fmt.Errorf("list table rows: %w", err)
	}
	return page, nil
}
