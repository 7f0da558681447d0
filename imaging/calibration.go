package imaging

import (
	"fmt"
	"math"
)

// RetinalMagnificationMMPerDeg is the retinal distance, in mm, that one degree of visual angle
// spans in an eye of the given axial length: q = 0.01306·(AL − 1.82) mm/deg, the Bennett,
// Rudnicka & Edgar (1994) abbreviated axial-length method (A. G. Bennett, A. R. Rudnicka and
// D. F. Edgar, "Improvements on Littmann's method of determining the size of retinal
// features by fundus photography", Graefe's Arch. Clin. Exp. Ophthalmol. 232:361–367, 1994).
// An emmetropic 24 mm eye gives 0.290 mm/deg (MMPerDegree).
func RetinalMagnificationMMPerDeg(axialLengthMM float64) float64 {
	return 0.01306 * (axialLengthMM - 1.82)
}

// DeviceCalibration is what a scanner states about a scan and the eye it imaged.
type DeviceCalibration struct {
	// AxialLengthMM is the eye's axial length (biometry), 15–40 mm.
	AxialLengthMM float64
	// FieldOfViewDeg is the scan's field of view along one image axis, in degrees, and
	// FieldOfViewPx the number of pixels that field spans along that axis.
	FieldOfViewDeg float64
	FieldOfViewPx  int
}

// UmPerPx converts the calibration into a pixel size: the field of view in degrees times the
// retinal magnification (RetinalMagnificationMMPerDeg), over the pixels it spans.
func (c DeviceCalibration) UmPerPx() (float64, error) {
	switch {
	case !(c.AxialLengthMM >= 15 && c.AxialLengthMM <= 40):
		return 0, fmt.Errorf("axial length %.2f mm is outside 15–40 mm", c.AxialLengthMM)
	case !(c.FieldOfViewDeg > 0 && c.FieldOfViewDeg <= 60):
		return 0, fmt.Errorf("field of view %.3f° is outside (0, 60]°", c.FieldOfViewDeg)
	case c.FieldOfViewPx <= 0 || c.FieldOfViewPx > 1<<16:
		return 0, fmt.Errorf("field of view of %d px is outside 1–65536 px", c.FieldOfViewPx)
	}
	um := c.FieldOfViewDeg * RetinalMagnificationMMPerDeg(c.AxialLengthMM) * 1000 / float64(c.FieldOfViewPx)
	if math.IsNaN(um) || um <= 0 {
		return 0, fmt.Errorf("calibration gives no pixel size")
	}
	return um, nil
}
