package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
)

// Enqueuer puts tasks on the queue; *asynq.Client satisfies it. The dispatcher is its only
// user, on the API side and in the workers alike.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Dispatcher hands queued steps to asynq and announces run changes on Redis: the part of
// moving a run forward that the API (start, retry) and the workers (completion, janitor)
// share. Both run after the transaction that queued the steps or stored the progress.
type Dispatcher struct {
	queue    Enqueuer
	redis    *redis.Client
	log      *slog.Logger
	maxRetry int
}

// NewDispatcher returns a dispatcher that enqueues step tasks retried up to maxRetry times
// (DefaultMaxRetry when not positive) and publishes on rdb (nil: publishes nothing).
func NewDispatcher(queue Enqueuer, rdb *redis.Client, log *slog.Logger, maxRetry int) *Dispatcher {
	if log == nil {
		log = slog.Default()
	}
	if maxRetry <= 0 {
		maxRetry = DefaultMaxRetry
	}
	return &Dispatcher{queue: queue, redis: rdb, log: log, maxRetry: maxRetry}
}

// Enqueue hands queued steps to asynq. A conflict means the task is already there; any
// other failure is left to the janitor, which enqueues QUEUED steps that have no task.
func (d *Dispatcher) Enqueue(ctx context.Context, steps []db.StepState) {
	for _, s := range steps {
		task, err := NewStepTask(s.RunID, s.Name, s.Gen, s.Priority, d.maxRetry)
		if err == nil {
			_, err = d.queue.EnqueueContext(ctx, task)
		}
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			d.log.WarnContext(ctx, "enqueue step: left to the janitor", "run_id", s.RunID, "step", s.Name, "err", err)
		}
	}
}

// Announce publishes a stored progress event (when given) and the run's change. Pub/sub
// is best effort: subscribers also read the stored state, so a lost message delays, but
// never loses, what they see.
func (d *Dispatcher) Announce(ctx context.Context, runID int64, prog *db.RunProgress) {
	if d.redis == nil {
		return
	}
	if prog != nil {
		b, _ := json.Marshal(prog)
		if err := d.redis.Publish(ctx, ProgressChannel(runID), b).Err(); err != nil {
			d.log.WarnContext(ctx, "publish progress", "run_id", runID, "err", err)
		}
	}
	_ = d.redis.Publish(ctx, RunsChannel, strconv.FormatInt(runID, 10)).Err()
}
