package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

// TestRunCompletes runs the whole DAG on a real worker: every step succeeds once, the
// metrics carry confidence intervals, and a second run of the same volume writes the same
// bytes.
func TestRunCompletes(t *testing.T) {
	ctx := context.Background()
	e := newPipelineEnv(t)
	vol := newVolume(t, e.conn, e.store, 7, 64, 3)
	e.startWorker(t, e.deps("w1"), 2)

	var runs []db.Run
	for range 2 {
		run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, Params: `{"eccentricityDeg": 3}`})
		require.NoError(t, err)
		require.Equal(t, db.StatusQueued, run.Status)
		runs = append(runs, run)
	}
	for _, run := range runs {
		done := waitRun(t, e.conn, run.ID, 60*time.Second)
		require.Equal(t, db.StatusSucceeded, done.Status)
		require.NotNil(t, done.FinishedAt)
		for name, s := range stepsOf(t, e.conn, run.ID) {
			require.Equal(t, db.StatusSucceeded, s.Status, name)
			require.Equal(t, 1, s.Completions, name)
			require.Equal(t, 1, s.Attempts, name)
		}
		prog, err := e.pipe.LastProgress(ctx, run.ID)
		require.NoError(t, err)
		require.Equal(t, db.StatusSucceeded, prog.Status)
		require.InDelta(t, 1, prog.Fraction, 1e-9)
	}
	var metrics []db.Metric
	require.NoError(t, e.conn.Select(&metrics, `SELECT * FROM metrics WHERE run_id = $1 ORDER BY name`, runs[0].ID))
	byName := map[string]db.Metric{}
	for _, m := range metrics {
		byName[m.Name] = m
	}
	require.Contains(t, byName, "cone_density")
	d := byName["cone_density"]
	require.NotNil(t, d.CI95Low)
	require.LessOrEqual(t, *d.CI95Low, d.Value)
	require.GreaterOrEqual(t, *d.CI95High, d.Value)
	// A cone mosaic has no fibres: the orientation field is there, its coherence low.
	require.Contains(t, byName, "nfl_orientation")
	require.Less(t, byName["nfl_coherence"].Value, 0.5)
	t.Logf("run %d: nerve-fibre coherence %.2f (a cone image)", runs[0].ID, byName["nfl_coherence"].Value)
	t.Logf("run %d: %d cones, density %.0f cells/mm² [%.0f, %.0f]", runs[0].ID, int(byName["cone_count"].Value), d.Value, *d.CI95Low, *d.CI95High)

	for _, s := range []string{jobs.StepValidate, jobs.StepPreprocess, jobs.StepSegment, jobs.StepMetrics, jobs.StepQC} {
		st := stepsOf(t, e.conn, runs[0].ID)[s]
		t.Logf("step %-10s %6.1f ms", s, float64(st.FinishedAt.Sub(*st.StartedAt).Microseconds())/1000)
	}
	a, b := outputsOf(t, e.conn, runs[0].ID), outputsOf(t, e.conn, runs[1].ID)
	require.Len(t, a, 8) // image, preview, points, mask, uncertainty, vessels, vessel samples, orientation
	require.Equal(t, a, b, "two runs of the same input must write the same bytes")
}

// TestStepIdempotent hands finished and lapsed steps to the queue again: a duplicate task
// of a finished step does nothing, and a step whose worker vanished mid-step is taken over
// by the janitor and completes once, with the same bytes.
func TestStepIdempotent(t *testing.T) {
	ctx := context.Background()
	e := newPipelineEnv(t)
	vol := newVolume(t, e.conn, e.store, 11, 64, 2)
	e.startWorker(t, e.deps("w1"), 2)
	ref, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, ref.ID, 60*time.Second).Status)

	// A duplicate of a finished step.
	task, err := jobs.NewStepTask(ref.ID, jobs.StepSegment, 0, "interactive", 3)
	require.NoError(t, err)
	_, err = e.client.Enqueue(task)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info, err := e.insp.GetQueueInfo(jobs.QueueInteractive)
		return err == nil && info.Pending == 0 && info.Active == 0
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, 1, stepsOf(t, e.conn, ref.ID)[jobs.StepSegment].Completions)

	// A worker that claimed segment and died: its lease lapses, the janitor takes over.
	run, err := db.CreateRun(ctx, e.conn, db.NewRun{VolumeID: vol, Params: "{}", Priority: "interactive"},
		[]string{jobs.StepValidate, jobs.StepPreprocess, jobs.StepSegment, jobs.StepMetrics, jobs.StepQC}, nil)
	require.NoError(t, err)
	_, err = db.PutProgress(ctx, e.conn, db.RunProgress{RunID: run.ID, Status: db.StatusQueued})
	require.NoError(t, err)
	// validate and preprocess were done by the dead worker's predecessors: copy them.
	_, err = e.conn.Exec(`UPDATE run_steps s SET status = 'SUCCEEDED', attempts = 1 WHERE run_id = $1 AND name IN ('validate', 'preprocess')`, run.ID)
	require.NoError(t, err)
	_, err = e.conn.Exec(`UPDATE run_step_tasks t SET output = o.output, completions = 1 FROM run_step_tasks o
		WHERE t.run_id = $1 AND o.run_id = $2 AND o.name = t.name AND t.name IN ('validate', 'preprocess')`, run.ID, ref.ID)
	require.NoError(t, err)
	_, err = e.conn.Exec(`UPDATE run_steps SET status = 'RUNNING', attempts = 1, worker_id = 'dead', lease_until = now() - interval '1 second'
		WHERE run_id = $1 AND name = 'segment'`, run.ID)
	require.NoError(t, err)
	_, err = e.conn.Exec(`UPDATE runs SET status = 'RUNNING' WHERE id = $1`, run.ID)
	require.NoError(t, err)
	n, err := worker.New(e.deps("api")).Reconcile(ctx, time.Hour)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 60*time.Second).Status)
	seg := stepsOf(t, e.conn, run.ID)[jobs.StepSegment]
	require.Equal(t, 1, seg.Completions)
	require.Equal(t, 2, seg.Attempts)
	require.Equal(t, 1, seg.Gen)
	want := outputsOf(t, e.conn, ref.ID)
	got := outputsOf(t, e.conn, run.ID)
	for _, k := range []string{"segment/points.csv", "segment/mask.png"} {
		require.Equal(t, want[k], got[k], k)
	}
}

// TestCancelAndRetry cancels a queued run, retries it, and retries a failed run from its
// failed step without running the finished ones again.
func TestCancelAndRetry(t *testing.T) {
	ctx := context.Background()
	e := newPipelineEnv(t)
	vol := newVolume(t, e.conn, e.store, 13, 64, 1)

	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, Priority: "batch"})
	require.NoError(t, err)
	canceled, err := e.pipe.CancelRun(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, db.StatusCanceled, canceled.Status)
	for name, s := range stepsOf(t, e.conn, run.ID) {
		require.Equal(t, db.StatusCanceled, s.Status, name)
	}
	_, err = e.pipe.CancelRun(ctx, run.ID)
	require.ErrorIs(t, err, jobs.ErrInvalidRun)
	info, err := e.insp.GetQueueInfo(jobs.QueueBatch)
	require.NoError(t, err)
	require.Zero(t, info.Pending, "canceling removes the queued task")

	e.startWorker(t, e.deps("w1"), 2)
	retried, err := e.pipe.RetryRun(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, db.StatusQueued, retried.Status)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 60*time.Second).Status)

	// A volume whose recorded dimensions do not match its bytes fails preprocess for good.
	_, err = e.conn.Exec(`UPDATE volumes SET dim_x = dim_x + 1 WHERE id = $1`, vol)
	require.NoError(t, err)
	failing, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Equal(t, db.StatusFailed, waitRun(t, e.conn, failing.ID, 60*time.Second).Status)
	steps := stepsOf(t, e.conn, failing.ID)
	require.Equal(t, db.StatusSucceeded, steps[jobs.StepValidate].Status)
	require.Equal(t, db.StatusFailed, steps[jobs.StepPreprocess].Status)
	require.Equal(t, 1, steps[jobs.StepPreprocess].Attempts, "a volume that cannot be decoded is permanent: no retries")
	require.Contains(t, *steps[jobs.StepPreprocess].Error, "decode volume")
	require.Equal(t, db.StatusPending, steps[jobs.StepSegment].Status)
	t.Logf("failed step error: %s", *steps[jobs.StepPreprocess].Error)

	_, err = e.conn.Exec(`UPDATE volumes SET dim_x = dim_x - 1 WHERE id = $1`, vol)
	require.NoError(t, err)
	_, err = e.pipe.RetryRun(ctx, failing.ID)
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, failing.ID, 60*time.Second).Status)
	steps = stepsOf(t, e.conn, failing.ID)
	require.Equal(t, 1, steps[jobs.StepValidate].Attempts, "finished steps are reused, not run again")
	require.Equal(t, 2, steps[jobs.StepPreprocess].Attempts)
	require.Nil(t, steps[jobs.StepPreprocess].Error)
	for name, s := range steps {
		require.Equal(t, 1, s.Completions, name)
	}
}

// TestCancelRunningRun cancels a run while a step runs: the step stops at its next
// checkpoint without completing, nothing after it is queued, and the last progress says
// CANCELED.
func TestCancelRunningRun(t *testing.T) {
	ctx := context.Background()
	e := newPipelineEnv(t)
	vol := newVolume(t, e.conn, e.store, 17, 256, 8)
	d := e.deps("w1")
	d.Lease = 600 * time.Millisecond // renewals are the cancellation checkpoints too
	e.startWorker(t, d, 1)
	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return stepsOf(t, e.conn, run.ID)[jobs.StepPreprocess].Status == db.StatusRunning
	}, 30*time.Second, time.Millisecond)
	canceled, err := e.pipe.CancelRun(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, db.StatusCanceled, canceled.Status)
	require.Eventually(t, func() bool {
		info, err := e.insp.GetQueueInfo(jobs.QueueInteractive)
		return err == nil && info.Active == 0 && info.Pending == 0
	}, 30*time.Second, 10*time.Millisecond, "the running step stops")
	steps := stepsOf(t, e.conn, run.ID)
	for name, s := range steps {
		want := db.StatusCanceled
		if name == jobs.StepValidate {
			want = db.StatusSucceeded // finished before the cancel, and kept
		}
		require.Equal(t, want, s.Status, name)
	}
	require.Zero(t, steps[jobs.StepPreprocess].Completions, "a canceled step does not complete")
	require.Zero(t, steps[jobs.StepSegment].Attempts)
	prog, err := e.pipe.LastProgress(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, db.StatusCanceled, prog.Status)
	r, err := e.pipe.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, db.StatusCanceled, r.Status)
}
