package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/drift"
	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/webhooks"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

func runWorker(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs, needDB|needRedis|needS3)
	concurrency := fs.Int("concurrency", 4, "tasks processed at once")
	queues := fs.String("queues", "", "queues and weights, e.g. interactive=6,batch=3 (default: all)")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for services at start")
	// Pipeline settings (issue 5).
	device := fs.String("device", "cpu", "where model inference runs: cpu, cuda (exits when there is no GPU or CUDA provider) or auto (cuda when it loads, else cpu)")
	ortLib := fs.String("ort-lib", getenv("AOMAS_ORT_LIB"), "the ONNX Runtime shared library (env AOMAS_ORT_LIB)")
	modelCache := fs.String("model-cache", filepath.Join(os.TempDir(), "aomas-model-cache"), "where model weights are cached on this machine, by SHA-256")
	noTTA := fs.Bool("no-tta", false, "skip the 8 flips and rotations of test-time augmentation: faster, but no model uncertainty")
	poll := fs.Duration("poll", 2*time.Millisecond, "how often an idle worker looks for tasks (asynq's TaskCheckInterval; the default 1 s adds up to a second to every step)")
	lease := fs.Duration("lease", worker.DefaultLease, "how long a claimed step stays this worker's without renewal; the janitor hands lapsed steps to other workers")
	janitorEvery := fs.Duration("janitor", 2*time.Second, "how often the janitor re-enqueues lapsed and lost steps (0: off)")
	maxRetry := fs.Int("max-retry", jobs.DefaultMaxRetry, "retries of a failing step before it fails, for steps this worker enqueues")
	metricsAddr := fs.String("metrics-listen", "", "address to serve Prometheus /metrics on (empty: off)")
	// The registry's drift checks and webhook deliveries (issue 16): safe on every replica.
	driftEvery := fs.Duration("drift-every", time.Minute, "how often model versions with new runs are checked for drift (0: off)")
	driftWindow := fs.Int("drift-window", drift.DefaultWindow, "how many latest runs of a model version a drift check compares")
	webhookEvery := fs.Duration("webhook-every", 2*time.Second, "how often due webhook deliveries are made (0: off)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *poll <= 0 || *lease < 300*time.Millisecond || *maxRetry < 0 {
		return &exitError{code: 2, err: errors.New("config: --poll must be positive, --lease at least 300ms and --max-retry not negative")}
	}
	// Settings first, so a bad value is named before the device is looked for; the device
	// before any service, so a worker that cannot run models exits at once.
	c, err := cf.load(getenv)
	if err != nil {
		return err
	}
	dev, err := initDevice(*device, *ortLib)
	if err != nil {
		return err
	}
	logger := c.logger(stderr)
	if *device == "auto" {
		logger.Info("device chosen", "asked", "auto", "device", dev, "runtime", inference.Describe())
	}
	if *concurrency < 1 {
		return &exitError{code: 2, err: fmt.Errorf("config: --concurrency: %d is not a positive whole number", *concurrency)}
	}
	q, err := parseQueues(*queues)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("config: --queues: %w", err)}
	}
	d, err := connect(ctx, c, logger, *wait)
	if err != nil {
		return err
	}
	defer d.close()
	if _, err := jobs.RegisterShipped(ctx, d.db, d.store, shippedModels(), logger); err != nil {
		return fmt.Errorf("register shipped models: %w", err)
	}
	redisOpt, err := asynq.ParseRedisURI(c.RedisURL)
	if err != nil {
		return fmt.Errorf("redis url: %w", err)
	}
	host, _ := os.Hostname()
	srv := asynq.NewServer(redisOpt, asynq.Config{
		Concurrency:     *concurrency,
		Queues:          q,
		ShutdownTimeout: 20 * time.Second,
		Logger:          slogAsynq{logger.With("component", "asynq")},
		BaseContext:     func() context.Context { return ctx },
		// Latency: an idle worker looks for work every poll, and retries become due
		// within half a second of their backoff.
		TaskCheckInterval:        *poll,
		DelayedTaskCheckInterval: 500 * time.Millisecond,
		RetryDelayFunc:           worker.RetryDelay,
	})
	client := asynq.NewClient(redisOpt)
	defer func() { _ = client.Close() }()
	insp := asynq.NewInspector(redisOpt)
	defer func() { _ = insp.Close() }()
	reg := prometheus.NewRegistry()
	workerID := worker.ID(host, os.Getpid())
	deps := worker.Deps{DB: d.db, Objects: d.store, Queue: client, Redis: d.redis, Inspector: insp,
		Logger: logger.With("worker", workerID), Metrics: worker.NewMetrics(reg), WorkerID: workerID, Lease: *lease, MaxRetry: *maxRetry,
		Models: &worker.Models{Pool: inference.NewPool(*modelCache, *concurrency), Device: string(dev), NoTTA: *noTTA}}
	if deps.Exports, err = newExports(ctx, c, d, nil, logger.With("component", "exports")); err != nil {
		return err
	}
	deps.Evaluations = &evaluation.Service{DB: d.db, Store: d.store, Queue: client, Redis: d.redis, Logger: logger.With("component", "evaluations")}
	logger.Info("aomas worker starting", "worker", workerID, "device", dev, "device_asked", *device, "concurrency", *concurrency, "queues", q)
	if err := srv.Start(worker.NewServeMux(deps)); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	bg, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	wg.Go(func() {
		worker.Heartbeat(bg, d.redis, jobs.WorkerInfo{ID: workerID, Host: host, PID: os.Getpid(), Device: string(dev), DeviceAsked: *device,
			Queues: names, Concurrency: *concurrency, StartedAt: time.Now()}, 5*time.Second)
	})
	if *janitorEvery > 0 {
		wg.Go(func() { worker.New(deps).RunJanitor(bg, *janitorEvery) })
	}
	if *driftEvery > 0 {
		svc := &drift.Service{DB: d.db, Window: *driftWindow, Gauges: drift.NewGauges(reg), Logger: logger.With("component", "drift")}
		wg.Go(func() { svc.Run(bg, *driftEvery) })
	}
	if *webhookEvery > 0 {
		disp := &webhooks.Dispatcher{DB: d.db, Logger: logger.With("component", "webhooks")}
		wg.Go(func() { disp.Run(bg, *webhookEvery) })
	}
	if *metricsAddr != "" {
		ms := &http.Server{Addr: *metricsAddr, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		wg.Go(func() {
			if err := ms.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Warn("metrics listener", "err", err)
			}
		})
		wg.Go(func() { <-bg.Done(); _ = ms.Close() })
	}
	<-ctx.Done()
	logger.Info("worker stopping: finishing tasks in flight")
	srv.Shutdown()
	stop()
	wg.Wait()
	return nil
}

// initDevice loads ONNX Runtime for the device asked: cpu, cuda (a clear exit when no GPU
// or no CUDA provider is there) or auto. It returns the device chosen.
func initDevice(device, lib string) (inference.Device, error) {
	switch device {
	case "cpu", "cuda", "auto":
	default:
		return "", &exitError{code: 2, err: fmt.Errorf("config: --device: %q is neither cpu, cuda nor auto", device)}
	}
	if lib == "" {
		return "", &exitError{code: 2, err: fmt.Errorf("config: --device %s: no ONNX Runtime library: set AOMAS_ORT_LIB or --ort-lib (make deps puts it in .local/onnxruntime)", device)}
	}
	dev, err := inference.Init(lib, inference.Device(device))
	if err != nil {
		return "", &exitError{code: 2, err: fmt.Errorf("config: --device %s: %w", device, err)}
	}
	return dev, nil
}

func parseQueues(s string) (map[string]int, error) {
	if strings.TrimSpace(s) == "" {
		return jobs.DefaultQueues(), nil
	}
	out := map[string]int{}
	for _, part := range splitList(s) {
		name, w, found := strings.Cut(part, "=")
		weight := 1
		if found {
			n, err := strconv.Atoi(w)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("weight %q of queue %s is not a positive whole number", w, name)
			}
			weight = n
		}
		if name == "" {
			return nil, fmt.Errorf("empty queue name in %q", s)
		}
		out[name] = weight
	}
	return out, nil
}
