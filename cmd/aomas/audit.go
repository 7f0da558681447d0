package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/audit"
)

// runAudit is `aomas audit verify`: it walks the audit log's hash chain and exits 1 naming
// the first entry whose link does not hold.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: aomas audit verify")
		return &exitError{code: 2, err: errors.New("audit: want verify")}
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs, needDB)
	if err := fs.Parse(args[1:]); err != nil {
		return &exitError{code: 2}
	}
	if fs.NArg() != 0 {
		return usageErr("audit verify: unexpected argument %q", fs.Arg(0))
	}
	c, err := cf.load(getenv)
	if err != nil {
		return err
	}
	conn, err := db.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	res, err := audit.Check(ctx, conn)
	if err != nil {
		return err
	}
	if res.FirstBad != 0 {
		fmt.Fprintf(stdout, "audit log BROKEN at entry %d (%d entries checked)\n", res.FirstBad, res.Entries)
		return &exitError{code: 1, err: fmt.Errorf("audit: %w at entry %d: %s", audit.ErrBroken, res.FirstBad, res.Reason)}
	}
	_, err = fmt.Fprintf(stdout, "audit log intact: %d entries\n", res.Entries)
	return err
}
