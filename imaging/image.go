// Package imaging holds the pure image algorithms of aomas: phantoms with ground truth,
// preprocessing, classical detectors and metrics. It does no I/O and keeps no globals.
package imaging

import "fmt"

// Image is a single-channel float32 image stored row-major: pixel (x, y) is Pix[y*W+x].
type Image struct {
	W, H int
	Pix  []float32
}

// NewImage returns a zeroed w×h image.
func NewImage(w, h int) *Image {
	if w < 0 || h < 0 {
		panic(fmt.Sprintf("imaging: negative size %dx%d", w, h))
	}
	return &Image{W: w, H: h, Pix: make([]float32, w*h)}
}

// At returns the pixel at (x, y); it panics outside the image like a slice would.
func (m *Image) At(x, y int) float32 { return m.Pix[y*m.W+x] }

// Set writes the pixel at (x, y).
func (m *Image) Set(x, y int, v float32) { m.Pix[y*m.W+x] = v }

// Clone returns a deep copy.
func (m *Image) Clone() *Image {
	c := &Image{W: m.W, H: m.H, Pix: make([]float32, len(m.Pix))}
	copy(c.Pix, m.Pix)
	return c
}

// Point is a position in pixels, 0-based: the centre of the top-left pixel is (0, 0),
// x grows to the right and y downwards.
type Point struct {
	X, Y float64
}

// Volume is a z×y×x voxel grid with physical spacing; voxel (x, y, z) is Vox[(z*Y+y)*X+x].
type Volume struct {
	X, Y, Z int
	// SpacingUm is the voxel spacing in micrometres along x, y and z.
	SpacingUm [3]float64
	Vox       []float32
}

// Estimate is a measured value with its 95% confidence interval.
type Estimate struct {
	Value    float64 `json:"value"`
	CI95Low  float64 `json:"ci95Low"`
	CI95High float64 `json:"ci95High"`
	Unit     string  `json:"unit"`
}

// QCFlag is a quality-control finding about an image or its measurements.
type QCFlag struct {
	// Code is a stable identifier such as "LOW_SNR" or "DENSITY_OUT_OF_RANGE".
	Code string `json:"code"`
	// Severity is "warning" or "error".
	Severity string `json:"severity"`
	Message  string `json:"message"`
}
