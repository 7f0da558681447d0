package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/jobs"
)

// Models is what runs the learned detectors on a worker: an inference pool (sessions per
// model version, keyed and disk-cached by the weights' SHA-256) over the device the worker
// initialised. A worker without one runs the classical detectors only.
type Models struct {
	Pool *inference.Pool
	// Device is the device inference.Init chose ("cpu" or "cuda"); each segment step records it.
	Device string
	// NoTTA skips the 8 flips and rotations: no uncertainty, an eighth of the work.
	NoTTA bool
}

// detectorUsed records what found one kind of structure in a segment step, and why it was chosen.
type detectorUsed struct {
	// Detector is "classical-log" (cones), "classical-hessian" (vessels) or the model's
	// "name version".
	Detector string `json:"detector"`
	// Choice says why: "params" (detector: classical), "run" (the run's model version),
	// "canary" (the canary version, by the volume's bucket), "deployed" (the deployed
	// model), "none deployed" (no model: classical).
	Choice         string `json:"choice"`
	ModelVersionID int64  `json:"model_version_id,omitempty"`
	Model          string `json:"model,omitempty"`
	Version        string `json:"version,omitempty"`
	WeightsSHA256  string `json:"weights_sha256,omitempty"`
	// Device is where the model ran (cpu or cuda); empty for the classical detectors.
	Device string `json:"device,omitempty"`
}

// detectorPlan is the detectors a segment step runs, chosen when it is claimed so that they
// are part of its input hash: another model gives other output keys.
type detectorPlan struct {
	cones, vessels     detectorUsed
	coneRef, vesselRef *db.ModelRef
}

func (p detectorPlan) salt() string {
	return fmt.Sprintf("cones=%s %s %s\nvessels=%s %s %s", p.cones.Detector, p.cones.WeightsSHA256, p.cones.Device,
		p.vessels.Detector, p.vessels.WeightsSHA256, p.vessels.Device)
}

const (
	classicalCones   = "classical-log"
	classicalVessels = "classical-hessian"
)

// planDetectors picks the segment step's detectors: the classical ones when the run's
// params say detector: classical; else for cones the run's model version or the deployed
// cone model for the run's modality, for capillaries the deployed capillary model; the
// classical detector where no model is deployed, unless the params say detector: model.
func (rt *Runtime) planDetectors(ctx context.Context, tx *sqlx.Tx, run db.Run, rp jobs.RunParams) (detectorPlan, error) {
	var p detectorPlan
	if rp.Detector == jobs.DetectorClassical {
		p.cones = detectorUsed{Detector: classicalCones, Choice: "params"}
		p.vessels = detectorUsed{Detector: classicalVessels, Choice: "params"}
		return p, nil
	}
	project, err := db.ProjectOfRun(ctx, tx, run.ID)
	if err != nil {
		return p, err
	}
	modality := rp.Modality
	if modality == "" {
		modality = "confocal"
	}
	pick := func(task, classical string, named *int64) (detectorUsed, *db.ModelRef, error) {
		var ref db.ModelRef
		var err error
		choice := "deployed"
		if named != nil {
			choice = jobs.ChoiceRun
			if run.ModelChoice != nil && *run.ModelChoice == jobs.ChoiceCanary {
				choice = jobs.ChoiceCanary // StartRun routed the run to the canary version
			}
			ref, err = db.ModelRefByID(ctx, tx, *named)
		} else {
			ref, err = db.DeployedModel(ctx, tx, task, modality, project)
		}
		if errors.Is(err, db.ErrNotFound) && named == nil && rp.Detector != jobs.DetectorModel {
			return detectorUsed{Detector: classical, Choice: "none deployed"}, nil, nil
		}
		if errors.Is(err, db.ErrNotFound) {
			return detectorUsed{}, nil, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		if err != nil {
			return detectorUsed{}, nil, err
		}
		if ref.Project != nil && *ref.Project != project {
			return detectorUsed{}, nil, fmt.Errorf("model version %d is not this run's project's: %w", ref.ID, asynq.SkipRetry)
		}
		if ref.Task != task {
			return detectorUsed{}, nil, fmt.Errorf("model version %d (%s) finds %s, not %s: %w", ref.ID, ref.Name, ref.Task, task, asynq.SkipRetry)
		}
		if rt.models == nil {
			return detectorUsed{}, nil, fmt.Errorf("model %s %s: this worker runs no models (it has no ONNX Runtime); "+
				"run it with --device cpu, cuda or auto, or the run with detector: classical: %w", ref.Name, ref.Version, asynq.SkipRetry)
		}
		return detectorUsed{Detector: ref.Name + " " + ref.Version, Choice: choice, ModelVersionID: ref.ID, Model: ref.Name,
			Version: ref.Version, WeightsSHA256: ref.WeightsSHA256, Device: rt.models.Device}, &ref, nil
	}
	if p.cones, p.coneRef, err = pick(jobs.TaskCones, classicalCones, run.ModelVersionID); err != nil {
		return p, err
	}
	p.vessels, p.vesselRef, err = pick(jobs.TaskCapillaries, classicalVessels, nil)
	return p, err
}

// model loads a model version into the worker's pool: the weights come from object storage
// once per worker (the pool caches them on disk by digest and checks it).
func (rt *Runtime) model(ctx context.Context, ref *db.ModelRef) (*inference.Model, error) {
	card, err := inference.ReadCard([]byte(ref.Card))
	if err != nil {
		return nil, fmt.Errorf("card of model %s %s: %w: %w", ref.Name, ref.Version, err, asynq.SkipRetry)
	}
	m, err := rt.models.Pool.Model(ctx, card, func(ctx context.Context) ([]byte, error) {
		sc := stepContext{rt: rt}
		return sc.get(ctx, ref.WeightsKey)
	})
	if err != nil {
		return nil, fmt.Errorf("load model %s %s: %w", ref.Name, ref.Version, err)
	}
	return m, nil
}
