package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Node is a row that GraphQL exposes under a global id; NodeType is its GraphQL type name.
type Node interface {
	NodeType() string
	NodeID() int64
}

// NodeType implements Node.
func (Subject) NodeType() string { return "Subject" }

// NodeType implements Node.
func (Case) NodeType() string { return "Case" }

// NodeType implements Node.
func (Volume) NodeType() string { return "Volume" }

// NodeType implements Node.
func (Run) NodeType() string { return "Run" }

// NodeType implements Node.
func (Metric) NodeType() string { return "Metric" }

// NodeType implements Node.
func (Label) NodeType() string { return "Label" }

// NodeType implements Node.
func (Model) NodeType() string { return "Model" }

// NodeType implements Node.
func (ModelVersion) NodeType() string { return "ModelVersion" }

// NodeID implements Node.
func (r Subject) NodeID() int64 { return r.ID }

// NodeID implements Node.
func (r Case) NodeID() int64 { return r.ID }

// NodeID implements Node.
func (r Volume) NodeID() int64 { return r.ID }

// NodeID implements Node.
func (r Run) NodeID() int64 { return r.ID }

// NodeID implements Node.
func (r Metric) NodeID() int64 { return r.ID }

// NodeID implements Node.
func (r Label) NodeID() int64 { return r.ID }

// NodeID implements Node.
func (r Model) NodeID() int64 { return r.ID }

// NodeID implements Node.
func (r ModelVersion) NodeID() int64 { return r.ID }

// projectOf finds the project that owns a row of each type that belongs to one.
var projectOf = map[string]string{
	"Subject": `SELECT project FROM subjects WHERE id = $1`,
	"Case":    `SELECT s.project FROM cases c JOIN subjects s ON s.id = c.subject_id WHERE c.id = $1`,
	"Volume": `SELECT s.project FROM volumes v JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id WHERE v.id = $1`,
	"Run": `SELECT s.project FROM runs r JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id WHERE r.id = $1`,
	"Label": `SELECT s.project FROM labels l JOIN volumes v ON v.id = l.volume_id JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id WHERE l.id = $1`,
	// A model of no project (a shipped one) is every project's: sharedProject stands for it.
	"Model":        `SELECT coalesce(project, '` + sharedProject + `') FROM models WHERE id = $1`,
	"ModelVersion": `SELECT coalesce(m.project, '` + sharedProject + `') FROM model_versions mv JOIN models m ON m.id = mv.model_id WHERE mv.id = $1`,
}

// sharedProject is what projectOf answers for a row every project shares; no project has
// this name (project names are identifiers, see rbac).
const sharedProject = "*"

// ProjectOfRun returns the project that owns a run.
func ProjectOfRun(ctx context.Context, q sqlx.QueryerContext, runID int64) (string, error) {
	var p string
	if err := sqlx.GetContext(ctx, q, &p, projectOf["Run"], runID); err != nil {
		if isNoRows(err) {
			return "", fmt.Errorf("run %d: %w", runID, ErrNotFound)
		}
		return "", fmt.Errorf("project of run %d: %w", runID, err)
	}
	return p, nil
}

// InProject reports whether row id of type typ belongs to project. Types that belong to
// no project (models) are in every project; a missing row is in none.
func InProject(ctx context.Context, q sqlx.QueryerContext, typ string, id int64, project string) (bool, error) {
	query, ok := projectOf[typ]
	if !ok {
		return true, nil
	}
	var got string
	err := sqlx.GetContext(ctx, q, &got, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("project of %s %d: %w", typ, id, err)
	}
	return got == project || got == sharedProject, nil
}
