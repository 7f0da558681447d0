package resolvers

import (
	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/jobs"
)

// calibrationOf reads a setVolumeCalibration input; jobs.Recalibrate checks and converts it.
func calibrationOf(in model.SetVolumeCalibrationInput) (jobs.Calibration, error) {
	if (in.UmPerPx == nil) == (in.Device == nil) {
		return jobs.Calibration{}, invalidInput("give exactly one of umPerPx and device")
	}
	if in.UmPerPx != nil {
		return jobs.Calibration{UmPerPx: *in.UmPerPx}, nil
	}
	return jobs.Calibration{Device: true, AxialLengthMM: in.Device.AxialLengthMm, FieldOfViewDeg: in.Device.FieldOfViewDeg,
		FieldOfViewPx: in.Device.FieldOfViewPx}, nil
}

func pixelSizeSource(s string) model.PixelSizeSource {
	if s == "" {
		return model.PixelSizeSourceNone
	}
	return model.PixelSizeSource(s)
}

func deviceCalibration(v *db.Volume) *model.DeviceCalibration {
	if v.PixelSizeSource != db.PixelSizeDevice || v.AxialLengthMM == nil || v.ScanFOVDeg == nil || v.ScanFOVPx == nil {
		return nil
	}
	return &model.DeviceCalibration{AxialLengthMm: *v.AxialLengthMM, FieldOfViewDeg: *v.ScanFOVDeg, FieldOfViewPx: *v.ScanFOVPx}
}
