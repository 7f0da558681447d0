package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is the load test's settings, each from a LOAD_* variable.
type config struct {
	Bin string // LOAD_BIN: the aomas binary
	Out string // LOAD_OUT: where report.md, load.png and samples.csv go

	Duration     time.Duration // LOAD_DURATION: how long the soak phase drives the system
	Analysts     int           // LOAD_ANALYSTS: analysts paging cohorts and metrics
	Scanners     int           // LOAD_SCANNERS: scanners uploading volumes
	Runs         int           // LOAD_RUNS: runs started during the soak, evenly spread
	Workers      int           // LOAD_WORKERS: worker processes during the soak
	Concurrency  int           // LOAD_CONCURRENCY: each worker's --concurrency
	Cases        int           // LOAD_CASES: cases made before the soak (scanners add more)
	Think        time.Duration // LOAD_THINK: an analyst's mean pause between requests
	UploadEvery  time.Duration // LOAD_UPLOAD_EVERY: a scanner's mean pause between uploads
	Edge         int           // LOAD_EDGE: phantom volume side in pixels
	Frames       int           // LOAD_FRAMES: phantom volume frames
	Sample       time.Duration // LOAD_SAMPLE: how often RSS, connections and queues are read
	Settle       time.Duration // LOAD_SETTLE: how long the soak's runs may take to finish after it
	DrainRuns    int           // LOAD_DRAIN_RUNS: runs each throughput phase drains
	DrainWorkers []int         // LOAD_DRAIN_WORKERS: worker processes of each throughput phase, e.g. 1,2,4
	Keep         bool          // LOAD_KEEP=1: keep the database and bucket afterwards
	Quick        bool          // LOAD_QUICK=1: the short defaults
}

// loadConfig reads the LOAD_* variables over the defaults (the short ones with LOAD_QUICK=1).
func loadConfig(getenv func(string) string) (config, error) {
	c := config{Bin: ".local/load/aomas", Out: ".local/load", Duration: 10 * time.Minute, Analysts: 50, Scanners: 10, Runs: 500,
		Workers: 2, Concurrency: 4, Cases: 40, Think: time.Second, UploadEvery: 6 * time.Second, Edge: 64, Frames: 2,
		Sample: 2 * time.Second, Settle: 10 * time.Minute, DrainRuns: 100, DrainWorkers: []int{1, 2, 4}}
	if getenv("LOAD_QUICK") == "1" {
		c.Quick = true
		c.Duration, c.Analysts, c.Scanners, c.Runs, c.Cases, c.DrainRuns, c.Settle = time.Minute, 10, 3, 40, 12, 24, 3*time.Minute
	}
	c.Keep = getenv("LOAD_KEEP") == "1"
	var errs []error
	str := func(name string, p *string) {
		if v := getenv(name); v != "" {
			*p = v
		}
	}
	num := func(name string, p *int, lo int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo {
				errs = append(errs, fmt.Errorf("%s: %q is not a whole number of at least %d", name, v, lo))
				return
			}
			*p = n
		}
	}
	dur := func(name string, p *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive duration (10m, 90s)", name, v))
				return
			}
			*p = d
		}
	}
	str("LOAD_BIN", &c.Bin)
	str("LOAD_OUT", &c.Out)
	dur("LOAD_DURATION", &c.Duration)
	num("LOAD_ANALYSTS", &c.Analysts, 0)
	num("LOAD_SCANNERS", &c.Scanners, 1)
	num("LOAD_RUNS", &c.Runs, 0)
	num("LOAD_WORKERS", &c.Workers, 1)
	num("LOAD_CONCURRENCY", &c.Concurrency, 1)
	num("LOAD_CASES", &c.Cases, 1)
	dur("LOAD_THINK", &c.Think)
	dur("LOAD_UPLOAD_EVERY", &c.UploadEvery)
	num("LOAD_EDGE", &c.Edge, 32)
	num("LOAD_FRAMES", &c.Frames, 1)
	dur("LOAD_SAMPLE", &c.Sample)
	dur("LOAD_SETTLE", &c.Settle)
	num("LOAD_DRAIN_RUNS", &c.DrainRuns, 0)
	if v := getenv("LOAD_DRAIN_WORKERS"); v != "" {
		c.DrainWorkers = nil
		for f := range strings.SplitSeq(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				errs = append(errs, fmt.Errorf("LOAD_DRAIN_WORKERS: %q is not a list of worker counts (1,2,4)", v))
				break
			}
			c.DrainWorkers = append(c.DrainWorkers, n)
		}
		slices.Sort(c.DrainWorkers)
	}
	return c, errors.Join(errs...)
}
