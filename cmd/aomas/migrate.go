package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/aomas/aomas/db"
)

// migrateFlags are the migrate command's flags; the tests parse the deployments' command
// lines (docker-compose.yml, the Helm chart's hook) with the same set.
type migrateFlags struct {
	fs   *flag.FlagSet
	cf   *configFlags
	wait *time.Duration
}

func newMigrateFlags(stderr io.Writer) *migrateFlags {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aomas migrate [flags] up|down|status")
		fs.PrintDefaults()
	}
	return &migrateFlags{fs: fs, cf: newConfigFlags(fs, needDB),
		wait: fs.Duration("wait", 30*time.Second, "how long to wait for PostgreSQL")}
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newMigrateFlags(stderr)
	fs, cf, wait := f.fs, f.cf, f.wait
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("migrate: want exactly one of up, down, status")}
	}
	c, err := cf.load(getenv)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	var conn interface{ Close() error }
	var m *db.Migrator
	if err := retry(wctx, c.logger(stderr), "postgres", func() error {
		d, err := db.Open(wctx, c.DatabaseURL)
		if err != nil {
			return err
		}
		conn = d
		m, err = db.NewMigrator(d.DB)
		return err
	}); err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	switch fs.Arg(0) {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return err
		}
		v, err := m.Version(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s); schema version %d\n", n, v)
	case "down":
		if err := m.Down(ctx); err != nil {
			return err
		}
		v, err := m.Version(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back one migration; schema version %d\n", v)
	case "status":
		return m.WriteStatus(ctx, stdout)
	default:
		fs.Usage()
		return &exitError{code: 2, err: fmt.Errorf("migrate: unknown action %q", fs.Arg(0))}
	}
	return nil
}
