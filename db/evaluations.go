package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// EvaluationRow statuses.
const (
	EvaluationQueued    = "QUEUED"
	EvaluationRunning   = "RUNNING"
	EvaluationSucceeded = "SUCCEEDED"
	EvaluationFailed    = "FAILED"
)

// EvaluationRow is a model version evaluated on a dataset.
type EvaluationRow struct {
	ID             int64   `db:"id"`
	ModelVersionID int64   `db:"model_version_id"`
	DatasetID      int64   `db:"dataset_id"`
	Status         string  `db:"status"`
	Progress       float64 `db:"progress"`
	Message        string  `db:"message"`
	// Scores is JSON: [{modality, images, sensitivity: {value, low, high}, fdr, dice}], "all" first.
	Scores      json.RawMessage `db:"scores"`
	MsPerMpx    *float64        `db:"ms_per_mpx"`
	RequestedBy *int64          `db:"requested_by"`
	CreatedAt   time.Time       `db:"created_at"`
	FinishedAt  *time.Time      `db:"finished_at"`
}

// EvaluationItemRow is the score of one image of an evaluation.
type EvaluationItemRow struct {
	EvaluationID   int64           `db:"evaluation_id"`
	VolumeID       int64           `db:"volume_id"`
	Modality       string          `db:"modality"`
	TruePositives  int             `db:"true_positives"`
	FalsePositives int             `db:"false_positives"`
	FalseNegatives int             `db:"false_negatives"`
	Sensitivity    float64         `db:"sensitivity"`
	FDR            float64         `db:"fdr"`
	Dice           float64         `db:"dice"`
	Milliseconds   float64         `db:"milliseconds"`
	Features       json.RawMessage `db:"features"`
}

// InsertEvaluation records a QUEUED evaluation.
func InsertEvaluation(ctx context.Context, q sqlx.QueryerContext, versionID, datasetID int64, by *int64) (EvaluationRow, error) {
	var e EvaluationRow
	err := sqlx.GetContext(ctx, q, &e, `INSERT INTO evaluations (model_version_id, dataset_id, requested_by)
		VALUES ($1, $2, $3) RETURNING *`, versionID, datasetID, by)
	if err != nil {
		return e, fmt.Errorf("insert evaluation: %w", err)
	}
	return e, nil
}

// EvaluationByID returns one evaluation.
func EvaluationByID(ctx context.Context, q sqlx.QueryerContext, id int64) (EvaluationRow, error) {
	var e EvaluationRow
	err := sqlx.GetContext(ctx, q, &e, `SELECT * FROM evaluations WHERE id = $1`, id)
	if isNoRows(err) {
		return e, fmt.Errorf("evaluation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("evaluation %d: %w", id, err)
	}
	return e, nil
}

// EvaluationInProject returns evaluation id when its dataset belongs to project, else ErrNotFound.
func EvaluationInProject(ctx context.Context, q sqlx.QueryerContext, id int64, project string) (EvaluationRow, error) {
	var e EvaluationRow
	err := sqlx.GetContext(ctx, q, &e, `SELECT e.* FROM evaluations e JOIN datasets d ON d.id = e.dataset_id
		WHERE e.id = $1 AND d.project = $2`, id, project)
	if isNoRows(err) {
		return e, fmt.Errorf("evaluation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("evaluation %d: %w", id, err)
	}
	return e, nil
}

// EvaluationsOfVersion lists a model version's evaluations on project's datasets, newest first.
func EvaluationsOfVersion(ctx context.Context, q sqlx.QueryerContext, versionID int64, project string, limit int) ([]EvaluationRow, error) {
	var out []EvaluationRow
	err := sqlx.SelectContext(ctx, q, &out, `SELECT e.* FROM evaluations e JOIN datasets d ON d.id = e.dataset_id
		WHERE e.model_version_id = $1 AND d.project = $2 ORDER BY e.created_at DESC, e.id DESC LIMIT $3`, versionID, project, limit)
	if err != nil {
		return nil, fmt.Errorf("evaluations of version %d: %w", versionID, err)
	}
	return out, nil
}

// StartEvaluation moves a QUEUED (or retried RUNNING) evaluation to RUNNING.
func StartEvaluation(ctx context.Context, q sqlx.QueryerContext, id int64, msg string) (EvaluationRow, error) {
	var e EvaluationRow
	err := sqlx.GetContext(ctx, q, &e, `UPDATE evaluations SET status = 'RUNNING', message = $2
		WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING *`, id, msg)
	if isNoRows(err) {
		return e, fmt.Errorf("start evaluation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("start evaluation %d: %w", id, err)
	}
	return e, nil
}

// SetEvaluationProgress records how far a running evaluation got.
func SetEvaluationProgress(ctx context.Context, q sqlx.ExecerContext, id int64, progress float64, msg string) error {
	if _, err := q.ExecContext(ctx, `UPDATE evaluations SET progress = $2, message = $3 WHERE id = $1 AND status = 'RUNNING'`,
		id, progress, msg); err != nil {
		return fmt.Errorf("evaluation %d progress: %w", id, err)
	}
	return nil
}

// FinishEvaluation stores the scores and speed of a running evaluation and marks it SUCCEEDED.
func FinishEvaluation(ctx context.Context, q sqlx.ExecerContext, id int64, scores json.RawMessage, msPerMpx *float64, msg string) error {
	if _, err := q.ExecContext(ctx, `UPDATE evaluations SET status = 'SUCCEEDED', progress = 1, scores = $2, ms_per_mpx = $3,
		message = $4, finished_at = now() WHERE id = $1 AND status = 'RUNNING'`, id, scores, msPerMpx, msg); err != nil {
		return fmt.Errorf("finish evaluation %d: %w", id, err)
	}
	return nil
}

// FailEvaluation marks an unfinished evaluation FAILED with why.
func FailEvaluation(ctx context.Context, q sqlx.ExecerContext, id int64, msg string) error {
	if _, err := q.ExecContext(ctx, `UPDATE evaluations SET status = 'FAILED', message = $2, finished_at = now()
		WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, id, msg); err != nil {
		return fmt.Errorf("fail evaluation %d: %w", id, err)
	}
	return nil
}

// PutEvaluationItem stores (or on a retry replaces) the score of one image.
func PutEvaluationItem(ctx context.Context, q sqlx.ExecerContext, it EvaluationItemRow) error {
	if len(it.Features) == 0 {
		it.Features = json.RawMessage(`{}`)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO evaluation_items (evaluation_id, volume_id, modality, true_positives, false_positives,
			false_negatives, sensitivity, fdr, dice, milliseconds, features)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (evaluation_id, volume_id) DO UPDATE SET modality = EXCLUDED.modality, true_positives = EXCLUDED.true_positives,
			false_positives = EXCLUDED.false_positives, false_negatives = EXCLUDED.false_negatives, sensitivity = EXCLUDED.sensitivity,
			fdr = EXCLUDED.fdr, dice = EXCLUDED.dice, milliseconds = EXCLUDED.milliseconds, features = EXCLUDED.features`,
		it.EvaluationID, it.VolumeID, it.Modality, it.TruePositives, it.FalsePositives, it.FalseNegatives, it.Sensitivity,
		it.FDR, it.Dice, it.Milliseconds, it.Features)
	if err != nil {
		return fmt.Errorf("put evaluation item %d/%d: %w", it.EvaluationID, it.VolumeID, err)
	}
	return nil
}

// EvaluationItems lists an evaluation's items by volume id.
func EvaluationItems(ctx context.Context, q sqlx.QueryerContext, id int64) ([]EvaluationItemRow, error) {
	var out []EvaluationItemRow
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT * FROM evaluation_items WHERE evaluation_id = $1 ORDER BY volume_id`, id); err != nil {
		return nil, fmt.Errorf("evaluation %d items: %w", id, err)
	}
	return out, nil
}

// VolumePixels is the en-face pixel count (width × height) of each image of evaluation id.
func VolumePixels(ctx context.Context, q sqlx.QueryerContext, id int64) (map[int64]int64, error) {
	var rows []struct {
		VolumeID int64 `db:"volume_id"`
		Pixels   int64 `db:"pixels"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT i.volume_id, v.dim_x::bigint * v.dim_y AS pixels
		FROM evaluation_items i JOIN volumes v ON v.id = i.volume_id WHERE i.evaluation_id = $1`, id); err != nil {
		return nil, fmt.Errorf("pixels of evaluation %d: %w", id, err)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.VolumeID] = r.Pixels
	}
	return out, nil
}
