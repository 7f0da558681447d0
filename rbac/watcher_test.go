package rbac_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/rbac/internal/probe"
)

// TestMain lets the test binary act as a probe replica (see probe.Run) when re-executed
// by TestPolicyReachesAnotherProcess.
func TestMain(m *testing.M) {
	if os.Getenv("AOMAS_RBAC_PROBE") == "1" {
		if err := probe.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func channel(t *testing.T) string {
	// Pub/sub channels are shared by every Redis database: each test takes its own.
	return fmt.Sprintf("aomas:test:rbac:%s:%d", t.Name(), time.Now().UnixNano())
}

// waitAllowed polls ask until it answers true and returns how long that took.
func waitAllowed(t *testing.T, ask func() bool) time.Duration {
	t.Helper()
	return waitAllowedWithin(t, 5*time.Second, ask)
}

func waitAllowedWithin(t *testing.T, limit time.Duration, ask func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ask() {
		if time.Since(start) > limit {
			t.Fatalf("change did not arrive within %v", limit)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

func TestPolicyReachesAnotherEnforcer(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	rc, _ := testenv.Redis(t)
	ch := channel(t)
	var es [2]*rbac.Enforcer
	for i := range es {
		e, err := rbac.New(ctx, conn, nil)
		require.NoError(t, err)
		w, err := rbac.NewWatcher(ctx, rc, ch)
		require.NoError(t, err)
		t.Cleanup(w.Close)
		require.NoError(t, e.SetWatcher(w))
		es[i] = e
	}
	a, b := es[0], es[1]
	sub := rbac.UserSubject(7)
	ask := func() bool {
		ok, err := b.Allowed(ctx, sub, "eyes", "Query.cases", rbac.ActRead)
		require.NoError(t, err)
		return ok
	}
	require.False(t, ask())
	require.NoError(t, a.GrantRole(ctx, rbac.UserSubject(1), rbac.RoleAdmin, "eyes"))

	var worst time.Duration
	for round := 0; round < 5; round++ {
		require.NoError(t, a.GrantRole(ctx, sub, rbac.RoleResearcher, "eyes"))
		d := waitAllowed(t, ask)
		require.NoError(t, a.RevokeRole(ctx, sub, rbac.RoleResearcher, "eyes"))
		d2 := waitAllowed(t, func() bool { return !ask() })
		worst = max(worst, d, d2)
	}
	t.Logf("policy change reached the other enforcer within %v (worst of 10 changes)", worst)
	require.Less(t, worst, time.Second)
}

type probeProc struct {
	in  io.WriteCloser
	out *bufio.Scanner
}

func (p *probeProc) do(t *testing.T, cmd string) string {
	t.Helper()
	_, err := fmt.Fprintln(p.in, cmd)
	require.NoError(t, err)
	require.True(t, p.out.Scan(), "probe ended: %v", p.out.Err())
	return p.out.Text()
}

func startProbe(t *testing.T, dbURL, redisURL, ch string) *probeProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-database-url", dbURL, "-redis-url", redisURL, "-channel", ch)
	cmd.Env = append(os.Environ(), "AOMAS_RBAC_PROBE=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	p := &probeProc{in: in, out: bufio.NewScanner(out)}
	require.True(t, p.out.Scan(), "probe did not start")
	require.Equal(t, "ready", p.out.Text())
	return p
}

func TestPolicyReachesAnotherProcess(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	_, redisURL := testenv.Redis(t)
	migrate(t, dbURL)
	ch := channel(t)
	a := startProbe(t, dbURL, redisURL, ch)
	b := startProbe(t, dbURL, redisURL, ch)
	require.Equal(t, "ok", a.do(t, "grant user:1 admin eyes"))

	var worst time.Duration
	for round := 0; round < 3; round++ {
		require.Equal(t, "ok", a.do(t, "grant user:5 labeler eyes"))
		d := waitAllowed(t, func() bool { return b.do(t, "allowed user:5 eyes Case.subject read") == "true" })
		require.Equal(t, "false", b.do(t, "allowed user:5 eyes SubjectIdentity.patientId read"))
		require.Equal(t, "ok", b.do(t, "revoke user:5 labeler eyes"))
		d2 := waitAllowed(t, func() bool { return a.do(t, "allowed user:5 eyes Case.subject read") == "false" })
		worst = max(worst, d, d2)
	}
	require.True(t, strings.HasPrefix(b.do(t, "revoke user:1 admin eyes"), "error: "), "last admin refused across processes")
	t.Logf("policy change reached the other process within %v (worst of 6 changes, both directions)", worst)
	require.Less(t, worst, time.Second)
}

func migrate(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Open(ctx, url)
	require.NoError(t, err)
	defer conn.Close()
	m, err := db.NewMigrator(conn.DB)
	require.NoError(t, err)
	_, err = m.Up(ctx)
	require.NoError(t, err)
}

func TestWatcherCatchesUpAfterRedisRestart(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	r := testenv.StartRedis(t)
	opt, err := redis.ParseURL(r.URL)
	require.NoError(t, err)
	var es [2]*rbac.Enforcer
	for i := range es {
		rc := redis.NewClient(opt)
		t.Cleanup(func() { _ = rc.Close() })
		e, err := rbac.New(ctx, conn, nil)
		require.NoError(t, err)
		w, err := rbac.NewWatcher(ctx, rc, rbac.DefaultChannel)
		require.NoError(t, err)
		t.Cleanup(w.Close)
		require.NoError(t, e.SetWatcher(w))
		es[i] = e
	}
	a, b := es[0], es[1]
	r.Stop()
	// Stored while nobody can hear: the grant succeeds, its announcement is lost.
	require.NoError(t, a.GrantRole(ctx, "user:9", rbac.RoleTech, "eyes"))
	r.Start()
	d := waitAllowedWithin(t, 20*time.Second, func() bool {
		ok, err := b.Allowed(ctx, "user:9", "eyes", "SubjectIdentity.sex", rbac.ActRead)
		require.NoError(t, err)
		return ok
	})
	t.Logf("after a Redis restart the other enforcer had the change %v after Redis was back", d)
	// And announcements flow again.
	require.NoError(t, a.RevokeRole(ctx, "user:9", rbac.RoleTech, "eyes"))
	d = waitAllowedWithin(t, 5*time.Second, func() bool {
		ok, err := b.Allowed(ctx, "user:9", "eyes", "SubjectIdentity.sex", rbac.ActRead)
		require.NoError(t, err)
		return !ok
	})
	require.Less(t, d, time.Second)
}

func TestReloadEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn := testenv.Postgres(t)
	e, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	go e.ReloadEvery(ctx, 50*time.Millisecond)
	// A change written behind the enforcer's back (another tool, a restore) still arrives.
	_, err = conn.Exec(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:4', 'labeler', 'eyes')`)
	require.NoError(t, err)
	waitAllowedWithin(t, 5*time.Second, func() bool {
		ok, err := e.Allowed(ctx, "user:4", "eyes", "Case.eye", rbac.ActRead)
		require.NoError(t, err)
		return ok
	})
}
