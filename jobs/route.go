package jobs

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
)

// Why a run's cone model is the one it is (runs.model_choice; Segmentation.cones.choice).
const (
	ChoiceRun      = "run"      // the run named it
	ChoiceCanary   = "canary"   // the canary version took the run by its volume's bucket
	ChoiceDeployed = "deployed" // the production version (or the classical detector where none is)
	ChoiceParams   = "params"   // detector: classical
)

// CanaryBucket is a volume's bucket in [0, 100): a CANARY version at p percent takes the new
// runs of volumes whose bucket is below p, so the same volume always gets the same version.
func CanaryBucket(volumeID int64) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strconv.FormatInt(volumeID, 10)))
	return int(h.Sum32() % 100)
}

// runRoute is the model choice StartRun records for a new run.
type runRoute struct {
	version *int64
	choice  string
	// shadow adds the shadow version's segment step.
	shadow bool
}

// routeRun decides a new run's cone model: the one it names; else the project's CANARY
// version of cones for the run's modality when the volume's bucket falls in its share;
// else the deployed one, chosen when the segment step is claimed. A frame-stack run that
// uses a model also runs the project's SHADOW version of cones, if there is one.
func routeRun(ctx context.Context, tx *sqlx.Tx, volumeID int64, named *int64, rp RunParams, kind string) (runRoute, error) {
	if rp.Detector == DetectorClassical {
		return runRoute{version: named, choice: ChoiceParams}, nil
	}
	r := runRoute{version: named, choice: ChoiceRun}
	project, err := db.ProjectOfVolume(ctx, tx, volumeID)
	if err != nil {
		return r, err
	}
	modality := rp.Modality
	if modality == "" {
		modality = "confocal"
	}
	if named == nil {
		r.choice = ChoiceDeployed
		canary, err := db.StagedModel(ctx, tx, TaskCones, modality, project, db.StageCanary)
		switch {
		case err == nil && canary.CanaryPercent != nil && CanaryBucket(volumeID) < *canary.CanaryPercent:
			r.version, r.choice = &canary.ID, ChoiceCanary
		case err != nil && !errors.Is(err, db.ErrNotFound):
			return r, err
		}
	}
	if kind != KindOCTVolume {
		_, err := db.StagedModel(ctx, tx, TaskCones, modality, project, db.StageShadow)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return r, err
		}
		r.shadow = err == nil
	}
	return r, nil
}
