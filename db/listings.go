package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// RunListFilter narrows a run listing.
type RunListFilter struct {
	// Project limits the listing to one project's runs (every project when empty).
	Project  string
	CaseID   *int64
	VolumeID *int64
	Status   string
}

// ListRuns returns one page of runs, newest first, and how many match.
func ListRuns(ctx context.Context, q sqlx.QueryerContext, f RunListFilter, limit, offset int) (Page[Run], error) {
	var w where
	if f.Project != "" {
		w.add(`r.volume_id IN (SELECT v.id FROM volumes v JOIN cases c ON c.id = v.case_id
			JOIN subjects s ON s.id = c.subject_id WHERE s.project = ?)`, f.Project)
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
}

// ListMetrics returns one page of metrics, newest run first, and how many match.
func ListMetrics(ctx context.Context, q sqlx.QueryerContext, f MetricListFilter, limit, offset int) (Page[Metric], error) {
	var w where
	if f.Project != "" {
		w.add("c.subject_id IN (SELECT id FROM subjects WHERE project = ?)", f.Project)
	}
	if f.RunID != nil {
		w.add("m.run_id = ?", *f.RunID)
	}
	if f.CaseID != nil {
		w.add("v.case_id = ?", *f.CaseID)
	}
	if f.CohortTag != "" {
		w.add("c.tags @> ARRAY[?]::text[]", f.CohortTag)
	}
	if f.Name != "" {
		w.add("m.name = ?", f.Name)
	}
	if f.From != nil {
		w.add("r.created_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("r.created_at < ?", *f.To)
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
