// Command aomas is the AO-OCT Microstructure Analytics System: one binary whose
// subcommands are the server, the pipeline worker, the migrator and offline tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "unknown"
)

// commandFunc runs one subcommand. getenv is os.Getenv in production and a map in tests.
type commandFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

type command struct {
	run     commandFunc
	summary string
}

func commands() map[string]command {
	cmds := map[string]command{
		"serve":   {runServe, "serve GraphQL, the SPA, health and metrics"},
		"worker":  {runWorker, "consume pipeline tasks from Redis"},
		"migrate": {runMigrate, "apply or roll back database migrations (up|down|status)"},
		"version": {runVersion, "print the version"},
		"user":    {userCommand(os.Stdin), "create, list or disable accounts (create|list|disable)"},
		"dataset": {runDataset, "bring images with manual cone marks in as an evaluation dataset (import)"},
		"labels":  {runLabels, "bring AO coordinate files (_coords.csv, _manualcoord.txt) in as label versions (import)"},
		"model":   {runModel, "register an ONNX file and its card as a CANDIDATE model version (register)"},
		"token":   {runToken, "create, list and revoke personal API tokens (create prints the token once)"},
		"audit":   {runAudit, "walk the audit log's hash chain (verify)"},
	}
	for name, c := range toolCommands() {
		cmds[name] = c
	}
	return cmds
}

// offline adapts a command that needs no environment.
func offline(f func(ctx context.Context, args []string, stdout, stderr io.Writer) error) commandFunc {
	return func(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
		return f(ctx, args, stdout, stderr)
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return errExit(2)
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return &exitError{code: 2, err: fmt.Errorf("unknown command %q", args[0])}
	}
	return c.run(ctx, args[1:], getenv, stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: aomas COMMAND [flags]   (aomas COMMAND -h for its flags)")
	fmt.Fprintln(w, "commands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
}

// exitCode prints err (once, on one line) and picks the process's exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "aomas:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "aomas:", err)
	return 1
}

func runVersion(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	_, err := fmt.Fprintf(stdout, "aomas %s (commit %s)\n", version, commit)
	return err
}
