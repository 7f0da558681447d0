package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
)

// inspector is the part of *asynq.Inspector the API uses: removing and stopping the tasks
// of a canceled run, and reporting queues and the servers' active tasks.
type inspector interface {
	DeleteTask(queue, id string) error
	CancelProcessing(id string) error
	Queues() ([]string, error)
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
	Servers() ([]*asynq.ServerInfo, error)
}

// Deps are what the API side of the pipeline needs.
type Deps struct {
	DB *sqlx.DB
	// Queue enqueues the steps that become ready (*asynq.Client); Redis carries progress and
	// the worker list; Inspector (*asynq.Inspector) cancels tasks and reports queues.
	Queue     Enqueuer
	Redis     *redis.Client
	Inspector inspector
	Logger    *slog.Logger
	// MaxRetry is how often a failing step is retried before it fails (DefaultMaxRetry).
	MaxRetry int
}

// Pipeline is the API side of the pipeline: it starts, cancels and retries runs, streams
// their progress and reports queues and workers. The workers (jobs/worker) run the steps.
type Pipeline struct {
	db        *sqlx.DB
	dispatch  *Dispatcher
	redis     *redis.Client
	inspector inspector
	log       *slog.Logger
}

// NewPipeline returns the pipeline over d.
func NewPipeline(d Deps) *Pipeline {
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Pipeline{db: d.DB, dispatch: NewDispatcher(d.Queue, d.Redis, log, d.MaxRetry), redis: d.Redis,
		inspector: d.Inspector, log: log}
}

// StartRunInput is what a run starts from.
type StartRunInput struct {
	VolumeID       int64
	Priority       string // interactive (default) or batch
	Params         string // a JSON object; empty means {}
	ModelVersionID *int64
}

// StartRun records a run with its steps and enqueues the first step after commit.
func (p *Pipeline) StartRun(ctx context.Context, in StartRunInput) (db.Run, error) {
	if in.Priority == "" {
		in.Priority = PriorityInteractive
	}
	if in.Priority != PriorityInteractive && in.Priority != PriorityBatch {
		return db.Run{}, fmt.Errorf("%w: priority %q is neither interactive nor batch", ErrInvalidRun, in.Priority)
	}
	if in.Params == "" {
		in.Params = "{}"
	}
	rp, err := ParseParams(in.Params)
	if err != nil {
		return db.Run{}, err
	}
	var run db.Run
	var queued []db.StepState
	err = db.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
		v, err := db.VolumeByIDForRun(ctx, tx, in.VolumeID)
		if err != nil {
			return err
		}
		if v.Status != "READY" {
			return fmt.Errorf("%w: volume %d is %s, not READY", ErrInvalidRun, v.ID, v.Status)
		}
		if in.ModelVersionID != nil {
			if err := checkRunModel(ctx, tx, *in.ModelVersionID, v.ID); err != nil {
				return err
			}
		}
		if in.Params, err = recordKind(in.Params, rp, volumeKind(v)); err != nil {
			return err
		}
		route, err := routeRun(ctx, tx, v.ID, in.ModelVersionID, rp, kindOf(in.Params))
		if err != nil {
			return err
		}
		steps := stepsOf(kindOf(in.Params), route.shadow)
		run, err = db.CreateRun(ctx, tx, db.NewRun{VolumeID: in.VolumeID, ModelVersionID: route.version,
			Params: in.Params, Priority: in.Priority}, steps, []string{StepValidate})
		if err != nil {
			return err
		}
		if err := db.SetRunModelChoice(ctx, tx, run.ID, route.choice); err != nil {
			return err
		}
		run.ModelChoice = &route.choice
		if _, err := db.PutProgress(ctx, tx, db.RunProgress{RunID: run.ID, Message: "queued", Status: db.StatusQueued}); err != nil {
			return err
		}
		all, err := db.PipelineSteps(ctx, tx, run.ID)
		for _, s := range all {
			if s.Status == db.StatusQueued {
				queued = append(queued, s)
			}
		}
		return err
	})
	if err != nil {
		return db.Run{}, fmt.Errorf("start run on volume %d: %w", in.VolumeID, err)
	}
	p.log.InfoContext(ctx, "run started", "run_id", run.ID, "volume_id", in.VolumeID, "priority", in.Priority)
	p.dispatch.Announce(ctx, run.ID, nil)
	p.dispatch.Enqueue(ctx, queued)
	return run, nil
}

// CancelRun marks the run and its unfinished steps CANCELED; queued tasks are removed and
// running ones told to stop (they also stop at their next checkpoint).
func (p *Pipeline) CancelRun(ctx context.Context, id int64) (db.Run, error) {
	var steps []db.StepState
	var prog db.RunProgress
	var out db.Run
	err := db.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
		run, err := db.PipelineRun(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if steps, err = db.PipelineSteps(ctx, tx, id); err != nil {
			return err
		}
		ok, err := db.CancelRunSteps(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: run %d is already %s", ErrInvalidRun, id, run.Status)
		}
		prog, err = db.PutProgress(ctx, tx, db.RunProgress{RunID: id, Fraction: Fraction(steps, "", 0), Message: "canceled", Status: db.StatusCanceled})
		if err != nil {
			return err
		}
		out, err = db.PipelineRun(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return db.Run{}, fmt.Errorf("cancel run %d: %w", id, err)
	}
	p.log.InfoContext(ctx, "run canceled", "run_id", id)
	p.dispatch.Announce(ctx, id, &prog)
	if p.inspector != nil {
		for _, s := range steps {
			tid := StepTaskID(id, s.Name, s.Gen)
			switch s.Status {
			case db.StatusQueued:
				_ = p.inspector.DeleteTask(QueueFor(s.Priority), tid)
			case db.StatusRunning:
				_ = p.inspector.CancelProcessing(tid)
			}
		}
	}
	return out, nil
}

// RetryRun resumes a FAILED or CANCELED run from its unfinished steps; steps that
// succeeded keep their outputs and are not run again.
func (p *Pipeline) RetryRun(ctx context.Context, id int64) (db.Run, error) {
	var queued []db.StepState
	var prog db.RunProgress
	var out db.Run
	err := db.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
		run, err := db.PipelineRun(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if run.Status != db.StatusFailed && run.Status != db.StatusCanceled {
			return fmt.Errorf("%w: run %d is %s; only FAILED or CANCELED runs are retried", ErrInvalidRun, id, run.Status)
		}
		steps, err := db.PipelineSteps(ctx, tx, id)
		if err != nil {
			return err
		}
		var reset []string
		for _, s := range steps {
			if s.Status == db.StatusFailed || s.Status == db.StatusCanceled {
				reset = append(reset, s.Name)
			}
		}
		if err := db.ResetSteps(ctx, tx, id, reset); err != nil {
			return err
		}
		if err := db.SetRunStatus(ctx, tx, id, db.StatusQueued); err != nil {
			return err
		}
		if queued, err = QueueReady(ctx, tx, id); err != nil {
			return err
		}
		steps, err = db.PipelineSteps(ctx, tx, id)
		if err != nil {
			return err
		}
		prog, err = db.PutProgress(ctx, tx, db.RunProgress{RunID: id, Fraction: Fraction(steps, "", 0), Message: "retrying", Status: db.StatusQueued})
		if err != nil {
			return err
		}
		out, err = db.PipelineRun(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return db.Run{}, fmt.Errorf("retry run %d: %w", id, err)
	}
	p.log.InfoContext(ctx, "run retried", "run_id", id, "steps", len(queued))
	p.dispatch.Announce(ctx, id, &prog)
	p.dispatch.Enqueue(ctx, queued)
	return out, nil
}
