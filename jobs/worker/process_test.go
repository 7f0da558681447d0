package worker_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
	"github.com/aomas/aomas/storage"
)

// buildAomas builds the aomas binary into a temporary directory.
func buildAomas(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aomas")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/aomas/aomas/cmd/aomas")
	cmd.Dir = testenv.RepoRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// workerProc is an `aomas worker` child process.
type workerProc struct {
	cmd  *exec.Cmd
	out  *testenv.LogBuffer
	done chan struct{}
}

// services says where a worker process finds PostgreSQL, Redis and MinIO.
type services struct {
	dbURL, redisURL string
	s3              storage.Config
}

func startWorkerProc(t *testing.T, bin string, svc services, args ...string) *workerProc {
	t.Helper()
	all := append([]string{"worker", "--concurrency", "4", "--lease", "2s", "--janitor", "500ms", "--max-retry", "10", "--wait", "60s"}, args...)
	cmd := exec.Command(bin, all...)
	cmd.Env = append(os.Environ(),
		"AOMAS_DATABASE_URL="+svc.dbURL, "AOMAS_REDIS_URL="+svc.redisURL,
		"AOMAS_S3_ENDPOINT="+svc.s3.Endpoint, "AOMAS_S3_ACCESS_KEY="+svc.s3.AccessKey, "AOMAS_S3_SECRET_KEY="+svc.s3.SecretKey,
		"AOMAS_S3_BUCKET="+svc.s3.Bucket, "AOMAS_LOG_LEVEL=warn")
	w := &workerProc{cmd: cmd, out: &testenv.LogBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w.out, w.out
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		w.kill()
		if t.Failed() {
			t.Logf("worker %d output:\n%s", cmd.Process.Pid, w.out.String())
		}
	})
	return w
}

func (w *workerProc) kill() {
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
}

func (w *workerProc) id(t *testing.T) string {
	host, err := os.Hostname()
	require.NoError(t, err)
	return worker.ID(host, w.cmd.Process.Pid)
}

// sharedServices gives a process test its own database (by URL), Redis DB and bucket.
func sharedServices(t *testing.T) (*pipelineEnv, services) {
	t.Helper()
	url := testenv.DatabaseURL(t)
	conn, err := db.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	m, err := db.NewMigrator(conn.DB)
	require.NoError(t, err)
	_, err = m.Up(context.Background())
	require.NoError(t, err)
	e := &pipelineEnv{conn: conn, store: testenv.Store(t)}
	e.rdb, e.redisURL = testenv.Redis(t)
	e.connectQueue(t)
	cfg := testenv.S3Config(t)
	cfg.Bucket = e.store.Bucket()
	return e, services{dbURL: url, redisURL: e.redisURL, s3: cfg}
}

// requireExactlyOnce checks that every step of every run succeeded with one completion.
func requireExactlyOnce(t *testing.T, conn interface {
	Get(dest any, query string, args ...any) error
}, runs int) {
	t.Helper()
	var n struct {
		Runs      int `db:"runs"`
		Steps     int `db:"steps"`
		Succeeded int `db:"succeeded"`
		Once      int `db:"once"`
	}
	require.NoError(t, conn.Get(&n, `SELECT (SELECT count(*) FROM runs WHERE status = 'SUCCEEDED') AS runs,
		count(*) AS steps, count(*) FILTER (WHERE s.status = 'SUCCEEDED') AS succeeded,
		count(*) FILTER (WHERE t.completions = 1) AS once
		FROM run_steps s JOIN run_step_tasks t USING (run_id, name)`))
	require.Equal(t, runs, n.Runs)
	require.Equal(t, 5*runs, n.Steps)
	require.Equal(t, 5*runs, n.Succeeded)
	require.Equal(t, 5*runs, n.Once, "every step completes exactly once")
}

// TestManyRunsOnTwoWorkerProcesses starts 200 runs at once on two `aomas worker`
// processes: all finish, and every step of every run completed exactly once.
func TestManyRunsOnTwoWorkerProcesses(t *testing.T) {
	ctx := context.Background()
	bin := buildAomas(t)
	e, svc := sharedServices(t)
	vols := []int64{newVolume(t, e.conn, e.store, 21, 48, 1), newVolume(t, e.conn, e.store, 22, 48, 2)}
	const runs = 200
	ids := make([]int64, runs)
	for i := range ids {
		prio := "interactive"
		if i%2 == 1 {
			prio = "batch"
		}
		run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vols[i%2], Priority: prio})
		require.NoError(t, err)
		ids[i] = run.ID
	}
	began := time.Now()
	w1 := startWorkerProc(t, bin, svc)
	w2 := startWorkerProc(t, bin, svc)
	for _, id := range ids {
		require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, id, 120*time.Second).Status)
	}
	t.Logf("%d runs (%d steps) on 2 worker processes in %s", runs, 5*runs, time.Since(began).Round(time.Millisecond))
	requireExactlyOnce(t, e.conn, runs)
	var perWorker []struct {
		W string `db:"worker_id"`
		N int    `db:"n"`
	}
	require.NoError(t, e.conn.Select(&perWorker, `SELECT worker_id, count(*) AS n FROM run_steps GROUP BY worker_id ORDER BY worker_id`))
	require.Len(t, perWorker, 2, "both workers took steps")
	t.Logf("steps per worker: %s=%d, %s=%d (w1 %s, w2 %s)", perWorker[0].W, perWorker[0].N, perWorker[1].W, perWorker[1].N, w1.id(t), w2.id(t))
}

// TestWorkerKilledMidStep kills a worker process with SIGKILL while it runs a step: the
// run completes on the other worker after the lease lapses, and its outputs are
// byte-identical to those of an undisturbed run of the same input.
func TestWorkerKilledMidStep(t *testing.T) {
	ctx := context.Background()
	bin := buildAomas(t)
	e, svc := sharedServices(t)
	// Big enough that preprocess (register and average 8 frames) takes a while.
	vol := newVolume(t, e.conn, e.store, 31, 256, 8)

	victim := startWorkerProc(t, bin, svc, "--concurrency", "1")
	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		s := stepsOf(t, e.conn, run.ID)[jobs.StepPreprocess]
		return s.Status == db.StatusRunning
	}, 30*time.Second, time.Millisecond)
	victim.kill()
	s := stepsOf(t, e.conn, run.ID)[jobs.StepPreprocess]
	require.Equal(t, db.StatusRunning, s.Status, "the worker died in the middle of the step")
	require.Equal(t, victim.id(t), *s.WorkerID)

	survivor := startWorkerProc(t, bin, svc)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 60*time.Second).Status)
	s = stepsOf(t, e.conn, run.ID)[jobs.StepPreprocess]
	require.Equal(t, 2, s.Attempts)
	require.Equal(t, 1, s.Completions)
	require.Equal(t, survivor.id(t), *s.WorkerID)

	ref, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, ref.ID, 60*time.Second).Status)
	killed, undisturbed := outputsOf(t, e.conn, run.ID), outputsOf(t, e.conn, ref.ID)
	require.Len(t, killed, 8) // image, preview, points, mask, uncertainty, vessels, vessel samples, orientation
	require.Equal(t, undisturbed, killed, "outputs are byte-identical to an undisturbed run")
	var mk, mu []db.Metric
	require.NoError(t, e.conn.Select(&mk, `SELECT name, value, unit, ci95_low, ci95_high, region FROM metrics WHERE run_id = $1 ORDER BY name`, run.ID))
	require.NoError(t, e.conn.Select(&mu, `SELECT name, value, unit, ci95_low, ci95_high, region FROM metrics WHERE run_id = $1 ORDER BY name`, ref.ID))
	require.Equal(t, mu, mk)
}

// TestRedisThenPostgresRestart restarts a private Redis (losing every queued task) and
// then a private PostgreSQL while runs are in flight on two worker processes: all runs
// complete, none is lost, and no step completes twice.
func TestRedisThenPostgresRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := buildAomas(t)
	pg := testenv.StartPostgres(t)
	rd := testenv.StartRedis(t)
	conn, err := db.Open(ctx, pg.URL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	m, err := db.NewMigrator(conn.DB)
	require.NoError(t, err)
	_, err = m.Up(ctx)
	require.NoError(t, err)
	e := &pipelineEnv{conn: conn, store: testenv.Store(t), redisURL: rd.URL}
	e.rdb = redisClient(t, rd.URL)
	e.connectQueue(t)
	cfg := testenv.S3Config(t)
	cfg.Bucket = e.store.Bucket()
	svc := services{dbURL: pg.URL, redisURL: rd.URL, s3: cfg}

	vol := newVolume(t, conn, e.store, 41, 128, 4)
	const runs = 30
	ids := make([]int64, runs)
	for i := range ids {
		run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
		require.NoError(t, err)
		ids[i] = run.ID
	}
	startWorkerProc(t, bin, svc, "--concurrency", "2")
	startWorkerProc(t, bin, svc, "--concurrency", "2")
	succeeded := func() int {
		var n int
		if err := conn.Get(&n, `SELECT count(*) FROM runs WHERE status = 'SUCCEEDED'`); err != nil {
			return -1
		}
		return n
	}
	require.Eventually(t, func() bool { return succeeded() >= 3 }, 60*time.Second, 10*time.Millisecond)
	atRedis := succeeded()
	rd.Stop()
	time.Sleep(time.Second)
	rd.Start()
	require.Eventually(t, func() bool { return succeeded() >= atRedis+3 }, 60*time.Second, 10*time.Millisecond)
	atPG := succeeded()
	pg.Stop()
	time.Sleep(time.Second)
	pg.Start()
	for _, id := range ids {
		require.Equal(t, db.StatusSucceeded, waitRun(t, conn, id, 120*time.Second).Status)
	}
	t.Logf("Redis restarted after %d of %d runs, PostgreSQL after %d: all %d succeeded", atRedis, runs, atPG, runs)
	require.Less(t, atPG, runs, "PostgreSQL restarted while runs were in flight")
	requireExactlyOnce(t, conn, runs)
}

// TestMinIOOutage stops a private MinIO for 20 s in the middle of a run: the step retries
// with backoff and the run completes after MinIO returns. With MinIO gone for good, a step
// that keeps failing ends FAILED with its error kept.
func TestMinIOOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mio := testenv.StartMinIO(t)
	e := &pipelineEnv{conn: testenv.Postgres(t), store: mio.Store(t)}
	e.rdb, e.redisURL = testenv.Redis(t)
	e.connectQueue(t)
	d := e.deps("w1")
	d.MaxRetry = 10
	e.pipe = e.api(d)
	e.startWorker(t, d, 2)
	vol := newVolume(t, e.conn, e.store, 51, 64, 2)

	// Stop MinIO as soon as the run is under way, before preprocess reads the volume.
	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	mio.Stop()
	stopped := time.Now()
	time.Sleep(20 * time.Second)
	mio.Start()
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 60*time.Second).Status)
	steps := stepsOf(t, e.conn, run.ID)
	v := steps[jobs.StepValidate]
	require.GreaterOrEqual(t, v.Attempts, 2, "validate retried while MinIO was down")
	require.Equal(t, 1, v.Completions)
	t.Logf("validate: %d attempts over the 20 s outage; run finished %s after MinIO stopped",
		v.Attempts, steps[jobs.StepQC].FinishedAt.Sub(stopped).Round(time.Millisecond))

	// Gone for good: three attempts, then FAILED with the error kept.
	mio.Stop()
	d.MaxRetry = 2
	failing, err := e.api(d).StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Equal(t, db.StatusFailed, waitRun(t, e.conn, failing.ID, 60*time.Second).Status)
	v = stepsOf(t, e.conn, failing.ID)[jobs.StepValidate]
	require.Equal(t, db.StatusFailed, v.Status)
	require.Equal(t, 3, v.Attempts)
	require.NotNil(t, v.Error)
	require.Contains(t, *v.Error, "connection refused")
	t.Logf("failed step error: %s", *v.Error)
}
