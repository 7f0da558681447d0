package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/storage"
)

// errNotOurs ends a step whose run was canceled or whose lease was taken over.
var errNotOurs = errors.New("step is no longer this worker's to run")

// stepFunc is the work of one step. It returns permanent errors wrapped with
// asynq.SkipRetry (bad input) and plain ones for what may pass (storage down).
type stepFunc func(ctx context.Context, sc *stepContext) (*stepResult, error)

// stepResult is what a step hands to its completion transaction.
type stepResult struct {
	output  any
	metrics []db.Metric
	qc      []db.QCFlag
	setQC   bool
	// replaceMetrics drops the run's earlier metrics first (a re-measure after calibration
	// must not leave a figure the new calibration does not produce).
	replaceMetrics bool
	// features, when set, are the run's drift features, recorded with the step.
	features *runFeatures
}

// runFeatures are a run's drift features and the cone model version behind its outputs.
type runFeatures struct {
	versionID *int64
	features  db.Features
}

// stepContext is a claimed step: its run, inputs and output key prefix.
type stepContext struct {
	rt     *Runtime
	run    db.Run
	step   string
	params jobs.RunParams
	inputs map[string]string
	// hash digests everything the outputs depend on; prefix, derived from it, is where they go.
	hash   string
	prefix string
	// umPerPx and pixelSource are the calibration the metrics step measures with, read in
	// the claim (0, "NONE": pixel units only); they are part of its hash, so a calibration
	// set later gives new outputs.
	umPerPx     float64
	pixelSource string
	// plan is the segment step's detectors, chosen in the claim (part of its hash).
	plan    detectorPlan
	planErr error
	rep     *reporter
	log     *slog.Logger
	arts    []db.Artifact
}

// input decodes the output document of a finished step.
func (sc *stepContext) input(step string, v any) error {
	doc, ok := sc.inputs[step]
	if !ok {
		return fmt.Errorf("step %s has no output of %s: %w", sc.step, step, asynq.SkipRetry)
	}
	if err := json.Unmarshal([]byte(doc), v); err != nil {
		return fmt.Errorf("output of %s: %w: %w", step, err, asynq.SkipRetry)
	}
	return nil
}

// put stores b under the step's prefix and keeps its record for the completion.
func (sc *stepContext) put(ctx context.Context, name, contentType, kind string, b []byte) (string, error) {
	key := sc.prefix + name
	obj, err := sc.rt.store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), contentType)
	if err != nil {
		return "", fmt.Errorf("store %s: %w", name, err)
	}
	sc.arts = append(sc.arts, db.Artifact{ObjectKey: key, SizeBytes: obj.Size, SHA256: obj.SHA256, ContentType: contentType, Kind: kind})
	return key, nil
}

// get reads a whole stored object; a missing one is permanent.
func (sc *stepContext) get(ctx context.Context, key string) ([]byte, error) {
	r, err := sc.rt.store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}

// report publishes the step's progress; it is also a checkpoint: a canceled step stops.
func (sc *stepContext) report(ctx context.Context, within float64, message string) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	sc.rep.report(ctx, within, message)
	return nil
}

// stepHandler runs one kind of step under the pipeline's bookkeeping.
type stepHandler struct {
	rt   *Runtime
	name string
	fn   stepFunc
}

// ProcessTask claims the step, runs it while renewing its lease, and records the outcome.
// A stale or superseded task does nothing; a failed attempt is retried by asynq with
// backoff unless it is permanent or the last, which marks the step and run FAILED.
func (h *stepHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var pl jobs.StepPayload
	if err := json.Unmarshal(t.Payload(), &pl); err != nil || pl.RunID <= 0 || pl.Step != h.name {
		return fmt.Errorf("step payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	rt := h.rt
	log := rt.log.With("run_id", pl.RunID, "step", pl.Step, "gen", pl.Gen, "worker", rt.workerID)
	began := time.Now()
	sc, err := rt.claim(ctx, pl)
	if err != nil {
		rt.metrics.failed(h.name, "transient")
		log.WarnContext(ctx, "claim step", "err", err)
		return err
	}
	if sc == nil {
		log.DebugContext(ctx, "stale step task: nothing to do")
		return nil
	}
	sc.log = log
	log.InfoContext(ctx, "step started")
	stepCtx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { rt.keepLease(stepCtx, cancel, pl) })
	res, err := h.fn(stepCtx, sc)
	cause := context.Cause(stepCtx)
	cancel(nil)
	wg.Wait()
	bg, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	if err == nil {
		err = rt.complete(bg, sc, res)
		if err == nil {
			rt.metrics.observe(h.name, time.Since(began))
			log.InfoContext(ctx, "step succeeded", "ms", time.Since(began).Milliseconds())
			return nil
		}
	}
	if errors.Is(cause, errNotOurs) {
		log.InfoContext(ctx, "step stopped: canceled or taken over")
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	permanent := errors.Is(err, asynq.SkipRetry)
	final := permanent || retried >= maxRetry
	kind := "transient"
	if final {
		kind = "final"
	}
	rt.metrics.failed(h.name, kind)
	if ferr := rt.fail(bg, sc, err, final); ferr != nil {
		log.WarnContext(ctx, "record step failure", "err", ferr)
	}
	log.WarnContext(ctx, "step attempt failed", "err", err, "retried", retried, "final", final)
	if final && !permanent {
		err = fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

// claim takes the step for this worker, or returns nil when the task is stale: the run
// ended, the step finished, or a newer generation superseded the task.
func (rt *Runtime) claim(ctx context.Context, pl jobs.StepPayload) (*stepContext, error) {
	var sc *stepContext
	var prog db.RunProgress
	err := db.InTx(ctx, rt.db, func(tx *sqlx.Tx) error {
		run, err := db.PipelineRun(ctx, tx, pl.RunID, true)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if jobs.Final(run.Status) {
			return nil
		}
		steps, err := db.PipelineSteps(ctx, tx, pl.RunID)
		if err != nil {
			return err
		}
		var s *db.StepState
		for i := range steps {
			if steps[i].Name == pl.Step {
				s = &steps[i]
			}
		}
		if s == nil || s.Gen != pl.Gen || (s.Status != db.StatusQueued && s.Status != db.StatusRunning) {
			return nil
		}
		if s.Status == db.StatusRunning && s.LeaseUntil != nil && s.LeaseUntil.After(time.Now()) &&
			(s.WorkerID == nil || *s.WorkerID != rt.workerID) {
			return fmt.Errorf("step %s of run %d is held by %s until %s", pl.Step, pl.RunID, deref(s.WorkerID), s.LeaseUntil.Format(time.RFC3339))
		}
		if err := db.ClaimStep(ctx, tx, pl.RunID, pl.Step, rt.workerID, rt.lease); err != nil {
			return err
		}
		if run.Status == db.StatusQueued {
			if err := db.SetRunStatus(ctx, tx, run.ID, db.StatusRunning); err != nil {
				return err
			}
		}
		if prog, err = db.PutProgress(ctx, tx, db.RunProgress{RunID: run.ID, Step: pl.Step,
			Fraction: jobs.Fraction(steps, pl.Step, 0), Message: pl.Step + " started", Status: db.StatusRunning}); err != nil {
			return err
		}
		salt := ""
		var um float64
		var src string
		if pl.Step == jobs.StepMetrics {
			rp, err := jobs.ParseParams(run.Params)
			if err != nil {
				return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
			}
			if um, src, err = calibration(ctx, tx, run, rp); err != nil {
				return err
			}
			salt = fmt.Sprintf("calibration=%g %s", um, src)
		}
		var plan detectorPlan
		var planErr error
		if pl.Step == jobs.StepSegment {
			rp, err := jobs.ParseParams(run.Params)
			if err != nil {
				return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
			}
			// A plan refused for good (no such model, no models on this worker) fails the
			// step through its handler, so that the run records why.
			plan, planErr = rt.planDetectors(ctx, tx, run, rp)
			if planErr != nil && !errors.Is(planErr, asynq.SkipRetry) {
				return planErr
			}
			salt = plan.salt()
		}
		sc, err = rt.stepContext(run, pl.Step, steps, salt)
		if sc != nil {
			sc.umPerPx, sc.pixelSource, sc.plan, sc.planErr = um, src, plan, planErr
		}
		return err
	})
	if err != nil || sc == nil {
		return nil, err
	}
	rt.dispatch.Announce(ctx, pl.RunID, &prog)
	return sc, nil
}

func (rt *Runtime) stepContext(run db.Run, step string, steps []db.StepState, salt string) (*stepContext, error) {
	params, err := jobs.ParseParams(run.Params)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	sc := &stepContext{rt: rt, run: run, step: step, params: params, inputs: map[string]string{},
		rep: &reporter{rt: rt, runID: run.ID, step: step, steps: steps}}
	for _, s := range steps {
		if s.Output != nil {
			sc.inputs[s.Name] = *s.Output
		}
	}
	sc.hash = inputHash(run, step, sc.inputs, jobs.Inputs(step), salt)
	sc.prefix = jobs.OutputPrefix(run.ID, step, sc.hash)
	return sc, nil
}

// keepLease renews the step's lease every third of its length until ctx ends. It cancels
// the step when the step is no longer this worker's (canceled, or taken over), or when the
// lease could not be renewed for a whole lease: by then another worker may hold it.
func (rt *Runtime) keepLease(ctx context.Context, cancel context.CancelCauseFunc, pl jobs.StepPayload) {
	t := time.NewTicker(rt.lease / 3)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := db.RenewLease(ctx, rt.db, pl.RunID, pl.Step, rt.workerID, rt.lease)
		switch {
		case err == nil && !ok:
			cancel(errNotOurs)
			return
		case err == nil:
			lastOK = time.Now()
		case time.Since(lastOK) > rt.lease:
			cancel(fmt.Errorf("lease of step %s of run %d not renewed: %w", pl.Step, pl.RunID, err))
			return
		}
	}
}

// complete records the step's outputs and completion in one transaction, queues the steps
// that became ready, and enqueues them after commit.
func (rt *Runtime) complete(ctx context.Context, sc *stepContext, res *stepResult) error {
	out, err := json.Marshal(res.output)
	if err != nil {
		return fmt.Errorf("step output: %w", err)
	}
	var queued []db.StepState
	var prog db.RunProgress
	var ours bool
	err = db.InTx(ctx, rt.db, func(tx *sqlx.Tx) error {
		run, err := db.PipelineRun(ctx, tx, sc.run.ID, true)
		if err != nil {
			return err
		}
		if ours, err = db.CompleteStep(ctx, tx, run.ID, sc.step, rt.workerID, sc.hash, string(out)); err != nil || !ours {
			return err
		}
		for _, a := range sc.arts {
			a.RunID, a.Step = &run.ID, &sc.step
			if _, err := db.RecordArtifact(ctx, tx, a); err != nil {
				return err
			}
		}
		if res.replaceMetrics {
			if err := db.DeleteRunMetrics(ctx, tx, run.ID); err != nil {
				return err
			}
		}
		for _, m := range res.metrics {
			m.RunID = run.ID
			if err := db.UpsertMetric(ctx, tx, m); err != nil {
				return err
			}
		}
		if res.setQC {
			if err := db.ReplaceQCFlags(ctx, tx, run.ID, res.qc); err != nil {
				return err
			}
		}
		if f := res.features; f != nil {
			if err := db.UpsertRunFeatures(ctx, tx, run.ID, f.versionID, f.features); err != nil {
				return err
			}
		}
		if queued, err = jobs.QueueReady(ctx, tx, run.ID); err != nil {
			return err
		}
		steps, err := db.PipelineSteps(ctx, tx, run.ID)
		if err != nil {
			return err
		}
		rows := make([]db.RunStep, len(steps))
		for i, s := range steps {
			rows[i] = s.RunStep
		}
		status, msg := jobs.RunStatusOf(rows), sc.step+" done"
		if status == db.StatusSucceeded {
			msg = "succeeded"
			if err := db.SetRunStatus(ctx, tx, run.ID, status); err != nil {
				return err
			}
		}
		prog, err = db.PutProgress(ctx, tx, db.RunProgress{RunID: run.ID, Step: sc.step,
			Fraction: jobs.Fraction(steps, "", 0), Message: msg, Status: status})
		return err
	})
	if err != nil {
		return err
	}
	if !ours {
		sc.log.InfoContext(ctx, "step finished but is no longer ours: outcome dropped")
		return nil
	}
	rt.dispatch.Announce(ctx, sc.run.ID, &prog)
	rt.dispatch.Enqueue(ctx, queued)
	return nil
}

// fail records a failed attempt: the step waits for the queue's retry, or, when final,
// it and its run are FAILED with the error kept.
func (rt *Runtime) fail(ctx context.Context, sc *stepContext, cause error, final bool) error {
	msg := strings.TrimSuffix(cause.Error(), ": "+asynq.SkipRetry.Error())
	var prog db.RunProgress
	var ours bool
	err := db.InTx(ctx, rt.db, func(tx *sqlx.Tx) error {
		run, err := db.PipelineRun(ctx, tx, sc.run.ID, true)
		if err != nil {
			return err
		}
		if ours, err = db.FailStep(ctx, tx, run.ID, sc.step, rt.workerID, msg, final); err != nil || !ours {
			return err
		}
		steps, err := db.PipelineSteps(ctx, tx, run.ID)
		if err != nil {
			return err
		}
		ev := db.RunProgress{RunID: run.ID, Step: sc.step, Fraction: jobs.Fraction(steps, "", 0),
			Message: sc.step + " failed, retrying: " + msg, Status: db.StatusRunning}
		if final {
			if err := db.SetRunStatus(ctx, tx, run.ID, db.StatusFailed); err != nil {
				return err
			}
			ev.Message, ev.Status = sc.step+" failed: "+msg, db.StatusFailed
		}
		prog, err = db.PutProgress(ctx, tx, ev)
		return err
	})
	if err == nil && ours {
		rt.dispatch.Announce(ctx, sc.run.ID, &prog)
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
