package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Step statuses (run_steps.status) and run statuses (runs.status).
const (
	StatusPending   = "PENDING"
	StatusQueued    = "QUEUED"
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusCanceled  = "CANCELED"
)

// NewRun is what starting a run records.
type NewRun struct {
	VolumeID       int64
	ModelVersionID *int64
	Params         string // a JSON object
	Priority       string // interactive or batch
}

// StepState is a run step together with its task bookkeeping from run_step_tasks.
type StepState struct {
	RunStep
	Gen         int        `db:"gen"`
	EnqueuedAt  *time.Time `db:"enqueued_at"`
	Completions int        `db:"completions"`
	// Output is the step's output document (JSON), nil until it succeeded.
	Output *string `db:"output"`
	// Priority is the run's priority, which picks the step's queue.
	Priority string `db:"priority"`
}

// RunProgress is the last progress event of a run; Seq orders a run's events.
type RunProgress struct {
	RunID    int64     `db:"run_id" json:"run_id"`
	Seq      int64     `db:"seq" json:"seq"`
	Step     string    `db:"step" json:"step"`
	Fraction float64   `db:"fraction" json:"fraction"`
	Message  string    `db:"message" json:"message"`
	Status   string    `db:"status" json:"status"`
	At       time.Time `db:"at" json:"at"`
}

const runColumns = `id, volume_id, model_version_id, params::text AS params, priority, status, created_at, started_at, finished_at, model_choice`

const stepColumns = `s.id, s.run_id, s.name, s.status, s.attempts, s.worker_id, s.lease_until, s.error, s.input_hash,
	s.started_at, s.finished_at, t.gen, t.enqueued_at, t.completions, t.output::text AS output, r.priority`

const stepFrom = ` FROM run_steps s JOIN run_step_tasks t USING (run_id, name) JOIN runs r ON r.id = s.run_id `

// CreateRun records a run with its steps: those in ready start QUEUED, the rest PENDING.
func CreateRun(ctx context.Context, q sqlx.ExtContext, nr NewRun, steps, ready []string) (Run, error) {
	var run Run
	if nr.Params == "" {
		nr.Params = "{}"
	}
	err := sqlx.GetContext(ctx, q, &run, `INSERT INTO runs (volume_id, model_version_id, params, priority)
		VALUES ($1, $2, $3, $4) RETURNING `+runColumns, nr.VolumeID, nr.ModelVersionID, nr.Params, nr.Priority)
	if err != nil {
		if isForeignKeyViolation(err, "model_version_id") {
			return Run{}, fmt.Errorf("model version %d: %w", *nr.ModelVersionID, ErrNotFound)
		}
		return Run{}, fmt.Errorf("insert run: %w", err)
	}
	if _, err := q.ExecContext(ctx, `
		INSERT INTO run_steps (run_id, name, status)
		SELECT $1, n, CASE WHEN n = ANY($3) THEN 'QUEUED' ELSE 'PENDING' END FROM unnest($2::text[]) AS n`,
		run.ID, pq.StringArray(steps), pq.StringArray(ready)); err != nil {
		return Run{}, fmt.Errorf("insert steps of run %d: %w", run.ID, err)
	}
	if _, err := q.ExecContext(ctx, `
		INSERT INTO run_step_tasks (run_id, name, enqueued_at)
		SELECT $1, n, CASE WHEN n = ANY($3) THEN now() END FROM unnest($2::text[]) AS n`,
		run.ID, pq.StringArray(steps), pq.StringArray(ready)); err != nil {
		return Run{}, fmt.Errorf("insert step tasks of run %d: %w", run.ID, err)
	}
	return run, nil
}

// PipelineRun returns run id, locking its row when lock is set (inside a transaction).
func PipelineRun(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (Run, error) {
	var run Run
	query := `SELECT ` + runColumns + ` FROM runs WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	if err := sqlx.GetContext(ctx, q, &run, query, id); err != nil {
		if isNoRows(err) {
			return Run{}, fmt.Errorf("run %d: %w", id, ErrNotFound)
		}
		return Run{}, fmt.Errorf("run %d: %w", id, err)
	}
	return run, nil
}

// PipelineSteps returns the steps of run runID in creation order.
func PipelineSteps(ctx context.Context, q sqlx.QueryerContext, runID int64) ([]StepState, error) {
	var out []StepState
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT `+stepColumns+stepFrom+` WHERE s.run_id = $1 ORDER BY s.id`, runID); err != nil {
		return nil, fmt.Errorf("steps of run %d: %w", runID, err)
	}
	return out, nil
}

// SetRunStatus sets a run's status, stamping started_at on the first RUNNING and
// finished_at on a final status (clearing it otherwise).
func SetRunStatus(ctx context.Context, q sqlx.ExecerContext, id int64, status string) error {
	_, err := q.ExecContext(ctx, `UPDATE runs SET status = $2,
		started_at = CASE WHEN $2 = 'RUNNING' THEN coalesce(started_at, now()) ELSE started_at END,
		finished_at = CASE WHEN $2 IN ('SUCCEEDED', 'FAILED', 'CANCELED') THEN now() ELSE NULL END
		WHERE id = $1`, id, status)
	if err != nil {
		return fmt.Errorf("set status of run %d: %w", id, err)
	}
	return nil
}

// ClaimStep marks a step RUNNING for worker until now+lease and counts the attempt.
func ClaimStep(ctx context.Context, q sqlx.ExecerContext, runID int64, name, worker string, lease time.Duration) error {
	_, err := q.ExecContext(ctx, `UPDATE run_steps SET status = 'RUNNING', attempts = attempts + 1, worker_id = $3,
		lease_until = now() + $4 * interval '1 millisecond', started_at = coalesce(started_at, now()), finished_at = NULL
		WHERE run_id = $1 AND name = $2`, runID, name, worker, lease.Milliseconds())
	if err != nil {
		return fmt.Errorf("claim step %s of run %d: %w", name, runID, err)
	}
	return nil
}

// RenewLease extends worker's lease on a RUNNING step. It returns false when the step is
// no longer the worker's to run (canceled, or taken over after the lease lapsed).
func RenewLease(ctx context.Context, q sqlx.ExecerContext, runID int64, name, worker string, lease time.Duration) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE run_steps SET lease_until = now() + $4 * interval '1 millisecond'
		WHERE run_id = $1 AND name = $2 AND worker_id = $3 AND status = 'RUNNING'`, runID, name, worker, lease.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("renew lease of step %s of run %d: %w", name, runID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CompleteStep marks worker's RUNNING step SUCCEEDED with its output document and input
// hash. It returns false, changing nothing, when the step is not (or no longer) the worker's.
func CompleteStep(ctx context.Context, q sqlx.ExecerContext, runID int64, name, worker, inputHash, output string) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE run_steps SET status = 'SUCCEEDED', finished_at = now(), lease_until = NULL,
		error = NULL, input_hash = $4
		WHERE run_id = $1 AND name = $2 AND worker_id = $3 AND status = 'RUNNING'`, runID, name, worker, inputHash)
	if err != nil {
		return false, fmt.Errorf("complete step %s of run %d: %w", name, runID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE run_step_tasks SET completions = completions + 1, output = $3
		WHERE run_id = $1 AND name = $2`, runID, name, output); err != nil {
		return false, fmt.Errorf("record output of step %s of run %d: %w", name, runID, err)
	}
	return true, nil
}

// FailStep records an attempt's error on worker's RUNNING step: FAILED when final, else
// back to QUEUED awaiting the queue's retry. It returns false when the step was not the worker's.
func FailStep(ctx context.Context, q sqlx.ExecerContext, runID int64, name, worker, msg string, final bool) (bool, error) {
	status := StatusQueued
	if final {
		status = StatusFailed
	}
	res, err := q.ExecContext(ctx, `UPDATE run_steps SET status = $5, error = $4, lease_until = NULL,
		finished_at = CASE WHEN $5 = 'FAILED' THEN now() END
		WHERE run_id = $1 AND name = $2 AND worker_id = $3 AND status = 'RUNNING'`, runID, name, worker, msg, status)
	if err != nil {
		return false, fmt.Errorf("record failure of step %s of run %d: %w", name, runID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// QueueSteps moves the named steps of a run to QUEUED (from PENDING, FAILED or CANCELED),
// stamping enqueued_at and, when bump is set, starting a new task generation.
func QueueSteps(ctx context.Context, q sqlx.ExtContext, runID int64, names []string, bump bool) ([]StepState, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE run_steps SET status = 'QUEUED', worker_id = NULL, lease_until = NULL, finished_at = NULL
		WHERE run_id = $1 AND name = ANY($2) AND status IN ('PENDING', 'FAILED', 'CANCELED')`, runID, pq.StringArray(names)); err != nil {
		return nil, fmt.Errorf("queue steps of run %d: %w", runID, err)
	}
	var out []StepState
	err := sqlx.SelectContext(ctx, q, &out, `WITH t AS (
			UPDATE run_step_tasks SET enqueued_at = now(), gen = gen + CASE WHEN $3 THEN 1 ELSE 0 END
			WHERE run_id = $1 AND name = ANY($2) RETURNING run_id, name)
		SELECT `+stepColumns+stepFrom+` WHERE s.run_id = $1 AND s.name IN (SELECT name FROM t) AND s.status = 'QUEUED'`,
		runID, pq.StringArray(names), bump)
	if err != nil {
		return nil, fmt.Errorf("queue steps of run %d: %w", runID, err)
	}
	// The CTE's update is not visible to the outer select; report the new generation.
	if bump {
		for i := range out {
			out[i].Gen++
		}
	}
	return out, nil
}

// ResetSteps moves the named steps of a run back to PENDING under a new task generation,
// so that tasks of their earlier attempts find themselves superseded; a retry queues the
// ones that are ready.
func ResetSteps(ctx context.Context, q sqlx.ExecerContext, runID int64, names []string) error {
	if _, err := q.ExecContext(ctx, `UPDATE run_steps SET status = 'PENDING' WHERE run_id = $1 AND name = ANY($2)`,
		runID, pq.StringArray(names)); err != nil {
		return fmt.Errorf("reset steps of run %d: %w", runID, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE run_step_tasks SET gen = gen + 1 WHERE run_id = $1 AND name = ANY($2)`,
		runID, pq.StringArray(names)); err != nil {
		return fmt.Errorf("reset step tasks of run %d: %w", runID, err)
	}
	return nil
}

// CancelRunSteps marks a run CANCELED with every step not yet finished. It returns false
// when the run had already ended.
func CancelRunSteps(ctx context.Context, q sqlx.ExecerContext, runID int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE runs SET status = 'CANCELED', finished_at = now()
		WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, runID)
	if err != nil {
		return false, fmt.Errorf("cancel run %d: %w", runID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE run_steps SET status = 'CANCELED', lease_until = NULL, finished_at = now()
		WHERE run_id = $1 AND status IN ('PENDING', 'QUEUED', 'RUNNING')`, runID); err != nil {
		return false, fmt.Errorf("cancel steps of run %d: %w", runID, err)
	}
	return true, nil
}

// LapsedSteps hands RUNNING steps whose lease ended before now back to QUEUED under a new
// task generation and returns them; concurrent janitors each get distinct rows.
func LapsedSteps(ctx context.Context, q sqlx.ExtContext, limit int) ([]StepState, error) {
	var out []StepState
	err := sqlx.SelectContext(ctx, q, &out, `WITH s AS (
			UPDATE run_steps SET status = 'QUEUED', worker_id = NULL, lease_until = NULL,
				error = coalesce(error, 'worker lease lapsed')
			WHERE id IN (SELECT id FROM run_steps WHERE status = 'RUNNING' AND lease_until < now()
				ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED)
			RETURNING *),
		t AS (UPDATE run_step_tasks t SET gen = gen + 1, enqueued_at = now() FROM s
			WHERE t.run_id = s.run_id AND t.name = s.name RETURNING t.*)
		SELECT s.id, s.run_id, s.name, s.status, s.attempts, s.worker_id, s.lease_until, s.error, s.input_hash,
			s.started_at, s.finished_at, t.gen, t.enqueued_at, t.completions, t.output::text AS output, r.priority
		FROM s JOIN t USING (run_id, name) JOIN runs r ON r.id = s.run_id`, limit)
	if err != nil {
		return nil, fmt.Errorf("lapsed steps: %w", err)
	}
	return out, nil
}

// StaleQueuedSteps returns QUEUED steps last handed to the queue more than age ago,
// stamping them again, so that a task lost with Redis is enqueued anew.
func StaleQueuedSteps(ctx context.Context, q sqlx.ExtContext, age time.Duration, limit int) ([]StepState, error) {
	var out []StepState
	err := sqlx.SelectContext(ctx, q, &out, `WITH t AS (
			UPDATE run_step_tasks SET enqueued_at = now()
			WHERE (run_id, name) IN (SELECT t.run_id, t.name FROM run_step_tasks t JOIN run_steps s USING (run_id, name)
				WHERE s.status = 'QUEUED' AND (t.enqueued_at IS NULL OR t.enqueued_at < now() - $1 * interval '1 millisecond')
				ORDER BY t.enqueued_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED)
			RETURNING run_id, name)
		SELECT `+stepColumns+stepFrom+` WHERE (s.run_id, s.name) IN (SELECT run_id, name FROM t)`, age.Milliseconds(), limit)
	if err != nil {
		return nil, fmt.Errorf("stale queued steps: %w", err)
	}
	return out, nil
}

// PutProgress stores p as its run's last progress, giving it the next sequence number. A
// RUNNING report on a run that has ended is refused with ErrNotFound.
func PutProgress(ctx context.Context, q sqlx.QueryerContext, p RunProgress) (RunProgress, error) {
	var out RunProgress
	err := sqlx.GetContext(ctx, q, &out, `INSERT INTO run_progress (run_id, step, fraction, message, status, at)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (run_id) DO UPDATE SET seq = run_progress.seq + 1, step = EXCLUDED.step, fraction = EXCLUDED.fraction,
			message = EXCLUDED.message, status = EXCLUDED.status, at = EXCLUDED.at
		-- a late report of a step must not hide that the run has ended
		WHERE NOT (run_progress.status IN ('SUCCEEDED', 'FAILED', 'CANCELED') AND EXCLUDED.status = 'RUNNING')
		RETURNING *`, p.RunID, p.Step, p.Fraction, p.Message, p.Status)
	if isNoRows(err) {
		return RunProgress{}, fmt.Errorf("progress of run %d: the run has ended: %w", p.RunID, ErrNotFound)
	}
	if err != nil {
		return RunProgress{}, fmt.Errorf("store progress of run %d: %w", p.RunID, err)
	}
	return out, nil
}

// LastProgress returns the last progress stored for a run.
func LastProgress(ctx context.Context, q sqlx.QueryerContext, runID int64) (RunProgress, error) {
	var out RunProgress
	if err := sqlx.GetContext(ctx, q, &out, `SELECT * FROM run_progress WHERE run_id = $1`, runID); err != nil {
		if isNoRows(err) {
			return RunProgress{}, fmt.Errorf("progress of run %d: %w", runID, ErrNotFound)
		}
		return RunProgress{}, fmt.Errorf("progress of run %d: %w", runID, err)
	}
	return out, nil
}

// UpsertMetric stores m, replacing the value of the same (run, name, region).
func UpsertMetric(ctx context.Context, q sqlx.ExecerContext, m Metric) error {
	if m.Region == "" {
		m.Region = "all"
	}
	_, err := q.ExecContext(ctx, `INSERT INTO metrics (run_id, name, value, unit, ci95_low, ci95_high, region)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (run_id, name, region) DO UPDATE SET value = EXCLUDED.value, unit = EXCLUDED.unit,
			ci95_low = EXCLUDED.ci95_low, ci95_high = EXCLUDED.ci95_high`,
		m.RunID, m.Name, m.Value, m.Unit, m.CI95Low, m.CI95High, m.Region)
	if err != nil {
		return fmt.Errorf("store metric %s of run %d: %w", m.Name, m.RunID, err)
	}
	return nil
}

// DeleteRunMetrics removes a run's metrics, before its metrics step records them again.
func DeleteRunMetrics(ctx context.Context, q sqlx.ExecerContext, runID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM metrics WHERE run_id = $1`, runID); err != nil {
		return fmt.Errorf("delete metrics of run %d: %w", runID, err)
	}
	return nil
}

// ReplaceQCFlags replaces a run's QC flags with flags.
func ReplaceQCFlags(ctx context.Context, q sqlx.ExecerContext, runID int64, flags []QCFlag) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM qc_flags WHERE run_id = $1`, runID); err != nil {
		return fmt.Errorf("clear qc flags of run %d: %w", runID, err)
	}
	for _, f := range flags {
		if _, err := q.ExecContext(ctx, `INSERT INTO qc_flags (run_id, code, severity, message) VALUES ($1, $2, $3, $4)`,
			runID, f.Code, f.Severity, f.Message); err != nil {
			return fmt.Errorf("store qc flag %s of run %d: %w", f.Code, runID, err)
		}
	}
	return nil
}

// VolumeByIDForRun returns volume id as the pipeline reads it.
func VolumeByIDForRun(ctx context.Context, q sqlx.QueryerContext, id int64) (Volume, error) {
	var v Volume
	if err := sqlx.GetContext(ctx, q, &v, `SELECT id, case_id, modality, dim_z, dim_y, dim_x, spacing_x_um, spacing_y_um,
		spacing_z_um, dtype, size_bytes, sha256, source_format, object_key, status, error_code, error, filename,
		created_at, updated_at, pixel_size_source, axial_length_mm, scan_fov_deg, scan_fov_px,
		volume_kind, volume_kind_source, raw_axes FROM volumes WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return Volume{}, fmt.Errorf("volume %d: %w", id, ErrNotFound)
		}
		return Volume{}, fmt.Errorf("volume %d: %w", id, err)
	}
	return v, nil
}
