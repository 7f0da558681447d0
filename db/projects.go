package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ProjectsWithSubjects lists the projects that hold at least one subject, in no set order.
// A project has no table of its own: it exists once a subject is made in it.
func ProjectsWithSubjects(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
	var ps []string
	if err := sqlx.SelectContext(ctx, q, &ps, `SELECT DISTINCT project FROM subjects`); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return ps, nil
}
