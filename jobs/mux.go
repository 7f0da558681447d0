package jobs

import (
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
)

// Deps are what the handlers and the pipeline need.
type Deps struct {
	DB      *sqlx.DB
	Objects objectStore
	// Queue enqueues the steps that become ready; Redis carries progress; Inspector cancels
	// tasks and reports queues. The pipeline's steps need all three.
	Queue     enqueuer
	Redis     *redis.Client
	Inspector *asynq.Inspector
	Logger    *slog.Logger
	Metrics   *Metrics
	// WorkerID names this process in run_steps.worker_id (see WorkerID).
	WorkerID string
	// Lease is how long a claimed step stays this worker's without renewal (DefaultLease).
	Lease time.Duration
	// MaxRetry is how often a failing step is retried before it fails (DefaultMaxRetry).
	MaxRetry int
}

// NewServeMux routes every task type to its handler.
func NewServeMux(d Deps) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Handle(TypeVerifyArtifact, &verifyArtifact{d: d})
	p := NewPipeline(d)
	for name, fn := range map[string]stepFunc{
		StepValidate:   validateStep,
		StepPreprocess: preprocessStep,
		StepSegment:    segmentStep,
		StepMetrics:    metricsStep,
		StepQC:         qcStep,
	} {
		mux.Handle("step:"+name, &stepHandler{p: p, name: name, fn: fn})
	}
	return mux
}

// RetryDelay is the backoff between attempts of a failed step: 250 ms doubling per retry
// up to 8 s, so that a service back within seconds is noticed within seconds.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := 250 * time.Millisecond << min(n, 5)
	return min(d, 8*time.Second)
}
