package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
)

// ErrInvalidRun reports a run request or control action that cannot be honoured as asked.
var ErrInvalidRun = errors.New("invalid run request")

// QueueReady queues every PENDING step of a run whose inputs are all SUCCEEDED and returns
// them, for the caller to enqueue after commit.
func QueueReady(ctx context.Context, tx *sqlx.Tx, runID int64) ([]db.StepState, error) {
	steps, err := db.PipelineSteps(ctx, tx, runID)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, s := range steps {
		done[s.Name] = s.Status == db.StatusSucceeded
	}
	var ready []string
	for _, s := range steps {
		if s.Status != db.StatusPending {
			continue
		}
		ok := true
		for _, d := range stepDeps[s.Name] {
			if _, inRun := done[d]; inRun && !done[d] {
				ok = false
			}
		}
		if ok {
			ready = append(ready, s.Name)
		}
	}
	return db.QueueSteps(ctx, tx, runID, ready, false)
}

// RunStatusOf derives a run's status from its steps: any running step makes it RUNNING,
// a failed one FAILED, a canceled one CANCELED, all succeeded SUCCEEDED, else QUEUED (or
// RUNNING once some step has finished).
func RunStatusOf(steps []db.RunStep) string {
	n := map[string]int{}
	for _, s := range steps {
		n[s.Status]++
	}
	switch {
	case n[db.StatusFailed] > 0:
		return db.StatusFailed
	case n[db.StatusCanceled] > 0:
		return db.StatusCanceled
	case len(steps) > 0 && n[db.StatusSucceeded] == len(steps):
		return db.StatusSucceeded
	case n[db.StatusRunning] > 0 || n[db.StatusSucceeded] > 0:
		return db.StatusRunning
	}
	return db.StatusQueued
}

// Fraction is the run's overall progress when step is at within (0..1) of its work.
func Fraction(steps []db.StepState, step string, within float64) float64 {
	if len(steps) == 0 {
		return 0
	}
	done := 0.0
	for _, s := range steps {
		if s.Status == db.StatusSucceeded {
			done++
		} else if s.Name == step {
			done += within
		}
	}
	return min(1, done/float64(len(steps)))
}

// RunParams are the pipeline parameters a run may carry (its params JSON object).
type RunParams struct {
	// UmPerPx overrides the volume's in-plane spacing.
	UmPerPx float64 `json:"umPerPx,omitempty"`
	// EccentricityDeg is the retinal eccentricity, for cone spacing and the QC norm.
	EccentricityDeg float64 `json:"eccentricityDeg,omitempty"`
	// Modality is confocal (default) or split-detector.
	Modality string `json:"modality,omitempty"`
	// Seed seeds the bootstrap of the metrics' confidence intervals (default 1).
	Seed uint64 `json:"seed,omitempty"`
	// Detector is "classical" to keep the classical detectors (LoG cones, Hessian vessels),
	// "model" to require the learned ones, or empty: the run's model version, else the
	// deployed one, else the classical detectors.
	Detector string `json:"detector,omitempty"`
}

// Detector choices of RunParams.Detector.
const (
	DetectorClassical = "classical"
	DetectorModel     = "model"
)

// ParseParams reads a run's params JSON; what it refuses is ErrInvalidRun.
func ParseParams(s string) (RunParams, error) {
	var rp RunParams
	if s == "" {
		return rp, nil
	}
	if err := json.Unmarshal([]byte(s), &rp); err != nil {
		return rp, fmt.Errorf("%w: params: %w", ErrInvalidRun, err)
	}
	// The fields above read an explicit 0 as "not given"; these tell the two apart, so that
	// 0 is refused like any other number out of range.
	var given struct {
		UmPerPx         *float64 `json:"umPerPx"`
		EccentricityDeg *float64 `json:"eccentricityDeg"`
	}
	_ = json.Unmarshal([]byte(s), &given) // it decoded into rp above
	if given.UmPerPx != nil {
		if err := ingest.CheckUmPerPx(*given.UmPerPx); err != nil {
			return rp, fmt.Errorf("%w: params: %w", ErrInvalidRun, err)
		}
	}
	if given.EccentricityDeg != nil {
		if err := ingest.CheckEccentricityDeg(*given.EccentricityDeg); err != nil {
			return rp, fmt.Errorf("%w: params: %w", ErrInvalidRun, err)
		}
	}
	if rp.Modality != "" && rp.Modality != "confocal" && rp.Modality != "split-detector" {
		return rp, fmt.Errorf("%w: params: modality %q is neither confocal nor split-detector", ErrInvalidRun, rp.Modality)
	}
	if rp.Detector != "" && rp.Detector != DetectorClassical && rp.Detector != DetectorModel {
		return rp, fmt.Errorf("%w: params: detector %q is neither classical nor model", ErrInvalidRun, rp.Detector)
	}
	return rp, nil
}
