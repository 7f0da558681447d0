package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
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
	// VolumeKind is FRAME_STACK or OCT_VOLUME. StartRun records the volume's kind here
	// (volumes.volume_kind; a caller may state it for a volume whose kind nobody stated,
	// e.g. a TIFF of en-face depth planes as aomas phantom --kind volume writes).
	VolumeKind string `json:"volumeKind,omitempty"`
	// Slabs are the en-face slabs of an OCT run (imaging.DefaultSlabs when none are
	// given; StartRun records them), by name: photoreceptor (cones), nfl (nerve fibres),
	// svp, icp and dcp (capillaries of the three plexuses). At most maxSlabs.
	Slabs []imaging.Slab `json:"slabs,omitempty"`
}

// maxSlabs bounds the slabs one run projects.
const maxSlabs = 16

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
	if rp.VolumeKind != "" && rp.VolumeKind != KindFrameStack && rp.VolumeKind != KindOCTVolume {
		return rp, fmt.Errorf("%w: params: volumeKind %q is neither FRAME_STACK nor OCT_VOLUME", ErrInvalidRun, rp.VolumeKind)
	}
	if len(rp.Slabs) > maxSlabs {
		return rp, fmt.Errorf("%w: params: %d slabs, at most %d", ErrInvalidRun, len(rp.Slabs), maxSlabs)
	}
	names := map[string]bool{}
	for _, sl := range rp.Slabs {
		if err := sl.Check(); err != nil {
			return rp, fmt.Errorf("%w: params: %w", ErrInvalidRun, err)
		}
		if sl.Name == "" || len(sl.Name) > 32 || names[sl.Name] {
			return rp, fmt.Errorf("%w: params: slab name %q empty, too long or repeated", ErrInvalidRun, sl.Name)
		}
		names[sl.Name] = true
	}
	if rp.Modality != "" && rp.Modality != "confocal" && rp.Modality != "split-detector" {
		return rp, fmt.Errorf("%w: params: modality %q is neither confocal nor split-detector", ErrInvalidRun, rp.Modality)
	}
	return rp, nil
}
