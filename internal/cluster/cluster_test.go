//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/storage"
)

// Settings of the workers: a short lease so that a lost worker's steps are taken over
// within seconds, and a janitor that looks often.
const (
	lease     = 3 * time.Second
	janitor   = time.Second
	redisCut  = 10 * time.Second
	shortRuns = 16
)

func runRowID(s string) (int64, error) {
	typ, id, err := gid.Decode(s)
	if err == nil && typ != "Run" {
		err = fmt.Errorf("%q is a %s id, not a run's", s, typ)
	}
	return id, err
}

// buildAomas builds the binary once (no SPA: the API is all the test needs).
func buildAomas(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aomas")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/aomas")
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestCluster runs the parts of aomas on five hosts (network namespaces on one bridge):
// runs started through both servers all finish, exactly once, though one worker is taken
// off the network mid-run; a server cut from Redis says so on /readyz while the other keeps
// serving, and recovers by itself; a role granted through one server holds on the other
// within a second. AOMAS_CLUSTER_RUNS sets the number of runs (make test-cluster: 200).
func TestCluster(t *testing.T) {
	began := time.Now()
	runs := shortRuns
	if v := os.Getenv("AOMAS_CLUSTER_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "AOMAS_CLUSTER_RUNS")
		require.GreaterOrEqual(t, n, 8, "AOMAS_CLUSTER_RUNS: at least 8, so that the worker loss falls mid-run")
		runs = n
	}
	ortLib := os.Getenv("AOMAS_ORT_LIB")
	require.NotEmpty(t, ortLib, "AOMAS_ORT_LIB must name the ONNX Runtime library (make deps installs it; make test sets it)")
	bin := buildAomas(t)
	t.Logf("built aomas in %v", time.Since(began).Round(time.Millisecond))

	lan := newNetwork(t)
	svcHost := lan.add("svc", 2)
	apiHosts := []*host{lan.add("api1", 11), lan.add("api2", 12)}
	workHosts := []*host{lan.add("wk1", 21), lan.add("wk2", 22)}
	svc := startServices(t, svcHost)

	ctx := context.Background()
	aomasEnv := []string{"AOMAS_DATABASE_URL=" + svc.DatabaseURL, "AOMAS_REDIS_URL=" + svc.RedisURL,
		"AOMAS_S3_ENDPOINT=" + svc.S3.Endpoint, "AOMAS_S3_ACCESS_KEY=" + svc.S3.AccessKey, "AOMAS_S3_SECRET_KEY=" + svc.S3.SecretKey,
		"AOMAS_S3_BUCKET=" + svc.S3.Bucket, "AOMAS_EXPORT_S3_BUCKET=off", "AOMAS_SUBJECT_KEY=cluster-test-subject-key",
		"AOMAS_LOG_LEVEL=info", "AOMAS_ORT_LIB=" + ortLib}
	migrate := exec.CommandContext(ctx, bin, "migrate", "up") //nolint:gosec // the binary just built
	migrate.Env = append([]string{"PATH=" + os.Getenv("PATH")}, aomasEnv...)
	out, err := migrate.CombinedOutput()
	require.NoError(t, err, "migrate: %s", out)

	conn, err := db.Open(ctx, svc.DatabaseURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	store, err := storage.New(svc.S3)
	require.NoError(t, err)
	require.NoError(t, store.EnsureBucket(ctx))
	opt, err := redis.ParseURL(svc.RedisURL)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	// Accounts before the servers start, which load the policy then.
	policy, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	_, adminToken := testenv.Account(t, conn, policy, rbac.RoleAdmin, rbac.AllProjects)
	researcher, researcherToken := testenv.Account(t, conn, policy, rbac.RoleResearcher, rbac.AllProjects)
	volumes := make([]string, runs)
	for i := range volumes {
		volumes[i] = gid.Encode("Volume", testenv.PhantomVolume(t, conn, store, uint64(1000+i), 64, 2))
	}

	urls := make([]string, len(apiHosts))
	for i, h := range apiHosts {
		urls[i] = "http://" + h.addr + ":8080"
		start(t, "serve "+h.name, h, append([]string{"AOMAS_LISTEN=" + h.addr + ":8080", "AOMAS_DATA_DIR=" + t.TempDir()}, aomasEnv...),
			bin, "serve")
	}
	workers := make([]*proc, len(workHosts))
	workerIDs := make([]string, len(workHosts))
	hostname, _ := os.Hostname()
	for i, h := range workHosts {
		workers[i] = start(t, "worker "+h.name, h, aomasEnv, bin, "worker", "--concurrency", "2", "--no-tta",
			"--lease", lease.String(), "--janitor", janitor.String(), "--model-cache", filepath.Join(t.TempDir(), "models"))
		workerIDs[i] = fmt.Sprintf("%s:%d", hostname, workers[i].pid())
	}
	for _, u := range urls {
		waitUntil(t, "server "+u, 90*time.Second, func(ctx context.Context) error { return httpOK(ctx, u+"/readyz") })
	}
	for i, id := range workerIDs {
		waitUntil(t, "worker "+workHosts[i].name, 90*time.Second, func(ctx context.Context) error {
			require.False(t, workers[i].exited(), "worker %s exited", workHosts[i].name)
			return rdb.Get(ctx, jobs.WorkerKey(id)).Err()
		})
	}
	t.Logf("cluster up after %v: services on %s, servers %v, workers %v", time.Since(began).Round(time.Millisecond),
		svcHost.addr, urls, workerIDs)

	admins := []*client{newClient(urls[0], adminToken), newClient(urls[1], adminToken)}
	// Two runs are kept back: one starts through the second server while Redis is cut from
	// the first, one through the first once it has recovered.
	var ids []int64
	for i := range runs - 2 {
		id, err := admins[i%2].startRun(ctx, volumes[i])
		require.NoError(t, err, "start run %d through %s", i, admins[i%2].url)
		ids = append(ids, id)
	}
	t.Logf("%d runs started through both servers after %v", len(ids), time.Since(began).Round(time.Millisecond))

	// The worker loss: once some runs have finished and the second worker holds steps.
	lost, kept := workerIDs[1], workerIDs[0]
	var held []stepKey
	heldBy := func(ctx context.Context) error {
		held = nil // sqlx appends
		return conn.SelectContext(ctx, &held, `SELECT run_id, name FROM run_steps WHERE status = 'RUNNING' AND worker_id = $1`, lost)
	}
	var lostAt time.Time
	for attempt := 1; ; attempt++ {
		waitUntil(t, "the second worker holding steps mid-run", 5*time.Minute, func(ctx context.Context) error {
			var done int
			if err := conn.GetContext(ctx, &done, `SELECT count(*) FROM runs WHERE id = ANY($1) AND status = 'SUCCEEDED'`, pq.Array(ids)); err != nil {
				return err
			}
			if err := heldBy(ctx); err != nil {
				return err
			}
			if done < 1 || len(held) == 0 {
				return fmt.Errorf("%d runs finished, %d steps held by %s", done, len(held), lost)
			}
			return nil
		})
		lan.unplug(workHosts[1])
		lostAt = time.Now()
		// What it held a moment before may have finished since; what it holds now is what
		// it can no longer finish. When that is nothing, the loss tests nothing: again.
		require.NoError(t, heldBy(ctx))
		if len(held) > 0 {
			break
		}
		require.Less(t, attempt, 5, "the second worker finished all it held each time it was taken off the network")
		lan.plug(workHosts[1])
	}
	t.Logf("worker %s off the network at %v, holding %d steps: %v", lost, lostAt.Sub(began).Round(time.Millisecond), len(held), held)

	// The Redis cut, from the first server only.
	cut := redisCutFigures(t, lan, apiHosts[0], urls, admins[1], volumes[runs-2], &ids)
	id, err := admins[0].startRun(ctx, volumes[runs-1])
	require.NoError(t, err, "start a run through the first server after its Redis came back")
	ids = append(ids, id)

	grant, revoke := grantPropagation(t, urls, adminToken, researcherToken, researcher.Email)

	// Every run ends.
	deadline := time.Now().Add(time.Duration(runs)*6*time.Second + 2*time.Minute)
	for {
		var open int
		require.NoError(t, conn.GetContext(ctx, &open, `SELECT count(*) FROM runs WHERE id = ANY($1) AND status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELED')`, pq.Array(ids)))
		if open == 0 {
			break
		}
		require.False(t, workers[0].exited(), "the remaining worker exited")
		require.True(t, time.Now().Before(deadline), "%d of %d runs still open", open, len(ids))
		time.Sleep(200 * time.Millisecond)
	}
	allDone := time.Now()
	// The lost worker comes back; nothing it held may finish a second time.
	lan.plug(workHosts[1])
	time.Sleep(2*lease + 2*janitor)

	var statuses []struct {
		Status string
		N      int
	}
	require.NoError(t, conn.SelectContext(ctx, &statuses, `SELECT status, count(*) AS n FROM runs WHERE id = ANY($1) GROUP BY status`, pq.Array(ids)))
	require.Equal(t, []struct {
		Status string
		N      int
	}{{db.StatusSucceeded, len(ids)}}, statuses, "every run succeeds")
	var twice []string
	require.NoError(t, conn.SelectContext(ctx, &twice, `SELECT run_id || '/' || name || ': ' || completions FROM run_step_tasks
		WHERE run_id = ANY($1) AND completions <> 1`, pq.Array(ids)))
	require.Empty(t, twice, "every step completes exactly once")
	var late []string
	require.NoError(t, conn.SelectContext(ctx, &late, `SELECT run_id || '/' || name FROM run_steps
		WHERE run_id = ANY($1) AND worker_id = $2 AND finished_at > $3`, pq.Array(ids), lost, lostAt.Add(time.Second)))
	require.Empty(t, late, "nothing finishes on the worker that is off the network")
	for _, s := range held {
		var by string
		require.NoError(t, conn.GetContext(ctx, &by, `SELECT coalesce(worker_id, '') FROM run_steps WHERE run_id = $1 AND name = $2`, s.RunID, s.Name))
		require.Equal(t, kept, by, "step %s of run %d, held by the lost worker, finishes on the other", s.Name, s.RunID)
	}
	var after, takenOver int
	require.NoError(t, conn.GetContext(ctx, &after, `SELECT count(*) FROM runs WHERE id = ANY($1) AND finished_at > $2`, pq.Array(ids), lostAt))
	require.NoError(t, conn.GetContext(ctx, &takenOver, `SELECT count(*) FROM run_steps WHERE run_id = ANY($1) AND attempts > 1`, pq.Array(ids)))

	t.Logf("FIGURES runs=%d finished_after_worker_loss=%d steps_held_by_lost_worker=%d steps_with_more_than_one_attempt=%d "+
		"all_finished_after_loss=%v readyz_503_after=%v redis_recovery=%v other_server_requests_ok=%d grant_propagation=%v "+
		"revoke_propagation=%v wall=%v", len(ids), after, len(held), takenOver, allDone.Sub(lostAt).Round(time.Millisecond),
		cut.detect.Round(time.Millisecond), cut.recover.Round(time.Millisecond), cut.otherOK, grant.Round(time.Millisecond),
		revoke.Round(time.Millisecond), time.Since(began).Round(time.Second))
}

type stepKey struct {
	RunID int64 `db:"run_id"`
	Name  string
}

func (s stepKey) String() string { return fmt.Sprintf("%d/%s", s.RunID, s.Name) }

// cutFigures are what the Redis cut measured.
type cutFigures struct {
	// detect is how long after the cut the cut server's /readyz said 503; recover how long
	// after Redis came back it said 200.
	detect, recover time.Duration
	// otherOK counts the other server's answers during the cut (readyz, queues, a run started).
	otherOK int
}

// redisCutFigures cuts Redis from the server on h for redisCut: its /readyz must say 503,
// the other server must keep answering (and start a run on volume, appended to ids), and
// the cut server must come back to 200 by itself.
func redisCutFigures(t *testing.T, lan *network, h *host, urls []string, other *client, volume string, ids *[]int64) cutFigures {
	t.Helper()
	var f cutFigures
	lan.cutPort(h, 6379)
	cutAt := time.Now()
	startedOther := false
	for time.Since(cutAt) < redisCut {
		code := readyz(urls[0])
		require.Contains(t, []int{200, 503}, code, "the cut server's /readyz answers")
		if f.detect != 0 {
			require.Equal(t, 503, code, "the cut server's /readyz says 503 as long as the cut lasts")
		} else if code == 503 {
			f.detect = time.Since(cutAt)
		}
		require.Equal(t, 200, readyz(urls[1]), "the other server stays ready")
		// The queues are read from Redis: the other server still reaches it.
		require.NoError(t, other.do(context.Background(), `{ queues { name pending } }`, nil, nil), "the other server answers")
		f.otherOK += 2
		if !startedOther {
			id, err := other.startRun(context.Background(), volume)
			require.NoError(t, err, "start a run through the other server during the cut")
			*ids = append(*ids, id)
			startedOther = true
			f.otherOK++
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NotZero(t, f.detect, "the server cut from Redis said 503 on /readyz within %v", redisCut)
	lan.uncut(h)
	backAt := time.Now()
	for readyz(urls[0]) != 200 {
		require.Less(t, time.Since(backAt), time.Minute, "the server cut from Redis recovers by itself")
		time.Sleep(50 * time.Millisecond)
	}
	f.recover = time.Since(backAt)
	t.Logf("Redis cut from %s for %v: /readyz 503 after %v, 200 again %v after the cut ended; the other server answered %d times",
		h.name, redisCut, f.detect.Round(time.Millisecond), f.recover.Round(time.Millisecond), f.otherOK)
	return f
}

// grantPropagation grants a role through the first server and times until the second
// honours it, then revokes it through the second and times until the first does.
func grantPropagation(t *testing.T, urls []string, adminToken, userToken, email string) (grant, revoke time.Duration) {
	t.Helper()
	ctx := context.Background()
	probe := `{ queues { name } }`
	user := []*client{newClient(urls[0], userToken), newClient(urls[1], userToken)}
	for _, c := range user {
		require.Equal(t, "FORBIDDEN", c.code(ctx, probe, nil), "the researcher may not see the queues at %s", c.url)
	}
	change := func(url, mutation string) {
		in := map[string]any{"email": email, "role": rbac.RoleMLEngineer, "project": "default"}
		require.Empty(t, newClient(url, adminToken).code(ctx, mutation, map[string]any{"in": in}))
	}
	waitFor := func(c *client, allowed bool) time.Duration {
		start := time.Now()
		for time.Since(start) < 10*time.Second {
			code := c.code(ctx, probe, nil)
			require.False(t, isTransport(code), "%s", code)
			if (code == "") == allowed {
				return time.Since(start)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("%s did not honour the change within 10 s", c.url)
		return 0
	}
	change(urls[0], `mutation($in: RoleGrantInput!) { grantRole(input: $in) { role } }`)
	grant = waitFor(user[1], true)
	change(urls[1], `mutation($in: RoleGrantInput!) { revokeRole(input: $in) }`)
	revoke = waitFor(user[0], false)
	t.Logf("grant through %s honoured by %s after %v; revocation the other way after %v", urls[0], urls[1],
		grant.Round(time.Millisecond), revoke.Round(time.Millisecond))
	require.Less(t, grant, time.Second)
	require.Less(t, revoke, time.Second)
	return grant, revoke
}
