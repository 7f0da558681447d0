package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/storage"
)

// Pipeline step names, in run order.
const (
	StepValidate   = "validate"
	StepPreprocess = "preprocess"
	StepSegment    = "segment"
	StepMetrics    = "metrics"
	StepQC         = "qc"
	// StepShadowSegment runs a shadow model beside segment; it is added to a run only when
	// a shadow model is deployed (the model registry hooks in at stepsOf).
	StepShadowSegment = "shadow-segment"
)

// Defaults of Deps' tuning fields.
const (
	DefaultMaxRetry = 10
	DefaultLease    = 15 * time.Second
)

// stepDeps is the DAG: each step and the steps whose outputs it reads.
var stepDeps = map[string][]string{
	StepValidate:      nil,
	StepPreprocess:    {StepValidate},
	StepSegment:       {StepPreprocess},
	StepShadowSegment: {StepPreprocess},
	StepMetrics:       {StepSegment, StepPreprocess},
	StepQC:            {StepMetrics, StepPreprocess},
}

// stepsOf returns the steps of a new run. shadow adds the shadow model's segmentation.
func stepsOf(shadow bool) []string {
	s := []string{StepValidate, StepPreprocess, StepSegment, StepMetrics, StepQC}
	if shadow {
		s = append(s, StepShadowSegment)
	}
	return s
}

// ErrInvalidRun reports a run request or control action that cannot be honoured as asked.
var ErrInvalidRun = errors.New("invalid run request")

// objectStore is the part of storage.Store the pipeline uses.
type objectStore interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.Object, error)
}

// enqueuer puts tasks on the queue; *asynq.Client satisfies it.
type enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Pipeline starts, advances, cancels and retries runs. Both the API (mutations,
// subscriptions) and the workers (step handlers, janitor) use it.
type Pipeline struct {
	db        *sqlx.DB
	store     objectStore
	queue     enqueuer
	redis     *redis.Client
	inspector *asynq.Inspector
	log       *slog.Logger
	metrics   *Metrics
	workerID  string
	lease     time.Duration
	maxRetry  int
}

// NewPipeline returns the pipeline over d.
func NewPipeline(d Deps) *Pipeline {
	p := &Pipeline{db: d.DB, store: d.Objects, queue: d.Queue, redis: d.Redis, inspector: d.Inspector,
		log: d.Logger, metrics: d.Metrics, workerID: d.WorkerID, lease: d.Lease, maxRetry: d.MaxRetry}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.lease <= 0 {
		p.lease = DefaultLease
	}
	if p.maxRetry <= 0 {
		p.maxRetry = DefaultMaxRetry
	}
	if p.workerID == "" {
		p.workerID = "api"
	}
	return p
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
	if _, err := parseParams(in.Params); err != nil {
		return db.Run{}, err
	}
	steps := stepsOf(false)
	var run db.Run
	var queued []db.StepState
	err := db.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
		v, err := db.VolumeByIDForRun(ctx, tx, in.VolumeID)
		if err != nil {
			return err
		}
		if v.Status != "READY" {
			return fmt.Errorf("%w: volume %d is %s, not READY", ErrInvalidRun, v.ID, v.Status)
		}
		run, err = db.CreateRun(ctx, tx, db.NewRun{VolumeID: in.VolumeID, ModelVersionID: in.ModelVersionID,
			Params: in.Params, Priority: in.Priority}, steps, []string{StepValidate})
		if err != nil {
			return err
		}
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
	p.announce(ctx, run.ID, nil)
	p.enqueue(ctx, queued)
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
		prog, err = db.PutProgress(ctx, tx, db.RunProgress{RunID: id, Fraction: p.fraction(steps, "", 0), Message: "canceled", Status: db.StatusCanceled})
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
	p.announce(ctx, id, &prog)
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
		if queued, err = p.queueReady(ctx, tx, id); err != nil {
			return err
		}
		steps, err = db.PipelineSteps(ctx, tx, id)
		if err != nil {
			return err
		}
		prog, err = db.PutProgress(ctx, tx, db.RunProgress{RunID: id, Fraction: p.fraction(steps, "", 0), Message: "retrying", Status: db.StatusQueued})
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
	p.announce(ctx, id, &prog)
	p.enqueue(ctx, queued)
	return out, nil
}

// queueReady queues every PENDING step whose inputs are all SUCCEEDED and returns them.
func (p *Pipeline) queueReady(ctx context.Context, tx *sqlx.Tx, runID int64) ([]db.StepState, error) {
	steps, err := db.PipelineSteps(ctx, tx, runID)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, s := range steps {
		done[s.Name] = s.Status == db.StatusSucceeded
	}
	var ready []string
	for _, s := range steps {
		if s.Status != db.StatusPending {
			continue
		}
		ok := true
		for _, d := range stepDeps[s.Name] {
			if _, inRun := done[d]; inRun && !done[d] {
				ok = false
			}
		}
		if ok {
			ready = append(ready, s.Name)
		}
	}
	return db.QueueSteps(ctx, tx, runID, ready, false)
}

// enqueue hands queued steps to asynq. A conflict means the task is already there; any
// other failure is left to the janitor, which enqueues QUEUED steps that have no task.
func (p *Pipeline) enqueue(ctx context.Context, steps []db.StepState) {
	for _, s := range steps {
		task, err := NewStepTask(s.RunID, s.Name, s.Gen, s.Priority, p.maxRetry)
		if err == nil {
			_, err = p.queue.EnqueueContext(ctx, task)
		}
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			p.log.WarnContext(ctx, "enqueue step: left to the janitor", "run_id", s.RunID, "step", s.Name, "err", err)
		}
	}
}

// RunStatusOf derives a run's status from its steps: any running step makes it RUNNING,
// a failed one FAILED, a canceled one CANCELED, all succeeded SUCCEEDED, else QUEUED (or
// RUNNING once some step has finished).
func RunStatusOf(steps []db.RunStep) string {
	n := map[string]int{}
	for _, s := range steps {
		n[s.Status]++
	}
	switch {
	case n[db.StatusFailed] > 0:
		return db.StatusFailed
	case n[db.StatusCanceled] > 0:
		return db.StatusCanceled
	case len(steps) > 0 && n[db.StatusSucceeded] == len(steps):
		return db.StatusSucceeded
	case n[db.StatusRunning] > 0 || n[db.StatusSucceeded] > 0:
		return db.StatusRunning
	}
	return db.StatusQueued
}

// fraction is the run's overall progress when step is at within (0..1).
func (p *Pipeline) fraction(steps []db.StepState, step string, within float64) float64 {
	if len(steps) == 0 {
		return 0
	}
	done := 0.0
	for _, s := range steps {
		if s.Status == db.StatusSucceeded {
			done++
		} else if s.Name == step {
			done += within
		}
	}
	return min(1, done/float64(len(steps)))
}

// RunParams are the pipeline parameters a run may carry (its params JSON object).
type RunParams struct {
	// UmPerPx overrides the volume's in-plane spacing.
	UmPerPx float64 `json:"umPerPx,omitempty"`
	// EccentricityDeg is the retinal eccentricity, for cone spacing and the QC norm.
	EccentricityDeg float64 `json:"eccentricityDeg,omitempty"`
	// Modality is confocal (default) or split-detector.
	Modality string `json:"modality,omitempty"`
	// Seed seeds the bootstrap of the metrics' confidence intervals (default 1).
	Seed uint64 `json:"seed,omitempty"`
}

func parseParams(s string) (RunParams, error) {
	var rp RunParams
	if s == "" {
		return rp, nil
	}
	if err := json.Unmarshal([]byte(s), &rp); err != nil {
		return rp, fmt.Errorf("%w: params: %v", ErrInvalidRun, err)
	}
	if rp.Modality != "" && rp.Modality != "confocal" && rp.Modality != "split-detector" {
		return rp, fmt.Errorf("%w: params: modality %q is neither confocal nor split-detector", ErrInvalidRun, rp.Modality)
	}
	return rp, nil
}
