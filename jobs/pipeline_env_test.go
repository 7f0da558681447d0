package jobs_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/storage"
)

// pipelineEnv is one test's services and the API side of a pipeline over them; no worker
// runs (the tests of the worker runtime, in jobs/worker, start one).
type pipelineEnv struct {
	conn  *sqlx.DB
	store *storage.Store
	pipe  *jobs.Pipeline
}

func newPipelineEnv(t *testing.T) *pipelineEnv {
	t.Helper()
	e := &pipelineEnv{conn: testenv.Postgres(t), store: testenv.Store(t)}
	rdb, redisURL := testenv.Redis(t)
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
	t.Cleanup(func() { _ = client.Close(); _ = insp.Close() })
	e.pipe = jobs.NewPipeline(jobs.Deps{DB: e.conn, Queue: client, Redis: rdb, Inspector: insp,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxRetry: 3})
	return e
}

func newVolume(t *testing.T, conn *sqlx.DB, store *storage.Store, seed uint64, size, frames int) int64 {
	return testenv.PhantomVolume(t, conn, store, seed, size, frames)
}
