package worker_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

func TestStepTaskIDsAndBackoff(t *testing.T) {
	require.Equal(t, "run:7:segment", jobs.StepTaskID(7, "segment", 0))
	require.Equal(t, "run:7:segment:2", jobs.StepTaskID(7, "segment", 2))
	require.Equal(t, jobs.QueueBatch, jobs.QueueFor("batch"))
	require.Equal(t, jobs.QueueInteractive, jobs.QueueFor("interactive"))
	task, err := jobs.NewStepTask(7, "qc", 1, "batch", 4)
	require.NoError(t, err)
	require.Equal(t, jobs.TypeStepQC, task.Type())
	require.JSONEq(t, `{"run_id": 7, "step": "qc", "gen": 1}`, string(task.Payload()))
	var prev time.Duration
	for n, want := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		d := worker.RetryDelay(n, nil, nil)
		require.Equal(t, want, d, "retry %d", n)
		require.GreaterOrEqual(t, d, prev)
		prev = d
	}
}

// TestAdminAndMetrics lists queues and workers the way the admin queries do, and checks
// that a run feeds the step metrics.
func TestAdminAndMetrics(t *testing.T) {
	ctx := context.Background()
	e := newPipelineEnv(t)
	reg := prometheus.NewRegistry()
	d := e.deps("w1")
	d.Metrics = worker.NewMetrics(reg)
	e.startWorker(t, d, 2)
	host, _ := os.Hostname()
	hbCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		worker.Heartbeat(hbCtx, e.rdb, jobs.WorkerInfo{ID: worker.ID(host, os.Getpid()), Host: host, PID: os.Getpid(),
			Device: "cpu", Queues: []string{"interactive"}, Concurrency: 2, StartedAt: time.Now()}, time.Second)
	}()
	vol := newVolume(t, e.conn, e.store, 9, 64, 1)
	run, err := e.api(d).StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 30*time.Second).Status)

	qs, err := e.pipe.Queues(ctx)
	require.NoError(t, err)
	var names []string
	for _, q := range qs {
		names = append(names, q.Name)
	}
	require.Contains(t, names, jobs.QueueInteractive)
	require.Eventually(t, func() bool {
		ws, err := e.pipe.Workers(ctx)
		return err == nil && len(ws) == 1 && ws[0].Device == "cpu" && ws[0].PID == os.Getpid()
	}, 5*time.Second, 50*time.Millisecond)
	stop()
	<-done
	ws, err := e.pipe.Workers(ctx)
	require.NoError(t, err)
	require.Empty(t, ws, "a stopped worker leaves the list")

	mfs, err := reg.Gather()
	require.NoError(t, err)
	var seen []string
	for _, mf := range mfs {
		if mf.GetName() == "aomas_step_duration_seconds" {
			for _, m := range mf.GetMetric() {
				require.EqualValues(t, 1, m.GetHistogram().GetSampleCount())
				seen = append(seen, m.GetLabel()[0].GetValue())
			}
		}
	}
	require.ElementsMatch(t, []string{jobs.StepValidate, jobs.StepPreprocess, jobs.StepSegment, jobs.StepMetrics, jobs.StepQC}, seen, strings.Join(seen, ","))
}
