package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// memRow is one process's memory over the soak.
type memRow struct {
	Name                  string
	Start, Peak, MeanLate float64 // MiB
	Slope                 float64 // MiB a minute over the soak's second half, every sample
	TroughSlope           float64 // the same through each trough window's lowest sample
	Change                float64 // TroughSlope × the second half's length, MiB
	Grows                 bool
}

// troughWindow is how long a window memory's trough is taken over: a Go process's RSS is a
// saw-tooth between collections, and what a leak raises is its floor.
const troughWindow = 30.0 // seconds

// memory sums up each process's RSS over the soak. Growth is judged on the second half
// (after warm-up), as the least-squares slope of the lowest RSS of each 30 s window: more
// than 5% of the mean (and at least 4 MiB) over that half counts as growth.
func memory(r *result) []memRow {
	mid := (r.SoakFrom + r.SoakTo) / 2
	names := map[string]bool{}
	for _, s := range r.Samples {
		for n := range s.RSS {
			names[n] = true
		}
	}
	var out []memRow
	for n := range names {
		row := memRow{Name: n, Start: math.NaN()}
		var xs, ys []float64
		troughs := map[int]float64{}
		for _, s := range r.Samples {
			v, ok := s.RSS[n]
			if !ok || s.T < r.SoakFrom || s.T > r.SoakTo {
				continue
			}
			if math.IsNaN(row.Start) {
				row.Start = v
			}
			row.Peak = max(row.Peak, v)
			if s.T >= mid {
				xs, ys = append(xs, s.T/60), append(ys, v)
				w := int((s.T - mid) / troughWindow)
				if t, ok := troughs[w]; !ok || v < t {
					troughs[w] = v
				}
			}
		}
		if len(ys) == 0 {
			continue
		}
		var sum float64
		for _, v := range ys {
			sum += v
		}
		row.MeanLate = sum / float64(len(ys))
		row.Slope = slope(xs, ys)
		var tx, ty []float64
		for w := range len(troughs) + 1 {
			if t, ok := troughs[w]; ok {
				tx, ty = append(tx, (mid+(float64(w)+0.5)*troughWindow)/60), append(ty, t)
			}
		}
		row.TroughSlope = slope(tx, ty)
		row.Change = row.TroughSlope * (xs[len(xs)-1] - xs[0])
		row.Grows = row.Change > max(4, 0.05*row.MeanLate)
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b memRow) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func writeOutputs(r *result) error {
	if err := writeCSV(r); err != nil {
		return err
	}
	if err := plotPNG(r, filepath.Join(r.Cfg.Out, "load.png")); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	md := report(r)
	if err := os.WriteFile(filepath.Join(r.Cfg.Out, "report.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// report is the markdown of the run.
func report(r *result) string {
	c := r.Cfg
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Load and soak (issue 19)\n\n")
	p("Run %s, soak %v%s. Machine: %d CPUs, shared with other work (load average %s at the start, %s at the end); "+
		"the load tool and every aomas process at nice %s. Against loopback: the local PostgreSQL (database `%s`), Redis (a leased database) "+
		"and MinIO (bucket `%s`) of .local/services.env.\n\n",
		r.Started.Format("2006-01-02 15:04 UTC"), c.Duration, map[bool]string{true: " (quick mode)", false: ""}[c.Quick],
		r.NumCPU, r.LoadAvg[0], r.LoadAvg[1], niceness(), dbName, bucket)
	p("Load: %d analysts (researcher tokens) paging a cohort's cases, its metrics of one name and the analyst's table (up to 3 pages each) "+
		"or opening a case, about %v apart; %d scanners (scanner tokens) uploading %d×%d×%d uint16 phantom stacks through uploadVolume about every %v "+
		"(and a case of their own every tenth time); %d runs started evenly over the soak (a third batch) on what was uploaded; "+
		"`aomas serve` and %d worker processes (concurrency %d each).\n\n",
		c.Analysts, c.Think, c.Scanners, c.Frames, c.Edge, c.Edge, c.UploadEvery, c.Runs, c.Workers, c.Concurrency)

	p("## Operations (soak)\n\n| operation | calls | errors | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n")
	errs := 0
	for _, o := range r.Ops {
		p("| %s | %d | %d | %s | %s | %s |\n", o.Op, o.Count, o.Errors, ms(o.P50), ms(o.P99), ms(o.Max))
		errs += o.Errors
	}
	rs := r.Runs
	failed := rs.ByStatus["FAILED"] + rs.ByStatus["CANCELED"]
	p("| run: startRun → SUCCEEDED | %d | %d | %.0f | %.0f | %.0f |\n\n", rs.ByStatus["SUCCEEDED"], failed+rs.Unfinished,
		rs.P50*1000, rs.P99*1000, rs.Max*1000)
	p("Errors: %d request errors (target 0); runs started %d of %d, %d succeeded, %d failed or canceled, %d unfinished after the settle.\n",
		errs, rs.Started, rs.Asked, rs.ByStatus["SUCCEEDED"], failed, rs.Unfinished)
	for _, o := range r.Ops {
		for _, e := range o.FirstErrors {
			p("- %s: %s\n", o.Op, e)
		}
	}
	for _, e := range rs.FirstErrors {
		p("- run step: %s\n", e)
	}

	p("\n## Resident memory (MiB, sampled every %v)\n\nGrowth is judged after warm-up, on the soak's second half. A Go process's RSS is a saw-tooth "+
		"between collections, so the verdict follows its floor: the least-squares slope through the lowest sample of each %.0f s window, and what it adds up "+
		"to over that half (growth: more than 5%% of the mean and 4 MiB). The slope through every sample is shown beside it.\n\n"+
		"| process | soak start | peak | mean, 2nd half | slope, every sample (MiB/min) | slope of the floor (MiB/min) | floor's change over 2nd half | verdict |\n"+
		"|---|---:|---:|---:|---:|---:|---:|---|\n", c.Sample, troughWindow)
	for _, m := range memory(r) {
		v := "flat"
		if m.Grows {
			v = "**grows**"
		}
		p("| %s | %.0f | %.0f | %.0f | %+.2f | %+.2f | %+.1f | %s |\n", m.Name, m.Start, m.Peak, m.MeanLate, m.Slope, m.TroughSlope, m.Change, v)
	}

	p("\n%s\n", goroutineLine(r))

	maxConn, maxWait, endWait := 0, 0, 0
	drainConn := map[string]int{}
	for _, s := range r.Samples {
		if s.T >= r.SoakFrom && s.T <= r.SoakTo {
			maxConn, maxWait = max(maxConn, s.PGConns), max(maxWait, s.Waiting)
			endWait = s.Waiting
		}
		if strings.HasPrefix(s.Phase, "throughput-") {
			drainConn[s.Phase] = max(drainConn[s.Phase], s.PGConns)
		}
	}
	p("\n## PostgreSQL connections and queue depth\n\n")
	p("Connections to the load's database (pg_stat_activity), at most %d during the soak; the pools bound them at %d × (1 serve + %d workers) = %d.",
		maxConn, poolSize, c.Workers, poolSize*(1+c.Workers))
	for _, d := range r.Drains {
		ph := fmt.Sprintf("throughput-%d", d.Workers)
		p(" With %d worker%s: at most %d (bound %d).", d.Workers, plural(d.Workers), drainConn[ph], poolSize*(1+d.Workers))
	}
	p("\n\nQueue depth (tasks pending, scheduled or waiting to retry): at most %d during the soak, %d at its end.\n", maxWait, endWait)
	p("\n%s\n", redisLine(r))

	if len(r.Drains) > 0 {
		p("\n## Run throughput against worker processes\n\nEach phase queues %d runs with no worker up, then starts the workers (concurrency %d each) "+
			"and times the first step's start to the last run's end.\n\n"+
			"| worker processes | runs | succeeded | seconds | runs/s | vs 1 worker | worker CPU-s per run | CPUs busy (workers) | "+
			"run-queue wait per run (s) | largest worker RSS MiB |\n"+
			"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", c.DrainRuns, c.Concurrency)
		base := r.Drains[0].RunsPerSec
		var cpuPerRun float64
		for _, d := range r.Drains {
			per := d.CPU / float64(max(d.Runs, 1))
			cpuPerRun = max(cpuPerRun, per)
			busy := 0.0
			if d.Launch > 0 {
				busy = d.CPU / d.Launch
			}
			p("| %d | %d | %d | %.1f | %.2f | %.2fx | %.3f | %.2f | %.2f | %.0f |\n", d.Workers, d.Runs, d.Succeeded, d.Wall, d.RunsPerSec,
				d.RunsPerSec/math.Max(base, 1e-9), per, busy, d.RunQueue/float64(max(d.Runs, 1)), d.PeakRSS)
		}
		p("\nCPU bound: this machine has %d CPUs. A run costs the workers about %.3f CPU-s (plus what PostgreSQL, Redis and MinIO spend on it), "+
			"so even with the machine to themselves the workers could not finish more than %d / %.3f ≈ %.1f runs/s, and past %d CPU-bound processes "+
			"more processes add nothing. The run-queue wait (threads runnable but waiting for a CPU, /proc/PID/task/*/schedstat) says how much of the "+
			"machine they got: where it exceeds the CPU-s, the workers were starved by the machine's other load (load average above), and the runs/s "+
			"measure that share, not aomas.\n",
			r.NumCPU, cpuPerRun, r.NumCPU, cpuPerRun, float64(r.NumCPU)/math.Max(cpuPerRun, 1e-9), r.NumCPU)
	}
	p("\nPlot: load.png (RSS over time, queue depth, PostgreSQL connections, throughput against workers); samples: samples.csv; logs: logs/.\n")
	return b.String()
}

// goroutineLine tells serve's goroutines: at the soak's start, its peak, the slope over its
// second half, at its end and once its runs settled (back to where it began, or not).
func goroutineLine(r *result) string {
	mid := (r.SoakFrom + r.SoakTo) / 2
	before, start, peak, end, idle := -1, -1, 0, -1, -1
	var xs, ys []float64
	for _, s := range r.Samples {
		if s.Goroutines < 0 {
			continue
		}
		switch {
		case s.T >= r.SoakFrom && s.T <= r.SoakTo:
			if start < 0 {
				start = s.Goroutines
			}
			peak, end = max(peak, s.Goroutines), s.Goroutines
			if s.T >= mid {
				xs, ys = append(xs, s.T/60), append(ys, float64(s.Goroutines))
			}
		case s.Phase == "setup":
			before = s.Goroutines
		case s.Phase == "idle":
			idle = s.Goroutines
		}
	}
	return fmt.Sprintf("serve's goroutines (go_goroutines of its /metrics): %d before the load, %d at the soak's start, at most %d, %+.1f a minute "+
		"over its second half, %d at its end, %d once its runs had settled and the clients' idle connections were closed.",
		before, start, peak, slope(xs, ys), end, idle)
}

// redisLine tells how many keys the load's Redis database held: bounded, or not.
func redisLine(r *result) string {
	start, peak, end, idle := -1, 0, -1, -1
	for _, s := range r.Samples {
		if s.RedisKeys < 0 {
			continue
		}
		switch {
		case s.T >= r.SoakFrom && s.T <= r.SoakTo:
			if start < 0 {
				start = s.RedisKeys
			}
			peak, end = max(peak, s.RedisKeys), s.RedisKeys
		case s.Phase == "idle":
			idle = s.RedisKeys
		}
	}
	return fmt.Sprintf("Redis keys of the load's database (asynq's queues, tasks and statistics, worker heartbeats): %d at the soak's start, "+
		"at most %d, %d at its end, %d once its runs had settled.", start, peak, end, idle)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// writeCSV writes every sample: time, phase, connections, queue, then one RSS column per process.
func writeCSV(r *result) error {
	f, err := os.Create(filepath.Join(r.Cfg.Out, "samples.csv"))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	var names []string
	seen := map[string]bool{}
	for _, s := range r.Samples {
		for n := range s.RSS {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	w := csv.NewWriter(f)
	head := []string{"t_s", "phase", "pg_connections", "queue_waiting", "queue_active", "serve_goroutines", "redis_keys"}
	for _, n := range names {
		head = append(head, "rss_mib_"+n)
	}
	_ = w.Write(head)
	for _, s := range r.Samples {
		row := []string{strconv.FormatFloat(s.T, 'f', 1, 64), s.Phase, strconv.Itoa(s.PGConns), strconv.Itoa(s.Waiting), strconv.Itoa(s.Active), strconv.Itoa(s.Goroutines), strconv.Itoa(s.RedisKeys)}
		for _, n := range names {
			v := ""
			if x, ok := s.RSS[n]; ok {
				v = strconv.FormatFloat(x, 'f', 1, 64)
			}
			row = append(row, v)
		}
		_ = w.Write(row)
	}
	w.Flush()
	return w.Error()
}

func numCPU() int { return runtime.NumCPU() }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// niceness is this process's nice value (/proc/self/stat field 19).
func niceness() string {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return "?"
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "?"
	}
	if f := strings.Fields(string(b[i+1:])); len(f) >= 17 {
		return f[16]
	}
	return "?"
}
