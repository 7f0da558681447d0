// Command load is the load and soak test of issue 19 (`make load`, not part of `make test`).
// Against the local PostgreSQL, Redis and MinIO, in a database, Redis database and bucket of
// its own (the demo's data is never touched), it starts `aomas serve` and worker processes of
// the given binary and drives them for a while: analysts paging cohorts and metrics (cases,
// metrics, metricTable, a case's runs), scanners uploading small phantom volumes through
// uploadVolume with scanner tokens, and a technician starting runs on what was uploaded. It
// records each operation's p50/p99 latency and errors, every process's resident memory, the
// database's connections and the queue depth over time; then, with no load, it times how
// fast 1, 2 and 4 worker processes drain the same number of runs. It writes report.md, a
// PNG plot and the samples as CSV.
//
// Every setting is an environment variable (LOAD_DURATION, LOAD_ANALYSTS, …; see
// loadConfig); LOAD_QUICK=1 is a short run for checking the tool itself.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(mainCode())
}

func mainCode() int {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	return 0
}
