package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

// runMainEnv makes the test binary act as `aomas` itself, so that a test can start real
// server processes of the code under test.
const runMainEnv = "AOMAS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := exitCode(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr), os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs `aomas serve` as a separate process and waits until it is ready.
func startServer(t *testing.T, env []string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "serve")
	var logs testenv.LogBuffer
	cmd.Env = append(os.Environ(), append(env, runMainEnv+"=1", "AOMAS_LISTEN="+addr, "AOMAS_DATA_DIR="+t.TempDir())...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server %s log:\n%s", addr, logs.String())
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %s not ready in 60 s:\n%s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// code returns the first error code of q at url as the token's holder, "" for none.
func queryCode(t *testing.T, url, token, q string, vars map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var r struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	if len(r.Errors) == 0 {
		return ""
	}
	return fmt.Sprint(r.Errors[0].Extensions["code"])
}

// TestPolicyChangeReachesAnotherServerProcess: two `aomas serve` processes share the
// database and Redis; a role granted through one is honoured by the other within a
// second, and so is its revocation the other way round.
func TestPolicyChangeReachesAnotherServerProcess(t *testing.T) {
	ctx := context.Background()
	dbURL := testenv.DatabaseURL(t)
	_, redisURL := testenv.Redis(t)
	store := testenv.Store(t)
	s3 := testenv.S3Config(t)
	env := []string{"AOMAS_DATABASE_URL=" + dbURL, "AOMAS_REDIS_URL=" + redisURL, "AOMAS_S3_ENDPOINT=" + s3.Endpoint,
		"AOMAS_S3_ACCESS_KEY=" + s3.AccessKey, "AOMAS_S3_SECRET_KEY=" + s3.SecretKey, "AOMAS_S3_BUCKET=" + store.Bucket(),
		"AOMAS_SUBJECT_KEY=replica-test-subject-key", "AOMAS_LOG_LEVEL=warn"}
	require.Equal(t, 0, runCLI(t, map[string]string{"AOMAS_DATABASE_URL": dbURL}, "", "migrate", "up").code)

	conn, err := db.Open(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close()
	policy, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	_, adminToken := testenv.Account(t, conn, policy, rbac.RoleAdmin, rbac.AllProjects)
	researcher, researcherToken := testenv.Account(t, conn, policy, rbac.RoleResearcher, rbac.AllProjects)

	a := startServer(t, env)
	b := startServer(t, env)
	// The queues are the ML engineer's and not the researcher's.
	probe := `{ queues { name } }`
	require.Equal(t, "FORBIDDEN", queryCode(t, a, researcherToken, probe, nil))
	require.Equal(t, "FORBIDDEN", queryCode(t, b, researcherToken, probe, nil))

	grant := func(url, mutation string) time.Time {
		in := map[string]any{"email": researcher.Email, "role": rbac.RoleMLEngineer, "project": "default"}
		require.Empty(t, queryCode(t, url, adminToken, mutation, map[string]any{"in": in}))
		return time.Now()
	}
	waitFor := func(url, want string) time.Duration {
		start := time.Now()
		for time.Since(start) < 10*time.Second {
			got := queryCode(t, url, researcherToken, probe, nil)
			if (want == "FORBIDDEN") == (got == "FORBIDDEN") {
				return time.Since(start)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%s never answered %q", url, want)
		return 0
	}
	at := grant(a, `mutation($in: RoleGrantInput!) { grantRole(input: $in) { role } }`)
	seen := waitFor(b, "allowed")
	t.Logf("grant through server A honoured by server B after %v (measured from A's answer)", seen.Round(time.Millisecond))
	require.Less(t, time.Since(at), 10*time.Second)
	require.Less(t, seen, time.Second)

	grant(b, `mutation($in: RoleGrantInput!) { revokeRole(input: $in) }`)
	seen = waitFor(a, "FORBIDDEN")
	t.Logf("revocation through server B honoured by server A after %v", seen.Round(time.Millisecond))
	require.Less(t, seen, time.Second)
}
