package resolvers

import (
	"context"
	"errors"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/jobs"
)

// pipeline is what the pipeline resolvers need; *jobs.Pipeline satisfies it.
type pipeline interface {
	StartRun(ctx context.Context, in jobs.StartRunInput) (db.Run, error)
	CancelRun(ctx context.Context, id int64) (db.Run, error)
	RetryRun(ctx context.Context, id int64) (db.Run, error)
	Recalibrate(ctx context.Context, volumeID int64, c jobs.Calibration) (db.Volume, *db.Run, error)
	Run(ctx context.Context, id int64) (db.Run, error)
	LastProgress(ctx context.Context, runID int64) (db.RunProgress, error)
	SubscribeProgress(ctx context.Context, runID int64) (<-chan db.RunProgress, error)
	SubscribeRuns(ctx context.Context) (<-chan int64, error)
	Queues(ctx context.Context) ([]jobs.QueueStats, error)
	Workers(ctx context.Context) ([]jobs.WorkerInfo, error)
}

// pipe returns the pipeline, or an UNAVAILABLE error where this server was built without
// one (a test harness that does not need runs).
func (r *Resolver) pipe() (pipeline, error) {
	if r.Pipeline == nil {
		return nil, &codedError{code: CodeUnavailable, msg: "the pipeline is not configured on this server"}
	}
	return r.Pipeline, nil
}

// steerRun applies a cancel or retry to the run with global id id.
func (r *Resolver) steerRun(ctx context.Context, id string, act func(pipeline, context.Context, int64) (db.Run, error)) (*db.Run, error) {
	pipe, err := r.pipe()
	if err != nil {
		return nil, err
	}
	n, err := r.ownedID(ctx, id, "Run")
	if err != nil {
		return nil, err
	}
	run, err := act(pipe, ctx, n)
	if err != nil {
		return nil, pipelineError(err, true)
	}
	return &run, nil
}

// pipelineError gives the pipeline's refusals their codes: a bad request is INVALID_INPUT,
// an action the run's state does not allow (cancel a finished run) is CONFLICT.
func pipelineError(err error, conflict bool) error {
	if err == nil || !errors.Is(err, jobs.ErrInvalidRun) {
		return err
	}
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, jobs.ErrInvalidRun.Error()+": "); ok {
		msg = after
	}
	code := CodeInvalidInput
	if conflict {
		code = CodeConflict
	}
	return &codedError{code: code, msg: msg, err: err}
}

func queueModel(q jobs.QueueStats) *model.QueueStats {
	return &model.QueueStats{Name: q.Name, Pending: q.Pending, Active: q.Active, Scheduled: q.Scheduled, Retry: q.Retry,
		Dead: q.Archived, Processed: q.Processed, Failed: q.Failed, Paused: q.Paused, LatencyMs: float64(q.Latency.Microseconds()) / 1000}
}

func workerModel(w jobs.WorkerInfo) *model.Worker {
	m := &model.Worker{ID: w.ID, Host: w.Host, Pid: w.PID, Device: w.Device, Queues: w.Queues, Concurrency: w.Concurrency,
		StartedAt: w.StartedAt, CurrentTasks: []*model.WorkerTask{}}
	if m.Queues == nil {
		m.Queues = []string{}
	}
	for _, t := range w.Tasks {
		wt := &model.WorkerTask{ID: t.ID, Type: t.Type, Queue: t.Queue, StartedAt: t.StartedAt}
		if t.RunID > 0 {
			id, step := globalID(db.Run{ID: t.RunID}), t.Step
			wt.RunID, wt.Step = &id, &step
		}
		m.CurrentTasks = append(m.CurrentTasks, wt)
	}
	return m
}

// runMatches reports whether run passes a runsChanged filter.
func runMatches(run db.Run, caseOf func() (int64, error), f *db.RunListFilter) bool {
	if f == nil {
		return true
	}
	if f.VolumeID != nil && run.VolumeID != *f.VolumeID {
		return false
	}
	if f.Status != "" && run.Status != f.Status {
		return false
	}
	if f.CaseID != nil {
		c, err := caseOf()
		if err != nil || c != *f.CaseID {
			return false
		}
	}
	return true
}

// streamRuns sends the runs that change and pass filter until ctx ends.
func (r *Resolver) streamRuns(ctx context.Context, ids <-chan int64, f *db.RunListFilter, out chan<- *db.Run) {
	defer close(out)
	for {
		var id int64
		var ok bool
		select {
		case <-ctx.Done():
			return
		case id, ok = <-ids:
			if !ok {
				return
			}
		}
		run, err := r.Pipeline.Run(ctx, id)
		if err != nil {
			continue
		}
		caseOf := func() (int64, error) {
			v, err := db.VolumeByIDForRun(ctx, r.DB, run.VolumeID)
			return v.CaseID, err
		}
		if !runMatches(run, caseOf, f) {
			continue
		}
		if ok, err := r.inProject(ctx, "Run", run.ID); err != nil || !ok {
			continue // another project's run is not this subscriber's news
		}
		select {
		case out <- &run:
		case <-ctx.Done():
			return
		}
	}
}

// streamProgress forwards a run's progress events until they end or ctx does.
func streamProgress(ctx context.Context, in <-chan db.RunProgress, out chan<- *db.RunProgress) {
	defer close(out)
	for ev := range in {
		select {
		case out <- &ev:
		case <-ctx.Done():
			return
		}
	}
}
