package jobs

import (
	"context"
	"time"

	"github.com/aomas/aomas/db"
)

// janitorBatch bounds the steps one janitor pass hands back to the queue.
const janitorBatch = 500

// Reconcile makes the queue agree with PostgreSQL, which is the truth about steps: RUNNING
// steps whose lease lapsed (their worker died or lost its database) go back to the queue
// under a new task generation, and QUEUED steps not handed to the queue for staleAfter are
// enqueued again (a conflict means the task is still there; otherwise it was lost, e.g. with
// a Redis restart). It returns how many steps it handed over.
func (p *Pipeline) Reconcile(ctx context.Context, staleAfter time.Duration) (int, error) {
	lapsed, err := p.lapsed(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range lapsed {
		p.log.WarnContext(ctx, "step lease lapsed: re-enqueued", "run_id", s.RunID, "step", s.Name, "gen", s.Gen)
	}
	p.enqueue(ctx, lapsed)
	stale, err := p.staleQueued(ctx, staleAfter)
	if err != nil {
		return len(lapsed), err
	}
	p.enqueue(ctx, stale)
	if p.inspector != nil && p.metrics != nil {
		for _, q := range []string{QueueInteractive, QueueBatch, QueueMaintenance} {
			if info, err := p.inspector.GetQueueInfo(q); err == nil {
				p.metrics.setDepth(q, info.Pending+info.Scheduled+info.Retry)
			}
		}
	}
	return len(lapsed) + len(stale), nil
}

// RunJanitor calls Reconcile every interval until ctx ends.
func (p *Pipeline) RunJanitor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := p.Reconcile(ctx, max(3*every, 2*time.Second)); err != nil && ctx.Err() == nil {
			p.log.WarnContext(ctx, "janitor pass", "err", err)
		}
	}
}

func (p *Pipeline) lapsed(ctx context.Context) ([]db.StepState, error) {
	return db.LapsedSteps(ctx, p.db, janitorBatch)
}

func (p *Pipeline) staleQueued(ctx context.Context, age time.Duration) ([]db.StepState, error) {
	return db.StaleQueuedSteps(ctx, p.db, age, janitorBatch)
}
