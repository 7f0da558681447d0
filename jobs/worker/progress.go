package worker

import (
	"context"
	"errors"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/jobs"
)

// reporter stores and publishes a running step's progress.
type reporter struct {
	rt    *Runtime
	runID int64
	step  string
	steps []db.StepState
}

// report records that the step is at fraction within of its work, doing message.
func (r *reporter) report(ctx context.Context, within float64, message string) {
	ev, err := db.PutProgress(ctx, r.rt.db, db.RunProgress{RunID: r.runID, Step: r.step,
		Fraction: jobs.Fraction(r.steps, r.step, within), Message: message, Status: db.StatusRunning})
	if err != nil {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, db.ErrNotFound) {
			r.rt.log.WarnContext(ctx, "store progress", "run_id", r.runID, "step", r.step, "err", err)
		}
		return
	}
	r.rt.dispatch.Announce(ctx, r.runID, &ev)
}
