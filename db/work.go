package db

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Assignment is a volume given to one labeler.
type Assignment struct {
	VolumeID   int64     `db:"volume_id"`
	UserID     int64     `db:"user_id"`
	AssignedBy string    `db:"assigned_by"`
	AssignedAt time.Time `db:"assigned_at"`
}

// Assign gives volume to user, replacing any earlier assignment.
func Assign(ctx context.Context, q sqlx.ExtContext, volumeID, userID int64, by string) (Assignment, error) {
	var a Assignment
	err := sqlx.GetContext(ctx, q, &a, `INSERT INTO volume_assignments (volume_id, user_id, assigned_by) VALUES ($1, $2, $3)
		ON CONFLICT (volume_id) DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by = EXCLUDED.assigned_by, assigned_at = now()
		RETURNING *`, volumeID, userID, by)
	if err != nil {
		return a, fmt.Errorf("assign volume %d: %w", volumeID, err)
	}
	return a, nil
}

// Unassign takes a volume's assignment away; a volume without one is left as it is.
func Unassign(ctx context.Context, q sqlx.ExecerContext, volumeID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM volume_assignments WHERE volume_id = $1`, volumeID); err != nil {
		return fmt.Errorf("unassign volume %d: %w", volumeID, err)
	}
	return nil
}

// AssignmentsByVolumeIDs loads the assignments of volumes (those that have one).
func AssignmentsByVolumeIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Assignment, error) {
	return selectAny[Assignment](ctx, q, "assignments", `SELECT * FROM volume_assignments WHERE volume_id = ANY($1)`, ids)
}

// Work kinds: what a queue item asks of its reader.
const (
	WorkLabel    = "LABEL"
	WorkReturned = "RETURNED"
	WorkReview   = "REVIEW"
)

// WorkItem is one entry of a person's work queue.
type WorkItem struct {
	Kind     string    `db:"kind"`
	VolumeID int64     `db:"volume_id"`
	LabelID  *int64    `db:"label_id"`
	Since    time.Time `db:"since"`
	// Total is how many items the whole queue holds (the same on every row).
	Total int `db:"total"`
}

// WorkFilter says whose queue to read and which parts of it.
type WorkFilter struct {
	Project string
	UserID  int64
	// Label: volumes assigned to the user, or unassigned, whose cone label is not written
	// yet, still a draft or returned. Review: cone labels submitted for review.
	Label, Review bool
}

// ListWork returns up to limit items of a queue, oldest first, and how many it holds. Only
// READY volumes of f.Project count.
func ListWork(ctx context.Context, q sqlx.QueryerContext, f WorkFilter, limit int) ([]WorkItem, int, error) {
	if !f.Label && !f.Review {
		return nil, 0, nil
	}
	var parts []string
	args := []any{f.Project}
	if f.Label {
		args = append(args, f.UserID)
		parts = append(parts, `
		SELECT CASE WHEN l.state = 'RETURNED' THEN 'RETURNED' ELSE 'LABEL' END AS kind, v.id AS volume_id, l.id AS label_id,
			COALESCE(l.updated_at, a.assigned_at, v.created_at) AS since
		FROM volumes v
		JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id
		LEFT JOIN volume_assignments a ON a.volume_id = v.id
		LEFT JOIN labels l ON l.volume_id = v.id AND l.kind = 'cones'
		WHERE s.project = $1 AND v.status = 'READY'
			AND (a.user_id = $2 OR a.user_id IS NULL)
			AND (l.id IS NULL OR l.state IN ('DRAFT', 'RETURNED'))`)
	}
	if f.Review {
		parts = append(parts, `
		SELECT 'REVIEW' AS kind, v.id AS volume_id, l.id AS label_id, l.updated_at AS since
		FROM labels l
		JOIN volumes v ON v.id = l.volume_id
		JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id
		WHERE s.project = $1 AND l.state = 'IN_REVIEW' AND l.kind = 'cones'`)
	}
	query := `SELECT w.*, count(*) OVER () AS total FROM (` + parts[0]
	if len(parts) == 2 {
		query += ` UNION ALL ` + parts[1]
	}
	args = append(args, limit)
	query += fmt.Sprintf(`) w ORDER BY w.since, w.volume_id LIMIT $%d`, len(args))
	var out []WorkItem
	if err := sqlx.SelectContext(ctx, q, &out, query, args...); err != nil {
		return nil, 0, fmt.Errorf("work queue: %w", err)
	}
	total := 0
	if len(out) > 0 {
		total = out[0].Total
	}
	return out, total, nil
}

// Point is a position in image pixels.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// ReviewRegion is a part of a label a reviewer returned, with what to change there.
type ReviewRegion struct {
	Points  []Point `json:"points"`
	Comment string  `json:"comment"`
}

// ReviewRegions is a label_events.regions value (jsonb).
type ReviewRegions []ReviewRegion

// Value stores regions as JSON.
func (r ReviewRegions) Value() (driver.Value, error) {
	if r == nil {
		return []byte("[]"), nil
	}
	b, err := json.Marshal([]ReviewRegion(r))
	if err != nil {
		return nil, fmt.Errorf("review regions: %w", err)
	}
	return b, nil
}

// Scan reads regions from JSON.
func (r *ReviewRegions) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case nil:
		*r = nil
		return nil
	default:
		return fmt.Errorf("review regions: cannot scan %T", src)
	}
	return json.Unmarshal(b, (*[]ReviewRegion)(r))
}

// OpenReturn returns the regions of a label's latest return when no submission followed
// it (what its labeler still has to change), or none.
func OpenReturn(ctx context.Context, q sqlx.QueryerContext, labelID int64) (ReviewRegions, error) {
	var regions ReviewRegions
	err := sqlx.GetContext(ctx, q, &regions, `SELECT e.regions FROM label_events e
		WHERE e.label_id = $1 AND e.action = 'RETURNED'
			AND NOT EXISTS (SELECT 1 FROM label_events s WHERE s.label_id = e.label_id AND s.id > e.id AND s.action = 'SUBMITTED')
		ORDER BY e.id DESC LIMIT 1`, labelID)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open return of label %d: %w", labelID, err)
	}
	return regions, nil
}
