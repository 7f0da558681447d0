package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

// TestVerifyArtifactOnRealWorker runs the task through Redis and a real asynq server: an
// intact object verifies, a tampered one ends archived with the mismatch as its error.
func TestVerifyArtifactOnRealWorker(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	store := testenv.Store(t)
	_, redisURL := testenv.Redis(t)
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)

	put := func(key, body string) {
		obj, err := store.Put(ctx, key, bytes.NewReader([]byte(body)), int64(len(body)), "")
		require.NoError(t, err)
		_, err = db.RecordArtifact(ctx, conn, db.Artifact{ObjectKey: key, SizeBytes: obj.Size, SHA256: obj.SHA256, ContentType: obj.ContentType})
		require.NoError(t, err)
	}
	put("intact", "the same bytes")
	put("tampered", "original bytes")
	_, err = store.Put(ctx, "tampered", bytes.NewReader([]byte("changed behind our back")), -1, "")
	require.NoError(t, err)

	srv := asynq.NewServer(opt, asynq.Config{Concurrency: 2, Queues: jobs.DefaultQueues(), LogLevel: asynq.ErrorLevel})
	require.NoError(t, srv.Start(worker.NewServeMux(worker.Deps{DB: conn, Objects: store})))
	defer srv.Shutdown()

	client := asynq.NewClient(opt)
	defer client.Close()
	for _, key := range []string{"intact", "tampered"} {
		task, err := jobs.NewVerifyArtifactTask(key)
		require.NoError(t, err)
		_, err = client.Enqueue(task)
		require.NoError(t, err)
		// The task id makes a second enqueue of the same key a conflict, not a duplicate.
		_, err = client.Enqueue(task)
		require.ErrorIs(t, err, asynq.ErrTaskIDConflict)
	}

	insp := asynq.NewInspector(opt)
	defer insp.Close()
	wait := func(id string, want asynq.TaskState) *asynq.TaskInfo {
		var info *asynq.TaskInfo
		require.Eventually(t, func() bool {
			info, err = insp.GetTaskInfo(jobs.QueueMaintenance, id)
			return err == nil && info.State == want
		}, 20*time.Second, 20*time.Millisecond, "task %s never reached %v", id, want)
		return info
	}
	ok := wait("verify:intact", asynq.TaskStateCompleted)
	var res jobs.VerifyArtifactResult
	require.NoError(t, json.Unmarshal(ok.Result, &res))
	require.True(t, res.OK)
	require.Equal(t, res.Recorded, res.Actual)

	bad := wait("verify:tampered", asynq.TaskStateArchived)
	require.Contains(t, bad.LastErr, worker.ErrDigestMismatch.Error())
	require.Zero(t, bad.Retried, "a mismatch is permanent and must not be retried")
}
