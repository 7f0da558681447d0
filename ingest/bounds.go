package ingest

import "fmt"

// The ranges of the physical numbers a caller may give with a volume or a run. Every entry
// point (uploads, cases, runs) checks them here, so one rule holds everywhere.
const (
	// MaxUmPerPx is the largest pixel size accepted, in micrometres per pixel.
	MaxUmPerPx = 1000.0
	// MaxEccentricityDeg is the largest retinal eccentricity accepted, in degrees.
	MaxEccentricityDeg = 90.0
)

// CheckUmPerPx refuses a pixel size that is not above 0 and at most MaxUmPerPx.
func CheckUmPerPx(f float64) error {
	if !(f > 0 && f <= MaxUmPerPx) { // written so that NaN is refused too
		return fmt.Errorf("umPerPx must be above 0 and at most %g µm per pixel", MaxUmPerPx)
	}
	return nil
}

// CheckEccentricityDeg refuses an eccentricity outside 0 to MaxEccentricityDeg degrees.
func CheckEccentricityDeg(f float64) error {
	if !(f >= 0 && f <= MaxEccentricityDeg) {
		return fmt.Errorf("eccentricityDeg must be between 0 and %g degrees", MaxEccentricityDeg)
	}
	return nil
}
