package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/drift"
	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/intake/dropdir"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/registry"
	"github.com/aomas/aomas/internal/web"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := newConfigFlags(fs, needAll)
	migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for services at start")
	driftWindow := fs.Int("drift-window", drift.DefaultWindow, "how many latest runs of a model version drift(versionId) compares (as the worker's --drift-window)")
	dropDir := fs.String("drop-dir", getenv("AOMAS_DROP_DIR"), "watch this folder and ingest the files scanners write into it (env AOMAS_DROP_DIR)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	c, err := cf.load(getenv)
	if err != nil {
		return err
	}
	logger := c.logger(stderr)
	if c.MemoryLimit > 0 && getenv("GOMEMLIMIT") == "" {
		// Many clients reading slices at once make short-lived garbage; without a limit the
		// heap may grow to twice what is live before a collection.
		debug.SetMemoryLimit(c.MemoryLimit)
	}
	if err := c.mkdirData(); err != nil {
		return err
	}
	d, err := connect(ctx, c, logger, *wait)
	if err != nil {
		return err
	}
	defer d.close()
	if *migrate {
		m, err := db.NewMigrator(d.db.DB)
		if err != nil {
			return err
		}
		if _, err := m.Up(ctx); err != nil {
			return err
		}
	}
	// The models that ship in the binary become model versions (once; the first of each deployed).
	if _, err := jobs.RegisterShipped(ctx, d.db, d.store, shippedModels(), logger); err != nil {
		return fmt.Errorf("register shipped models: %w", err)
	}

	acc, err := newServerAccess(ctx, c, d, logger)
	if err != nil {
		return err
	}
	defer acc.close()
	checker := server.NewChecker(d.db, d.redis, d.store)
	res := &resolvers.Resolver{
		Checker: checker,
		Build:   resolvers.BuildInfo{Version: version, Commit: commit},
		DB:      d.db,
		Store:   d.store,
		Intake: &intake.Service{DB: d.db, Store: d.store, SubjectKey: c.SubjectKey, MaxBytes: c.MaxUpload,
			TempDir: filepath.Join(c.DataDir, "tmp")},
		Labels: &labels.Service{DB: d.db, Store: d.store},
		// Slices are read under ingest's default limits, the ones uploads were accepted by.
		Slices:      resolvers.NewSlicer(0, 0, ingest.Options{}),
		LayerTables: resolvers.NewLayerTables(0),
		Enforcer:    acc.policy,
		Accounts:    acc.accounts,
		Audit:       d.db,
		Tokens:      acc.tokens,
		Ends:        acc.ends,
		// Registering a model version checks it in ONNX Runtime on the CPU, initialised then.
		Registry:    &registry.Service{DB: d.db, Store: d.store, ORTLib: getenv("AOMAS_ORT_LIB")},
		DriftWindow: *driftWindow,
	}
	// The pipeline (issue 5): runs are enqueued from here and followed over Redis.
	pipe, closePipe, err := apiPipeline(c, d, logger)
	if err != nil {
		return err
	}
	defer closePipe()
	res.Pipeline = pipe
	dcm := newDicom(c, d.db, res.Intake, acc.policy, logger)
	defer dcm.receiver.Drain()
	exportQueue, err := asynq.ParseRedisURI(c.RedisURL)
	if err != nil {
		return fmt.Errorf("redis url: %w", err)
	}
	exportClient := asynq.NewClient(exportQueue)
	defer func() { _ = exportClient.Close() }()
	if res.Exports, err = newExports(ctx, c, d, exportClient, logger.With("component", "exports")); err != nil {
		return err
	}
	res.Evaluations = &evaluation.Service{DB: d.db, Store: d.store, Queue: exportClient, Redis: d.redis, Logger: logger.With("component", "evaluations")}
	h := server.New(server.Options{
		Schema:           resolvers.Schema(res, acc.guard),
		Guard:            acc.guard,
		Auth:             acc.auth,
		OIDC:             acc.oidc,
		Checker:          checker,
		SPA:              web.Dist(),
		Logger:           logger,
		MaxDepth:         c.MaxDepth,
		MaxComplexity:    c.MaxComplexity,
		AllowedOrigins:   c.WSOrigins,
		AroundOperations: res.LoaderMiddleware(),
		MaxUploadBytes:   c.MaxUpload,
		DICOMweb:         dcm.web.Handler(),
		ExportFiles:      res.Exports.FileHandler(),
	})
	if *dropDir != "" {
		w := &dropdir.Watcher{Dir: *dropDir, Intake: res.Intake, Logger: logger.With("component", "dropdir"),
			Cases: &intake.Cases{DB: d.db, SubjectKey: c.SubjectKey, Project: res.Project}}
		go func() {
			if err := w.Run(ctx); err != nil {
				logger.Error("drop folder stopped", "err", err)
			}
		}()
	}
	var dicomErr <-chan error
	if c.DICOM.Listen != "" {
		if dicomErr, err = dcm.serve(ctx, c, d.db, logger); err != nil {
			return err
		}
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Listen, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("aomas serving", "url", "http://"+ln.Addr().String(), "spa_built", web.Built(), "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case err := <-dicomErr:
		if err != nil {
			return fmt.Errorf("dicom: %w", err)
		}
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	if err := server.Shutdown(srv, 10*time.Second); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
