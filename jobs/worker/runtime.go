// Package worker is the pipeline's worker runtime, what `aomas worker` runs: it claims a
// step under a lease, runs its handler (validate, preprocess, segment, metrics, qc),
// records the outcome and queues the steps that became ready; a janitor hands lapsed and
// lost steps back to the queue. The pipeline's definition (steps, task types, payloads,
// the DAG) is in package jobs, shared with the API side.
package worker

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/storage"
)

// DefaultLease is how long a claimed step stays a worker's without renewal, unless told otherwise.
const DefaultLease = 15 * time.Second

// objectStore is the part of storage.Store the steps use.
type objectStore interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.Object, error)
}

// queueInspector is the part of *asynq.Inspector the janitor uses to report queue depths.
type queueInspector interface {
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
}

// Deps are what the step handlers and the janitor need.
type Deps struct {
	DB      *sqlx.DB
	Objects objectStore
	// Queue enqueues the steps that become ready (*asynq.Client); Redis carries progress;
	// Inspector (*asynq.Inspector) lets the janitor report queue depths.
	Queue     jobs.Enqueuer
	Redis     *redis.Client
	Inspector queueInspector
	Logger    *slog.Logger
	Metrics   *Metrics
	// WorkerID names this process in run_steps.worker_id (see ID).
	WorkerID string
	// Lease is how long a claimed step stays this worker's without renewal (DefaultLease).
	Lease time.Duration
	// Exports writes exports (jobs.TypeExport); nil: this worker takes none.
	Exports *export.Service
	// Evaluations evaluates model versions on datasets (jobs.TypeEvaluate); nil: this worker takes none.
	Evaluations *evaluation.Service
	// MaxRetry is how often a failing step is retried before it fails, for the steps this
	// worker enqueues (jobs.DefaultMaxRetry).
	MaxRetry int
	// Models runs the learned detectors; nil: this worker runs the classical ones only.
	Models *Models
}

// Runtime claims, runs and completes steps, and reconciles the queue with PostgreSQL.
type Runtime struct {
	db        *sqlx.DB
	store     objectStore
	dispatch  *jobs.Dispatcher
	inspector queueInspector
	log       *slog.Logger
	metrics   *Metrics
	workerID  string
	lease     time.Duration
	models    *Models
}

// New returns the runtime over d.
func New(d Deps) *Runtime {
	rt := &Runtime{db: d.DB, store: d.Objects, inspector: d.Inspector, log: d.Logger, metrics: d.Metrics,
		workerID: d.WorkerID, lease: d.Lease, models: d.Models}
	if rt.log == nil {
		rt.log = slog.Default()
	}
	if rt.lease <= 0 {
		rt.lease = DefaultLease
	}
	if rt.workerID == "" {
		// What the single pipeline type recorded before the split; workers name themselves.
		rt.workerID = "api"
	}
	rt.dispatch = jobs.NewDispatcher(d.Queue, d.Redis, rt.log, d.MaxRetry)
	return rt
}
