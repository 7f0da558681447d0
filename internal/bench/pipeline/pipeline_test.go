// Package pipeline_test measures the pipeline's queue on the real services: how soon a
// step starts after it is enqueued, how many trivial steps the queue passes per second,
// and how long a small run takes end to end on an idle system.
package pipeline_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

// workerPoll is `aomas worker`'s default --poll.
const workerPoll = 2 * time.Millisecond

func queue(b *testing.B) (asynq.RedisConnOpt, *asynq.Client) {
	_, url := testenv.Redis(b)
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		b.Fatal(err)
	}
	c := asynq.NewClient(opt)
	b.Cleanup(func() { _ = c.Close() })
	return opt, c
}

func server(b *testing.B, opt asynq.RedisConnOpt, poll time.Duration, concurrency int, h asynq.Handler) {
	srv := asynq.NewServer(opt, asynq.Config{Concurrency: concurrency, Queues: jobs.DefaultQueues(), LogLevel: asynq.FatalLevel,
		TaskCheckInterval: poll})
	if err := srv.Start(h); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Shutdown)
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkEnqueueToStart enqueues one task at a time on an idle worker and measures the
// time from Enqueue to the handler starting: with asynq's default poll (1 s) and with the
// worker's (2 ms).
func BenchmarkEnqueueToStart(b *testing.B) {
	for _, poll := range []time.Duration{workerPoll, time.Second} {
		b.Run("poll="+poll.String(), func(b *testing.B) {
			opt, client := queue(b)
			started := make(chan time.Time, 1)
			server(b, opt, poll, 4, asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
				started <- time.Now()
				return nil
			}))
			n := b.N
			if poll >= time.Second {
				n = min(n, 10) // half a second each
			}
			lat := make([]time.Duration, 0, n)
			b.ResetTimer()
			for i := range n {
				// Let the worker go idle, as it is when a person starts a run.
				time.Sleep(3 * poll / 2)
				t0 := time.Now()
				if _, err := client.Enqueue(asynq.NewTask("bench:noop", nil, asynq.Queue(jobs.QueueInteractive),
					asynq.TaskID("lat:"+strconv.Itoa(i)))); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, (<-started).Sub(t0))
			}
			b.ReportMetric(ms(percentile(lat, 0.5)), "p50-ms")
			b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
		})
	}
}

// BenchmarkTrivialStepThroughput fills the queue with b.N no-op tasks (each with its own
// task id, as steps have) and measures how fast one worker (concurrency 32) drains it: the
// queue's own cost per step. Run it with -benchtime Nx for N in the thousands.
func BenchmarkTrivialStepThroughput(b *testing.B) {
	opt, client := queue(b)
	n := b.N
	for i := range n {
		if _, err := client.Enqueue(asynq.NewTask("bench:noop", nil, asynq.Queue(jobs.QueueBatch), asynq.TaskID("tp:"+strconv.Itoa(i)))); err != nil {
			b.Fatal(err)
		}
	}
	var done atomic.Int64
	finished := make(chan struct{})
	b.ResetTimer()
	t0 := time.Now()
	server(b, opt, workerPoll, 32, asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		if done.Add(1) == int64(n) {
			close(finished)
		}
		return nil
	}))
	<-finished
	el := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(n)/el.Seconds(), "steps/s")
}

// BenchmarkSmallRunEndToEnd runs the whole pipeline (five steps, PostgreSQL bookkeeping,
// MinIO outputs) on a 64×64 single-frame volume, one run at a time on an idle worker, and
// measures startRun to SUCCEEDED.
func BenchmarkSmallRunEndToEnd(b *testing.B) {
	conn := testenv.Postgres(b)
	store := testenv.Store(b)
	rdb, url := testenv.Redis(b)
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		b.Fatal(err)
	}
	client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
	b.Cleanup(func() { _ = client.Close(); _ = insp.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := worker.Deps{DB: conn, Objects: store, Queue: client, Redis: rdb, Inspector: insp, Logger: logger, WorkerID: "bench"}
	server(b, opt, workerPoll, 4, worker.NewServeMux(d))
	pipe := jobs.NewPipeline(jobs.Deps{DB: conn, Queue: client, Redis: rdb, Inspector: insp, Logger: logger})
	vol := testenv.PhantomVolume(b, conn, store, 1, 64, 1)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		run, err := pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
		if err != nil {
			b.Fatal(err)
		}
		for {
			r, err := db.PipelineRun(ctx, conn, run.ID, false)
			if err != nil {
				b.Fatal(err)
			}
			if jobs.Final(r.Status) {
				if r.Status != db.StatusSucceeded {
					b.Fatalf("run %d %s", r.ID, r.Status)
				}
				break
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(t0))
	}
	b.ReportMetric(ms(percentile(lat, 0.5)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
}
