package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/internal/bench/benchserver"
)

// poolSize is db.Open's connection limit, which every aomas process keeps to.
const poolSize = 20

// result is everything the report shows.
type result struct {
	Cfg      config
	Started  time.Time
	Ops      []opSummary
	Runs     runSummary
	Samples  []sample
	SoakFrom float64 // sampler seconds where the soak began and ended
	SoakTo   float64
	Drains   []drainResult
	LoadAvg  [2]string // /proc/loadavg at the start and the end
	NumCPU   int
}

// runSummary is what became of the soak's runs.
type runSummary struct {
	Asked, Started int
	ByStatus       map[string]int
	P50, P99, Max  float64 // seconds from startRun to SUCCEEDED
	Unfinished     int
	FirstErrors    []string
}

func run(ctx context.Context, cfg config) error {
	res := &result{Cfg: cfg, Started: time.Now().UTC(), NumCPU: numCPU()}
	res.LoadAvg[0] = loadAvg()
	logDir, cache := filepath.Join(cfg.Out, "logs"), filepath.Join(cfg.Out, "model-cache")
	for _, d := range []string{logDir, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	svc, err := setupServices(ctx, cfg.Keep)
	if err != nil {
		return err
	}
	defer svc.close()
	serveLog, err := os.Create(filepath.Join(logDir, "serve.log"))
	if err != nil {
		return err
	}
	defer func() { _ = serveLog.Close() }()
	say("serve: starting (database %s, redis %s, bucket %s)", dbName, svc.RedisURL, bucket)
	srv, err := benchserver.Start(context.WithoutCancel(ctx), benchserver.Options{Bin: cfg.Bin, Name: "load", Bucket: bucket,
		MaxUploadBytes: 64 << 20, Stderr: serveLog})
	if err != nil {
		return err
	}
	defer srv.Close()
	hc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Analysts + cfg.Scanners + 8}}
	tech := &client{url: srv.URL, token: srv.Token, hc: hc}
	say("accounts: %d researchers, %d scanners", cfg.Analysts, cfg.Scanners)
	analystTokens, err := makeTokens(ctx, cfg.Bin, "researcher", "analyst", cfg.Analysts)
	if err != nil {
		return err
	}
	scannerTokens, err := makeTokens(ctx, cfg.Bin, "scanner", "scanner", cfg.Scanners)
	if err != nil {
		return err
	}
	var catalog struct{ MetricCatalog []struct{ Name string } }
	if err := tech.do(ctx, `{ metricCatalog { name } }`, nil, &catalog); err != nil {
		return fmt.Errorf("metric catalog: %w", err)
	}
	metricNames := make([]string, 0, len(catalog.MetricCatalog))
	for _, m := range catalog.MetricCatalog {
		metricNames = append(metricNames, m.Name)
	}

	redisOpt, err := asynq.ParseRedisURI(svc.RedisURL)
	if err != nil {
		return err
	}
	insp := asynq.NewInspector(redisOpt)
	defer func() { _ = insp.Close() }()
	smp := newSampler(svc, insp, strings.TrimSuffix(srv.URL, "/graphql")+"/metrics")
	smp.watch("serve", srv.Cmd.Process.Pid)
	sctx, stopSampling := context.WithCancel(context.WithoutCancel(ctx))
	var sampling sync.WaitGroup
	sampling.Go(func() { smp.loop(sctx, cfg.Sample) })
	defer func() { stopSampling(); sampling.Wait() }()

	rec, p := newRecorder(), &pool{}
	smp.setPhase("setup")
	say("cases: %d", cfg.Cases)
	if err := makeCases(ctx, tech, p, rec, cfg.Cases); err != nil {
		return err
	}
	workers := make([]*proc, 0, cfg.Workers)
	stopWorkers := func() {
		for _, w := range workers {
			w.stop()
			smp.forget(w.Name)
		}
		workers = workers[:0]
	}
	defer stopWorkers()
	for i := range cfg.Workers {
		w, err := startWorker(ctx, cfg.Bin, fmt.Sprintf("worker-%d", i+1), cfg.Concurrency, logDir, cache)
		if err != nil {
			return err
		}
		workers = append(workers, w)
		smp.watch(w.Name, w.Cmd.Process.Pid)
	}

	say("soak: %v, %d analysts, %d scanners, %d runs, %d workers", cfg.Duration, cfg.Analysts, cfg.Scanners, cfg.Runs, cfg.Workers)
	smp.setPhase("soak")
	res.SoakFrom = smp.elapsed()
	dctx, stopDriving := context.WithTimeout(ctx, cfg.Duration)
	var drivers sync.WaitGroup
	var seeds atomic.Uint64
	seeds.Store(uint64(time.Now().UnixNano()))
	for i, tok := range analystTokens {
		c := &client{url: srv.URL, token: tok, hc: hc}
		drivers.Go(func() { analyst(dctx, cfg, c, p, rec, i, metricNames) })
	}
	for i, tok := range scannerTokens {
		c := &client{url: srv.URL, token: tok, hc: hc}
		drivers.Go(func() { scanner(dctx, cfg, c, p, rec, i, &seeds) })
	}
	drivers.Go(func() { starter(dctx, tech, p, rec, cfg.Runs, cfg.Duration) })
	drivers.Wait()
	stopDriving()
	res.SoakTo = smp.elapsed()
	if err := ctx.Err(); err != nil {
		return err
	}

	smp.setPhase("settle")
	say("settle: waiting for the soak's runs to finish (at most %v)", cfg.Settle)
	if err := waitRuns(ctx, svc, time.Time{}, -1, cfg.Settle); err != nil {
		say("settle: %v", err)
	}
	// With the clients' idle keep-alive connections closed, serve's goroutines should be
	// back where they were before the load.
	hc.CloseIdleConnections()
	smp.setPhase("idle")
	time.Sleep(3 * cfg.Sample)
	res.Runs, err = summariseRuns(ctx, svc)
	if err != nil {
		return err
	}
	res.Runs.Asked = cfg.Runs
	res.Ops = rec.summary()
	stopWorkers()

	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range cfg.DrainWorkers {
		if cfg.DrainRuns == 0 {
			break
		}
		smp.setPhase(fmt.Sprintf("throughput-%d", n))
		say("throughput: %d runs, %d worker processes", cfg.DrainRuns, n)
		d, err := drain(ctx, cfg, tech, p, svc, rng, n, logDir, cache)
		if err != nil {
			return err
		}
		say("throughput: %d workers: %.2f runs/s", n, d.RunsPerSec)
		res.Drains = append(res.Drains, d)
	}
	stopSampling()
	sampling.Wait()
	res.Samples = smp.all()
	res.LoadAvg[1] = loadAvg()
	return writeOutputs(res)
}

// waitRuns waits until no run created since since is queued or running and, with want ≥ 0,
// want of them are final.
func waitRuns(ctx context.Context, svc *services, since time.Time, want int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var c struct{ Open, Final int }
		if err := svc.DB.GetContext(ctx, &c, `SELECT count(*) FILTER (WHERE status IN ('QUEUED', 'RUNNING')) AS open,
			count(*) FILTER (WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELED')) AS final FROM runs WHERE created_at >= $1`, since); err != nil {
			return fmt.Errorf("follow runs: %w", err)
		}
		if c.Open == 0 && (want < 0 || c.Final >= want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d runs still open after %v", c.Open, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// summariseRuns counts the runs by status and the succeeded ones' startRun-to-done times.
func summariseRuns(ctx context.Context, svc *services) (runSummary, error) {
	s := runSummary{ByStatus: map[string]int{}}
	var rows []struct {
		Status string
		N      int
	}
	if err := svc.DB.SelectContext(ctx, &rows, `SELECT status, count(*) AS n FROM runs GROUP BY status`); err != nil {
		return s, fmt.Errorf("runs by status: %w", err)
	}
	for _, r := range rows {
		s.ByStatus[r.Status] = r.N
		s.Started += r.N
		if r.Status == "QUEUED" || r.Status == "RUNNING" {
			s.Unfinished += r.N
		}
	}
	var q struct{ P50, P99, Max *float64 }
	if err := svc.DB.GetContext(ctx, &q, `SELECT
		percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS p50,
		percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS p99,
		max(extract(epoch FROM finished_at - created_at))::float8 AS max
		FROM runs WHERE status = 'SUCCEEDED'`); err != nil {
		return s, fmt.Errorf("run times: %w", err)
	}
	for dst, src := range map[*float64]*float64{&s.P50: q.P50, &s.P99: q.P99, &s.Max: q.Max} {
		if src != nil {
			*dst = *src
		}
	}
	if err := svc.DB.SelectContext(ctx, &s.FirstErrors, `SELECT DISTINCT name || ': ' || coalesce(error, '') FROM run_steps
		WHERE status = 'FAILED' LIMIT 3`); err != nil {
		return s, fmt.Errorf("run errors: %w", err)
	}
	return s, nil
}

// drainResult is one throughput phase.
type drainResult struct {
	Workers, Runs, Succeeded int
	// Wall is the first step's start to the last run's end, from the database's clock.
	Wall float64
	// Launch is the workers' start to the last run's end (with their start-up).
	Launch     float64
	CPU        float64 // the workers' CPU seconds
	RunQueue   float64 // seconds the workers' threads waited, runnable, for a CPU
	RunsPerSec float64
	PeakRSS    float64 // the largest worker's RSS at the end, MiB
}

// drain queues cfg.DrainRuns runs with no worker up, then starts n worker processes and
// times how long they take to finish them all.
func drain(ctx context.Context, cfg config, tech *client, p *pool, svc *services, rng *rand.Rand, n int, logDir, cache string) (drainResult, error) {
	d := drainResult{Workers: n, Runs: cfg.DrainRuns}
	var since time.Time
	if err := svc.DB.GetContext(ctx, &since, `SELECT now()`); err != nil {
		return d, err
	}
	for range cfg.DrainRuns {
		vol := p.pick(rng, true)
		if vol == "" {
			return d, errors.New("throughput: no volume was uploaded")
		}
		if err := startRun(ctx, tech, vol, "batch"); err != nil {
			return d, fmt.Errorf("throughput: start run: %w", err)
		}
	}
	t0 := time.Now()
	ws := make([]*proc, 0, n)
	defer func() {
		for _, w := range ws {
			w.stop()
		}
	}()
	for i := range n {
		w, err := startWorker(ctx, cfg.Bin, fmt.Sprintf("throughput-%d-worker-%d", n, i+1), cfg.Concurrency, logDir, cache)
		if err != nil {
			return d, err
		}
		ws = append(ws, w)
	}
	if err := waitRuns(ctx, svc, since, cfg.DrainRuns, cfg.Settle); err != nil {
		return d, fmt.Errorf("throughput with %d workers: %w", n, err)
	}
	d.Launch = time.Since(t0).Seconds()
	for _, w := range ws {
		if c, err := cpuSeconds(w.Cmd.Process.Pid); err == nil {
			d.CPU += c
		}
		if q, err := runQueueSeconds(w.Cmd.Process.Pid); err == nil {
			d.RunQueue += q
		}
		if kib, err := rssKiB(w.Cmd.Process.Pid); err == nil {
			d.PeakRSS = max(d.PeakRSS, float64(kib)/1024)
		}
	}
	if err := svc.DB.GetContext(ctx, &d, `SELECT count(*) FILTER (WHERE status = 'SUCCEEDED') AS succeeded,
		coalesce(extract(epoch FROM max(finished_at) - min(started_at)), 0)::float8 AS wall FROM runs WHERE created_at >= $1`, since); err != nil {
		return d, err
	}
	if d.Wall > 0 {
		d.RunsPerSec = float64(d.Runs) / d.Wall
	}
	return d, nil
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s load: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}
