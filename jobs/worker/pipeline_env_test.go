package worker_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
	"github.com/aomas/aomas/storage"
)

// pipelineEnv is one test's services and a pipeline over them.
type pipelineEnv struct {
	conn     *sqlx.DB
	store    *storage.Store
	rdb      *redis.Client
	redisURL string
	opt      asynq.RedisConnOpt
	client   *asynq.Client
	insp     *asynq.Inspector
	pipe     *jobs.Pipeline
}

func newPipelineEnv(t *testing.T) *pipelineEnv {
	t.Helper()
	e := &pipelineEnv{conn: testenv.Postgres(t), store: testenv.Store(t)}
	e.rdb, e.redisURL = testenv.Redis(t)
	e.connectQueue(t)
	return e
}

func (e *pipelineEnv) connectQueue(t *testing.T) {
	opt, err := asynq.ParseRedisURI(e.redisURL)
	require.NoError(t, err)
	e.opt = opt
	e.client = asynq.NewClient(opt)
	e.insp = asynq.NewInspector(opt)
	t.Cleanup(func() { _ = e.client.Close(); _ = e.insp.Close() })
	e.pipe = e.api(e.deps("api"))
}

func (e *pipelineEnv) deps(id string) worker.Deps {
	return worker.Deps{DB: e.conn, Objects: e.store, Queue: e.client, Redis: e.rdb, Inspector: e.insp,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), WorkerID: id, Lease: 3 * time.Second, MaxRetry: 3}
}

// api returns the API side of the pipeline over the services of d, enqueuing steps with
// d's MaxRetry.
func (e *pipelineEnv) api(d worker.Deps) *jobs.Pipeline {
	return jobs.NewPipeline(jobs.Deps{DB: d.DB, Queue: d.Queue, Redis: d.Redis, Inspector: e.insp, Logger: d.Logger, MaxRetry: d.MaxRetry})
}

// startWorker runs an in-process asynq server tuned as `aomas worker` is.
func (e *pipelineEnv) startWorker(t *testing.T, d worker.Deps, concurrency int) *asynq.Server {
	t.Helper()
	srv := asynq.NewServer(e.opt, asynq.Config{Concurrency: concurrency, Queues: jobs.DefaultQueues(), LogLevel: asynq.FatalLevel,
		TaskCheckInterval: 2 * time.Millisecond, DelayedTaskCheckInterval: 200 * time.Millisecond, RetryDelayFunc: worker.RetryDelay})
	require.NoError(t, srv.Start(worker.NewServeMux(d)))
	t.Cleanup(srv.Shutdown)
	return srv
}

func newVolume(t *testing.T, conn *sqlx.DB, store *storage.Store, seed uint64, size, frames int) int64 {
	return testenv.PhantomVolume(t, conn, store, seed, size, frames)
}

// waitRun waits until run id reaches a final status and returns it.
func waitRun(t *testing.T, conn *sqlx.DB, id int64, within time.Duration) db.Run {
	t.Helper()
	var run db.Run
	require.Eventually(t, func() bool {
		r, err := db.PipelineRun(context.Background(), conn, id, false)
		run = r
		return err == nil && jobs.Final(r.Status)
	}, within, 20*time.Millisecond, "run %d did not finish within %s (last status %s)", id, within, run.Status)
	return run
}

// stepsOf returns the steps of a run by name.
func stepsOf(t *testing.T, conn *sqlx.DB, id int64) map[string]db.StepState {
	t.Helper()
	steps, err := db.PipelineSteps(context.Background(), conn, id)
	require.NoError(t, err)
	out := map[string]db.StepState{}
	for _, s := range steps {
		out[s.Name] = s
	}
	return out
}

// outputsOf returns the SHA-256 of every object a run wrote, by step and file name.
func outputsOf(t *testing.T, conn *sqlx.DB, id int64) map[string]string {
	t.Helper()
	var arts []db.Artifact
	require.NoError(t, conn.Select(&arts, `SELECT * FROM artifacts WHERE run_id = $1`, id))
	out := map[string]string{}
	for _, a := range arts {
		name := a.ObjectKey[bytes.LastIndexByte([]byte(a.ObjectKey), '/')+1:]
		out[*a.Step+"/"+name] = a.SHA256
	}
	return out
}

func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
