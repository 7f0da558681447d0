package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/testenv"
)

type cliResult struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	var err error
	if args[0] == "user" {
		err = userCommand(strings.NewReader(stdin))(context.Background(), args[1:], getenv, &stdout, &stderr)
	} else {
		err = run(context.Background(), args, getenv, &stdout, &stderr)
	}
	return cliResult{code: exitCode(err, &stderr), stdout: stdout.String(), stderr: stderr.String()}
}

func TestIdentityCommands(t *testing.T) {
	ctx := context.Background()
	dbURL := testenv.DatabaseURL(t)
	_, redisURL := testenv.Redis(t)
	env := map[string]string{"AOMAS_DATABASE_URL": dbURL, "AOMAS_REDIS_URL": redisURL, "USER": "tester"}
	require.Equal(t, 0, runCLI(t, env, "", "migrate", "up").code)

	steps := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"admin with a password", "a long enough secret\n", []string{"user", "create", "--email", "ana@clinic.example", "--role", "admin", "--project", "eyes", "--password-stdin"},
			0, "created user 1 ana@clinic.example: admin in project eyes", ""},
		{"labeler without one", "", []string{"user", "create", "--email", "lab@clinic.example", "--role", "labeler", "--project", "eyes", "--name", "Lab"},
			0, "created user 2 lab@clinic.example: labeler in project eyes", ""},
		{"scanner", "", []string{"user", "create", "--email", "scanner-1@clinic.example", "--role", "scanner", "--project", "eyes"}, 0, "created user 3", ""},
		{"unknown role", "", []string{"user", "create", "--email", "x@clinic.example", "--role", "owner"}, 2, "", `role "owner" is not one of admin`},
		{"missing email", "", []string{"user", "create", "--role", "tech"}, 2, "", "--email and --role are required"},
		{"short password", "short\n", []string{"user", "create", "--email", "y@clinic.example", "--role", "tech", "--password-stdin"}, 2, "", "password must be"},
		{"duplicate", "", []string{"user", "create", "--email", "ANA@clinic.example", "--role", "tech"}, 1, "", "exists"},
		{"no subcommand", "", []string{"user"}, 2, "", "want create, list or disable"},
		{"last admin cannot be disabled", "", []string{"user", "disable", "--email", "ana@clinic.example"}, 1, "", "without an admin: eyes"},
		{"list", "", []string{"user", "list"}, 0, "lab@clinic.example", ""},
	}
	for _, s := range steps {
		r := runCLI(t, env, s.stdin, s.args...)
		require.Equal(t, s.wantCode, r.code, "%s: stderr %s", s.name, r.stderr)
		require.Contains(t, r.stdout, s.wantOut, s.name)
		require.Contains(t, r.stderr, s.wantErr, s.name)
	}
	list := runCLI(t, env, "", "user", "list").stdout
	require.Regexp(t, `(?m)^1\s+ana@clinic\.example\s+active\s+yes\s+admin@eyes$`, list)
	require.Regexp(t, `(?m)^2\s+lab@clinic\.example\s+Lab\s+active\s+no\s+labeler@eyes$`, list)

	conn, err := db.Open(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close()
	acc, err := auth.NewAccounts(conn, auth.AccountsConfig{})
	require.NoError(t, err)
	p, err := acc.Login(ctx, "ana@clinic.example", "a long enough secret", "192.0.2.1")
	require.NoError(t, err)
	require.EqualValues(t, 1, p.UserID)

	// token create prints the token and nothing else on stdout.
	r := runCLI(t, env, "", "token", "create", "--email", "lab@clinic.example", "--project", "eyes", "--ttl", "7d", "--name", "nb")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, regexp.MustCompile(`^aomas_[A-Za-z0-9_-]{43}\n$`), r.stdout)
	require.Contains(t, r.stderr, "shown only now")
	toks := auth.NewTokens(conn, auth.TokensConfig{})
	tokenRaw := strings.TrimSpace(r.stdout)
	tp, err := toks.Authenticate(ctx, tokenRaw)
	require.NoError(t, err)
	require.Equal(t, "eyes", tp.Project)
	require.EqualValues(t, 2, tp.UserID)
	r2 := runCLI(t, env, "", "token", "create", "--email", "lab@clinic.example", "--project", "retina")
	require.Equal(t, 0, r2.code)
	require.Contains(t, r2.stderr, "holds no role in project retina")
	for _, bad := range [][]string{{"token", "create", "--email", "lab@clinic.example", "--ttl", "forever"}, {"token", "create"}, {"token"}} {
		require.Equal(t, 2, runCLI(t, env, "", bad...).code, bad)
	}

	// token list shows the tokens, never a secret; token revoke ends one at once and tells
	// running servers (over Redis).
	r = runCLI(t, env, "", "token", "list", "--email", "lab@clinic.example")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, fmt.Sprintf(`(?m)^%d\s+lab@clinic\.example\s+eyes\s+nb\s+aomas_\S+…\s+valid\s`, tp.TokenID), r.stdout)
	require.NotContains(t, r.stdout, tokenRaw)
	ropt, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	ends, err := auth.NewEnds(ctx, rdb, nil)
	require.NoError(t, err)
	defer ends.Close()
	ended := make(chan struct{})
	ends.Track(ctx, tp, func() { close(ended) })
	r = runCLI(t, env, "", "token", "revoke", "--id", fmt.Sprint(tp.TokenID))
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, fmt.Sprintf("revoked token %d", tp.TokenID))
	_, err = toks.Authenticate(ctx, tokenRaw)
	require.ErrorIs(t, err, auth.ErrTokenRevoked)
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("a server's socket with the token did not hear of the revocation")
	}
	require.Regexp(t, fmt.Sprintf(`(?m)^%d\s.*\srevoked `, tp.TokenID), runCLI(t, env, "", "token", "list", "--project", "eyes").stdout)
	require.Equal(t, 1, runCLI(t, env, "", "token", "revoke", "--id", fmt.Sprint(tp.TokenID)).code, "revoked already")
	require.Equal(t, 2, runCLI(t, env, "", "token", "revoke").code)

	// Disabling takes the roles and stops the token.
	r = runCLI(t, env, "", "user", "disable", "--email", "lab@clinic.example")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "roles revoked: labeler@eyes")
	_, err = toks.Authenticate(ctx, strings.TrimSpace(runCLI(t, env, "", "token", "create", "--email", "scanner-1@clinic.example", "--project", "eyes").stdout))
	require.NoError(t, err)
	_, err = toks.Authenticate(ctx, strings.TrimSpace(r2.stdout))
	require.ErrorIs(t, err, auth.ErrDisabled)
	require.Contains(t, runCLI(t, env, "", "user", "list").stdout, "disabled")

	// Every change is on the audit log, and the chain holds…
	r = runCLI(t, env, "", "audit", "verify")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "audit log intact: 8 entries\n", r.stdout)

	// …until a superuser edits one entry behind the trigger's back.
	tx := conn.MustBegin()
	tx.MustExec(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`)
	tx.MustExec(`UPDATE audit_log SET actor = 'cli:nobody' WHERE id = 4`)
	tx.MustExec(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`)
	require.NoError(t, tx.Commit())
	r = runCLI(t, env, "", "audit", "verify")
	require.Equal(t, 1, r.code)
	require.Equal(t, "audit log BROKEN at entry 4 (4 entries checked)\n", r.stdout)
	require.Contains(t, r.stderr, "audit chain broken at entry 4: its contents do not match its hash")
	require.Equal(t, 2, runCLI(t, env, "", "audit").code)
}

func TestParseTTL(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"90d", "2160h0m0s", true}, {"36h", "36h0m0s", true}, {"1d", "24h0m0s", true},
		{"0d", "", false}, {"-1h", "", false}, {"d", "", false}, {"soon", "", false},
	}
	for _, c := range cases {
		d, err := parseTTL(c.in)
		if !c.ok {
			require.Error(t, err, c.in)
			continue
		}
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, d.String())
	}
}
