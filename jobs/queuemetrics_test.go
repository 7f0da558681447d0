package jobs_test

import (
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
)

// The queue sizes come from the real Redis: tasks enqueued, scheduled and archived show up
// under their queue and state; queues Redis has never seen read as zeros, not as missing.
func TestQueueCollector(t *testing.T) {
	_, redisURL := testenv.Redis(t)
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
	t.Cleanup(func() { _ = client.Close(); _ = insp.Close() })
	pipe := jobs.NewPipeline(jobs.Deps{Queue: client, Inspector: insp})

	reg := prometheus.NewRegistry()
	reg.MustRegister(pipe.QueueCollector())
	for range 3 {
		_, err := client.Enqueue(asynq.NewTask("test:pending", nil), asynq.Queue(jobs.QueueBatch))
		require.NoError(t, err)
	}
	_, err = client.Enqueue(asynq.NewTask("test:later", nil), asynq.Queue(jobs.QueueBatch), asynq.ProcessIn(3600e9))
	require.NoError(t, err)
	info, err := client.Enqueue(asynq.NewTask("test:dead", nil), asynq.Queue(jobs.QueueInteractive))
	require.NoError(t, err)
	require.NoError(t, insp.ArchiveTask(jobs.QueueInteractive, info.ID))

	want := `
# HELP aomas_queue_tasks Tasks in each pipeline queue by state (pending: waiting for a worker; active: being processed), read from Redis at scrape time.
# TYPE aomas_queue_tasks gauge
aomas_queue_tasks{queue="batch",state="active"} 0
aomas_queue_tasks{queue="batch",state="archived"} 0
aomas_queue_tasks{queue="batch",state="pending"} 3
aomas_queue_tasks{queue="batch",state="retry"} 0
aomas_queue_tasks{queue="batch",state="scheduled"} 1
aomas_queue_tasks{queue="interactive",state="active"} 0
aomas_queue_tasks{queue="interactive",state="archived"} 1
aomas_queue_tasks{queue="interactive",state="pending"} 0
aomas_queue_tasks{queue="interactive",state="retry"} 0
aomas_queue_tasks{queue="interactive",state="scheduled"} 0
aomas_queue_tasks{queue="maintenance",state="active"} 0
aomas_queue_tasks{queue="maintenance",state="archived"} 0
aomas_queue_tasks{queue="maintenance",state="pending"} 0
aomas_queue_tasks{queue="maintenance",state="retry"} 0
aomas_queue_tasks{queue="maintenance",state="scheduled"} 0
# HELP aomas_queue_scrape_ok 1 when every queue's size was read from Redis at this scrape, else 0 (the sizes are then missing).
# TYPE aomas_queue_scrape_ok gauge
aomas_queue_scrape_ok 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want)))
}

// With Redis gone the collector reports the failure and no sizes, never zeros.
func TestQueueCollectorRedisDown(t *testing.T) {
	opt := asynq.RedisClientOpt{Addr: "127.0.0.1:1"}
	insp := asynq.NewInspector(opt)
	t.Cleanup(func() { _ = insp.Close() })
	pipe := jobs.NewPipeline(jobs.Deps{Inspector: insp})
	reg := prometheus.NewRegistry()
	reg.MustRegister(pipe.QueueCollector())
	want := `
# HELP aomas_queue_scrape_ok 1 when every queue's size was read from Redis at this scrape, else 0 (the sizes are then missing).
# TYPE aomas_queue_scrape_ok gauge
aomas_queue_scrape_ok 0
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want)))
	n, err := testutil.GatherAndCount(reg, "aomas_queue_tasks")
	require.NoError(t, err)
	require.Zero(t, n)
}
