package worker

import (
	"context"
	"time"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/jobs"
)

// janitorBatch bounds the steps one janitor pass hands back to the queue.
const janitorBatch = 500

// Reconcile makes the queue agree with PostgreSQL, which is the truth about steps: RUNNING
// steps whose lease lapsed (their worker died or lost its database) go back to the queue
// under a new task generation, and QUEUED steps not handed to the queue for staleAfter are
// enqueued again (a conflict means the task is still there; otherwise it was lost, e.g. with
// a Redis restart). It returns how many steps it handed over.
func (rt *Runtime) Reconcile(ctx context.Context, staleAfter time.Duration) (int, error) {
	lapsed, err := rt.lapsed(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range lapsed {
		rt.log.WarnContext(ctx, "step lease lapsed: re-enqueued", "run_id", s.RunID, "step", s.Name, "gen", s.Gen)
	}
	rt.dispatch.Enqueue(ctx, lapsed)
	stale, err := rt.staleQueued(ctx, staleAfter)
	if err != nil {
		return len(lapsed), err
	}
	rt.dispatch.Enqueue(ctx, stale)
	if rt.inspector != nil && rt.metrics != nil {
		for _, q := range []string{jobs.QueueInteractive, jobs.QueueBatch, jobs.QueueMaintenance} {
			if info, err := rt.inspector.GetQueueInfo(q); err == nil {
				rt.metrics.setDepth(q, info.Pending+info.Scheduled+info.Retry)
			}
		}
	}
	return len(lapsed) + len(stale), nil
}

// RunJanitor calls Reconcile every interval until ctx ends.
func (rt *Runtime) RunJanitor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := rt.Reconcile(ctx, max(3*every, 2*time.Second)); err != nil && ctx.Err() == nil {
			rt.log.WarnContext(ctx, "janitor pass", "err", err)
		}
	}
}

func (rt *Runtime) lapsed(ctx context.Context) ([]db.StepState, error) {
	return db.LapsedSteps(ctx, rt.db, janitorBatch)
}

func (rt *Runtime) staleQueued(ctx context.Context, age time.Duration) ([]db.StepState, error) {
	return db.StaleQueuedSteps(ctx, rt.db, age, janitorBatch)
}
