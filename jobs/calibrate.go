package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
)

// remeasured are the steps that read the pixel size: a new calibration runs them again and
// keeps segmentation (which finds cones in pixels) as it was.
var remeasured = []string{StepMetrics, StepQC}

// Calibration is a pixel size as a technician gives it: UmPerPx directly, or (Device) a
// scan's field of view and the eye's axial length.
type Calibration struct {
	UmPerPx        float64
	Device         bool
	AxialLengthMM  float64
	FieldOfViewDeg float64
	FieldOfViewPx  int
}

// record checks c and converts it into what the volume records; what it refuses is
// ErrInvalidRun.
func (c Calibration) record() (db.VolumeCalibration, error) {
	if !c.Device {
		um := c.UmPerPx
		if !(um > 0 && um <= 1000) {
			return db.VolumeCalibration{}, fmt.Errorf("%w: umPerPx must be above 0 and at most 1000 µm per pixel", ErrInvalidRun)
		}
		return db.VolumeCalibration{UmPerPx: &um, Source: db.PixelSizeUploader}, nil
	}
	d := imaging.DeviceCalibration{AxialLengthMM: c.AxialLengthMM, FieldOfViewDeg: c.FieldOfViewDeg, FieldOfViewPx: c.FieldOfViewPx}
	um, err := d.UmPerPx()
	if err != nil {
		return db.VolumeCalibration{}, fmt.Errorf("%w: device calibration: %w", ErrInvalidRun, err)
	}
	px := d.FieldOfViewPx
	return db.VolumeCalibration{UmPerPx: &um, Source: db.PixelSizeDevice, AxialLengthMM: &d.AxialLengthMM,
		ScanFOVDeg: &d.FieldOfViewDeg, ScanFOVPx: &px}, nil
}

// Recalibrate records a volume's pixel size and, in the same transaction, sends its latest
// SUCCEEDED run back through the metrics and QC steps, which read the new calibration. It
// returns the updated volume and that run (nil when the volume has none).
func (p *Pipeline) Recalibrate(ctx context.Context, volumeID int64, in Calibration) (db.Volume, *db.Run, error) {
	c, err := in.record()
	if err != nil {
		return db.Volume{}, nil, err
	}
	var vol db.Volume
	var run *db.Run
	var queued []db.StepState
	var prog db.RunProgress
	err = db.InTx(ctx, p.db, func(tx *sqlx.Tx) error {
		v, err := db.VolumeByIDForRun(ctx, tx, volumeID)
		if err != nil {
			return err
		}
		if v.Status != "READY" {
			return fmt.Errorf("%w: volume %d is %s, not READY", ErrInvalidRun, v.ID, v.Status)
		}
		if vol, err = db.SetVolumeCalibration(ctx, tx, volumeID, c); err != nil {
			return err
		}
		r, err := db.LatestMeasuredRun(ctx, tx, volumeID)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := db.ResetSteps(ctx, tx, r.ID, remeasured); err != nil {
			return err
		}
		if err := db.SetRunStatus(ctx, tx, r.ID, db.StatusQueued); err != nil {
			return err
		}
		if queued, err = QueueReady(ctx, tx, r.ID); err != nil {
			return err
		}
		steps, err := db.PipelineSteps(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if prog, err = db.PutProgress(ctx, tx, db.RunProgress{RunID: r.ID, Fraction: Fraction(steps, "", 0),
			Message: "re-measuring with the new pixel size", Status: db.StatusQueued}); err != nil {
			return err
		}
		out, err := db.PipelineRun(ctx, tx, r.ID, false)
		run = &out
		return err
	})
	if err != nil {
		return db.Volume{}, nil, fmt.Errorf("calibrate volume %d: %w", volumeID, err)
	}
	p.log.InfoContext(ctx, "volume calibrated", "volume_id", volumeID, "source", c.Source)
	if run != nil {
		p.dispatch.Announce(ctx, run.ID, &prog)
		p.dispatch.Enqueue(ctx, queued)
	}
	return vol, run, nil
}
