// Package probe is a stand-in for an `aomas serve` replica in tests of policy propagation:
// one process, one enforcer, one watcher, driven line by line on stdin.
package probe

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/rbac"
)

// Run serves commands from in until it ends, one answer line per command:
//
//	grant SUBJECT ROLE PROJECT   -> ok | error: …
//	revoke SUBJECT ROLE PROJECT  -> ok | error: …
//	allowed SUBJECT PROJECT OBJ ACT -> true | false | error: …
//
// It prints "ready" once its watcher is subscribed.
func Run(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("rbacprobe", flag.ContinueOnError)
	dbURL := fs.String("database-url", "", "PostgreSQL URL")
	redisURL := fs.String("redis-url", "", "Redis URL")
	channel := fs.String("channel", rbac.DefaultChannel, "pub/sub channel")
	if err := fs.Parse(args); err != nil {
		return err
	}
	conn, err := db.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	opt, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("redis url: %w", err)
	}
	rc := redis.NewClient(opt)
	defer func() { _ = rc.Close() }()
	e, err := rbac.New(ctx, conn, nil)
	if err != nil {
		return err
	}
	w, err := rbac.NewWatcher(ctx, rc, *channel)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := e.SetWatcher(w); err != nil {
		return err
	}
	fmt.Fprintln(out, "ready")
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var answer string
		switch {
		case len(f) == 4 && f[0] == "grant":
			answer = okOr(e.GrantRole(ctx, f[1], f[2], f[3]))
		case len(f) == 4 && f[0] == "revoke":
			answer = okOr(e.RevokeRole(ctx, f[1], f[2], f[3]))
		case len(f) == 5 && f[0] == "allowed":
			ok, err := e.Allowed(ctx, f[1], f[2], f[3], f[4])
			answer = fmt.Sprint(ok)
			if err != nil {
				answer = "error: " + err.Error()
			}
		default:
			answer = "error: unknown command"
		}
		fmt.Fprintln(out, answer)
	}
	return sc.Err()
}

func okOr(err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}
