package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
)

// Model tasks: what a model version finds. A run names a cone model; the capillary model
// is always the deployed one.
const (
	TaskCones       = "cones"
	TaskCapillaries = "capillaries"
)

// checkRunModel refuses a run's model version that does not exist, belongs to another
// project than the volume's (as if it did not exist), or does not find cones.
func checkRunModel(ctx context.Context, tx *sqlx.Tx, mvID, volumeID int64) error {
	ref, err := db.ModelRefByID(ctx, tx, mvID)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%w: model version %d does not exist", ErrInvalidRun, mvID)
	}
	if err != nil {
		return err
	}
	if ref.Project != nil {
		var project string
		if err := tx.GetContext(ctx, &project, `SELECT s.project FROM volumes v JOIN cases c ON c.id = v.case_id
			JOIN subjects s ON s.id = c.subject_id WHERE v.id = $1`, volumeID); err != nil {
			return fmt.Errorf("project of volume %d: %w", volumeID, err)
		}
		if *ref.Project != project {
			return fmt.Errorf("%w: model version %d does not exist", ErrInvalidRun, mvID)
		}
	}
	if ref.Task != TaskCones {
		return fmt.Errorf("%w: model version %d (%s %s) finds %s, not cones: a run names its cone model",
			ErrInvalidRun, mvID, ref.Name, ref.Version, ref.Task)
	}
	return nil
}
