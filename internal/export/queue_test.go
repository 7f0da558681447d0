package export_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

// TestExportThroughQueue: an export created as the API creates it is queued on asynq, run
// by a worker's handler, and followed by subscription from QUEUED to SUCCEEDED with its
// progress never going back.
func TestExportThroughQueue(t *testing.T) {
	e := newEnv(t)
	seedMetrics(t, e.conn, "p1", 5)
	rdb, redisURL := testenv.Redis(t)
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client := asynq.NewClient(opt)
	t.Cleanup(func() { _ = client.Close() })
	e.svc.Queue, e.svc.Redis, e.svc.PageRows = client, rdb, 500

	x, err := e.svc.Create(context.Background(), export.Request{Project: "p1", OwnerID: e.userID, OwnerEmail: "analyst@example.org",
		Kind: export.KindMetrics, Format: export.FormatParquet, Destination: export.DestinationS3})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events, err := e.svc.Subscribe(ctx, x.ID)
	require.NoError(t, err)

	srv := asynq.NewServer(opt, asynq.Config{Concurrency: 1, Queues: jobs.DefaultQueues(), TaskCheckInterval: 50 * time.Millisecond,
		Logger: quietAsynq{}})
	require.NoError(t, srv.Start(worker.NewServeMux(worker.Deps{DB: e.conn, Redis: rdb, Exports: e.svc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})))
	t.Cleanup(srv.Shutdown)

	var seen []db.Export
	for ev := range events {
		seen = append(seen, ev)
	}
	require.NotEmpty(t, seen)
	require.Equal(t, db.ExportQueued, seen[0].Status)
	last := seen[len(seen)-1]
	require.Equal(t, db.ExportSucceeded, last.Status, "%+v", last)
	require.Equal(t, 1.0, last.Progress)
	require.EqualValues(t, 5000, *last.RowCount)
	for i := 1; i < len(seen); i++ {
		if seen[i].Status == seen[i-1].Status {
			require.GreaterOrEqual(t, seen[i].Progress, seen[i-1].Progress)
		}
	}
	has, err := e.svc.S3.Has(context.Background(), export.Dir(x.ID), export.ManifestName)
	require.NoError(t, err)
	require.True(t, has)
}

type quietAsynq struct{}

func (quietAsynq) Debug(...any) {}
func (quietAsynq) Info(...any)  {}
func (quietAsynq) Warn(...any)  {}
func (quietAsynq) Error(...any) {}
func (quietAsynq) Fatal(...any) {}
