package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The batch readers below serve the dataloaders: one query for many keys. Rows come back
// unordered; the loaders put them in key order.

func selectAny[T any](ctx context.Context, q sqlx.QueryerContext, what, query string, ids []int64) ([]T, error) {
	var out []T
	if err := sqlx.SelectContext(ctx, q, &out, query, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	return out, nil
}

// SubjectsByIDs loads subjects by id.
func SubjectsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Subject, error) {
	return selectAny[Subject](ctx, q, "subjects", `SELECT * FROM subjects WHERE id = ANY($1)`, ids)
}

// IdentitiesBySubjectIDs loads identity records by subject id.
func IdentitiesBySubjectIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]SubjectIdentity, error) {
	return selectAny[SubjectIdentity](ctx, q, "subject identities", `SELECT * FROM subject_identities WHERE subject_id = ANY($1)`, ids)
}

// CasesByIDs loads cases by id.
func CasesByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Case, error) {
	return selectAny[Case](ctx, q, "cases", `SELECT * FROM cases WHERE id = ANY($1)`, ids)
}

// CasesBySubjectIDs loads the cases of subjects, oldest first.
func CasesBySubjectIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Case, error) {
	return selectAny[Case](ctx, q, "cases", `SELECT * FROM cases WHERE subject_id = ANY($1) AND archived_at IS NULL ORDER BY id`, ids)
}

// VolumesByIDs loads volumes by id.
func VolumesByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Volume, error) {
	return selectAny[Volume](ctx, q, "volumes", `SELECT * FROM volumes WHERE id = ANY($1)`, ids)
}

// VolumesByCaseIDs loads the volumes of cases, oldest first.
func VolumesByCaseIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Volume, error) {
	return selectAny[Volume](ctx, q, "volumes", `SELECT * FROM volumes WHERE case_id = ANY($1) AND archived_at IS NULL ORDER BY id`, ids)
}

// RunsByIDs loads runs by id.
func RunsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Run, error) {
	return selectAny[Run](ctx, q, "runs", `SELECT * FROM runs WHERE id = ANY($1)`, ids)
}

// RunsByVolumeIDs loads the runs of volumes, newest first.
func RunsByVolumeIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Run, error) {
	return selectAny[Run](ctx, q, "runs", `SELECT * FROM runs WHERE volume_id = ANY($1) ORDER BY id DESC`, ids)
}

// CaseRun is a run with the case its volume belongs to.
type CaseRun struct {
	CaseID int64 `db:"case_id"`
	Run
}

// LatestRunsByCaseIDs loads, for each case that has one, its most recent run.
func LatestRunsByCaseIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]CaseRun, error) {
	return selectAny[CaseRun](ctx, q, "latest runs", `
		SELECT DISTINCT ON (v.case_id) v.case_id, r.*
		FROM runs r JOIN volumes v ON v.id = r.volume_id
		WHERE v.case_id = ANY($1) AND v.archived_at IS NULL
		ORDER BY v.case_id, r.id DESC`, ids)
}

// CurrentRunsByVolumeIDs loads, for each volume that has one, its current run: the latest
// that succeeded.
func CurrentRunsByVolumeIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Run, error) {
	return selectAny[Run](ctx, q, "current runs", `
		SELECT DISTINCT ON (r.volume_id) r.* FROM runs r
		WHERE r.volume_id = ANY($1) AND r.status = 'SUCCEEDED'
		ORDER BY r.volume_id, r.id DESC`, ids)
}

// UserEmail is a user's e-mail address, for naming actors.
type UserEmail struct {
	ID    int64  `db:"id"`
	Email string `db:"email"`
}

// UserEmailsByIDs loads users' e-mail addresses.
func UserEmailsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]UserEmail, error) {
	return selectAny[UserEmail](ctx, q, "user e-mails", `SELECT id, email FROM users WHERE id = ANY($1)`, ids)
}

// StepsByRunIDs loads the steps of runs in creation order.
func StepsByRunIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]RunStep, error) {
	return selectAny[RunStep](ctx, q, "run steps", `SELECT * FROM run_steps WHERE run_id = ANY($1) ORDER BY id`, ids)
}

// MetricsByRunIDs loads the metrics of runs by name.
func MetricsByRunIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Metric, error) {
	return selectAny[Metric](ctx, q, "metrics", `SELECT * FROM metrics WHERE run_id = ANY($1) ORDER BY name, region`, ids)
}

// QCFlagsByRunIDs loads the QC flags of runs.
func QCFlagsByRunIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]QCFlag, error) {
	return selectAny[QCFlag](ctx, q, "qc flags", `SELECT * FROM qc_flags WHERE run_id = ANY($1) ORDER BY code`, ids)
}

// ArtifactsByRunIDs loads the stored outputs of runs.
func ArtifactsByRunIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Artifact, error) {
	return selectAny[Artifact](ctx, q, "artifacts", `SELECT * FROM artifacts WHERE run_id = ANY($1) ORDER BY id`, ids)
}

// RunDetector is what the segment step of a run says found the cells ("classical-log", a
// model's name), empty before the step ran.
type RunDetector struct {
	RunID    int64  `db:"run_id"`
	Detector string `db:"detector"`
	// Output is the segment step's whole output document (JSON), empty before it ran.
	Output string `db:"output"`
}

// DetectorsByRunIDs loads the detector the segment step of each run recorded.
func DetectorsByRunIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]RunDetector, error) {
	return selectAny[RunDetector](ctx, q, "run detectors", `SELECT run_id, coalesce(output->>'detector', '') AS detector,
		coalesce(output::text, '') AS output FROM run_step_tasks WHERE run_id = ANY($1) AND name = 'segment'`, ids)
}
