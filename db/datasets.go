package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// DatasetRow is a set of volumes with frozen reference marks that models are evaluated on.
type DatasetRow struct {
	ID          int64     `db:"id"`
	Project     string    `db:"project"`
	Name        string    `db:"name"`
	Task        string    `db:"task"`
	Description string    `db:"description"`
	CreatedBy   *int64    `db:"created_by"`
	CreatedAt   time.Time `db:"created_at"`
}

// DatasetItemRow is one volume of a dataset with its reference marks.
type DatasetItemRow struct {
	DatasetID int64  `db:"dataset_id"`
	VolumeID  int64  `db:"volume_id"`
	Modality  string `db:"modality"`
	// MarksKey is the reference marks, JSON [[x, y], ...] in 0-based pixels, content-addressed.
	MarksKey     string    `db:"marks_key"`
	Marks        int       `db:"marks"`
	Source       string    `db:"source"`
	LabelVersion *int      `db:"label_version"`
	AddedAt      time.Time `db:"added_at"`
}

// Sources of a dataset item's reference.
const (
	DatasetSourceImport = "import"
	DatasetSourceLabel  = "label"
)

// CreateDataset inserts a dataset; a name taken in the project is a unique violation.
func CreateDataset(ctx context.Context, q sqlx.QueryerContext, d DatasetRow) (DatasetRow, error) {
	var out DatasetRow
	err := sqlx.GetContext(ctx, q, &out, `INSERT INTO datasets (project, name, task, description, created_by)
		VALUES ($1, $2, $3, $4, $5) RETURNING *`, d.Project, d.Name, d.Task, d.Description, d.CreatedBy)
	if err != nil {
		return out, fmt.Errorf("create dataset: %w", err)
	}
	return out, nil
}

// DatasetInProject returns dataset id when it belongs to project, else ErrNotFound.
func DatasetInProject(ctx context.Context, q sqlx.QueryerContext, id int64, project string) (DatasetRow, error) {
	var d DatasetRow
	err := sqlx.GetContext(ctx, q, &d, `SELECT * FROM datasets WHERE id = $1 AND project = $2`, id, project)
	if isNoRows(err) {
		return d, fmt.Errorf("dataset %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("dataset %d: %w", id, err)
	}
	return d, nil
}

// DatasetByName returns the dataset called name in project, or ErrNotFound.
func DatasetByName(ctx context.Context, q sqlx.QueryerContext, project, name string) (DatasetRow, error) {
	var d DatasetRow
	err := sqlx.GetContext(ctx, q, &d, `SELECT * FROM datasets WHERE project = $1 AND name = $2`, project, name)
	if isNoRows(err) {
		return d, fmt.Errorf("dataset %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("dataset %q: %w", name, err)
	}
	return d, nil
}

// Datasets lists the datasets of project, newest first.
func Datasets(ctx context.Context, q sqlx.QueryerContext, project string, limit int) ([]DatasetRow, error) {
	var out []DatasetRow
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT * FROM datasets WHERE project = $1 ORDER BY id DESC LIMIT $2`, project, limit); err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	return out, nil
}

// DatasetItemCount is how many items dataset id holds.
func DatasetItemCount(ctx context.Context, q sqlx.QueryerContext, id int64) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM dataset_items WHERE dataset_id = $1`, id); err != nil {
		return 0, fmt.Errorf("count dataset items: %w", err)
	}
	return n, nil
}

// DatasetItems lists a dataset's items by volume id after after (0: from the start).
func DatasetItems(ctx context.Context, q sqlx.QueryerContext, id, after int64, limit int) ([]DatasetItemRow, error) {
	var out []DatasetItemRow
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT * FROM dataset_items WHERE dataset_id = $1 AND volume_id > $2
		ORDER BY volume_id LIMIT $3`, id, after, limit); err != nil {
		return nil, fmt.Errorf("list dataset items: %w", err)
	}
	return out, nil
}

// PutDatasetItem adds an item, or replaces the reference of one already there.
func PutDatasetItem(ctx context.Context, q sqlx.ExecerContext, it DatasetItemRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO dataset_items (dataset_id, volume_id, modality, marks_key, marks, source, label_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (dataset_id, volume_id) DO UPDATE SET modality = EXCLUDED.modality, marks_key = EXCLUDED.marks_key,
			marks = EXCLUDED.marks, source = EXCLUDED.source, label_version = EXCLUDED.label_version, added_at = now()`,
		it.DatasetID, it.VolumeID, it.Modality, it.MarksKey, it.Marks, it.Source, it.LabelVersion)
	if err != nil {
		return fmt.Errorf("put dataset item %d/%d: %w", it.DatasetID, it.VolumeID, err)
	}
	return nil
}

// ApprovedConeLabel is a volume of a project with the latest approved version of its cone label.
type ApprovedConeLabel struct {
	VolumeID  int64   `db:"volume_id"`
	Modality  string  `db:"modality"`
	Version   *int    `db:"version"`
	ObjectKey *string `db:"object_key"`
}

// ApprovedConeLabels returns, for each of ids that is a volume of project, its modality and
// the latest approved version of its cone label (nil fields when it has none). Volumes of
// other projects are not returned.
func ApprovedConeLabels(ctx context.Context, q sqlx.QueryerContext, project string, ids []int64) ([]ApprovedConeLabel, error) {
	var out []ApprovedConeLabel
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT v.id AS volume_id, v.modality, a.version, a.object_key
		FROM volumes v JOIN cases c ON c.id = v.case_id JOIN subjects s ON s.id = c.subject_id
		LEFT JOIN LATERAL (
			SELECT lv.version, lv.object_key FROM labels l
			JOIN label_events e ON e.label_id = l.id AND e.action = $3
			JOIN label_versions lv ON lv.label_id = l.id AND lv.version = e.version
			WHERE l.volume_id = v.id AND l.kind = 'cones'
			ORDER BY e.id DESC LIMIT 1) a ON true
		WHERE v.id = ANY($1) AND s.project = $2
		ORDER BY v.id`, pq.Array(ids), project, LabelApproved)
	if err != nil {
		return nil, fmt.Errorf("approved cone labels: %w", err)
	}
	return out, nil
}

// DatasetSize is how many images a dataset holds and how many pixels they have.
type DatasetSize struct {
	Items     int   `db:"items"`
	MaxPixels int64 `db:"max_pixels"`
	Pixels    int64 `db:"pixels"`
}

// DatasetSizeOf measures dataset id (a frame stack's pixels count whole).
func DatasetSizeOf(ctx context.Context, q sqlx.QueryerContext, id int64) (DatasetSize, error) {
	var s DatasetSize
	err := sqlx.GetContext(ctx, q, &s, `SELECT count(*) AS items,
			coalesce(max(v.dim_x::bigint * v.dim_y * greatest(v.dim_z, 1)), 0) AS max_pixels,
			coalesce(sum(v.dim_x::bigint * v.dim_y * greatest(v.dim_z, 1)), 0) AS pixels
		FROM dataset_items i JOIN volumes v ON v.id = i.volume_id WHERE i.dataset_id = $1`, id)
	if err != nil {
		return s, fmt.Errorf("size of dataset %d: %w", id, err)
	}
	return s, nil
}

// EvaluationDataset returns dataset id whatever its project (the caller reached it through
// an evaluation already checked).
func EvaluationDataset(ctx context.Context, q sqlx.QueryerContext, id int64) (DatasetRow, error) {
	var d DatasetRow
	err := sqlx.GetContext(ctx, q, &d, `SELECT * FROM datasets WHERE id = $1`, id)
	if isNoRows(err) {
		return d, fmt.Errorf("dataset %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("dataset %d: %w", id, err)
	}
	return d, nil
}
