package imaging

import (
	"math"
	"slices"
)

// NormalizeOptions tunes Normalize.
type NormalizeOptions struct {
	// LowPercentile and HighPercentile map to 0 and 1; 0 means 0.5 and 99.5.
	LowPercentile, HighPercentile float64
	// FlatFieldSigma > 0 first divides the image by its Gaussian blur at this scale in
	// px, removing illumination that varies slower than that; pick several cone
	// spacings or more (e.g. a tenth of the frame).
	FlatFieldSigma float64
}

// Normalize returns img with slow illumination removed (if FlatFieldSigma > 0) and
// intensities stretched robustly to [0, 1] between two percentiles, clamping outliers.
// A flat image maps to all zeros.
func Normalize(img *Image, opts NormalizeOptions) *Image {
	lp, hp := opts.LowPercentile, opts.HighPercentile
	if lp <= 0 {
		lp = 0.5
	}
	if hp <= 0 {
		hp = 99.5
	}
	out := img.Clone()
	if len(out.Pix) == 0 {
		return out
	}
	if opts.FlatFieldSigma > 0 {
		flatField(out, opts.FlatFieldSigma)
	}
	lo, hi := Percentiles(out, lp, hp)
	if !(hi > lo) {
		clear(out.Pix)
		return out
	}
	inv := 1 / (hi - lo)
	for i, v := range out.Pix {
		out.Pix[i] = float32(math.Max(0, math.Min(1, (float64(v)-lo)*inv)))
	}
	return out
}

// flatField divides img in place by its background, a near-Gaussian blur of scale
// sigma whose borders extend the image point-symmetrically so a gradient is not
// flattened near the edges, rescaled so the mean level is kept.
func flatField(img *Image, sigma float64) {
	lo, mean := math.Inf(1), 0.0
	for _, v := range img.Pix {
		lo = math.Min(lo, float64(v))
		mean += float64(v)
	}
	mean /= float64(len(img.Pix))
	off := 0.0
	if lo < 0 {
		off = -lo
	}
	bg := img.Clone()
	for _, r := range boxRadii(sigma) {
		boxPass(bg, r, true)
	}
	floor := 1e-3 * math.Max(mean+off, 1e-12)
	for i, v := range img.Pix {
		b := math.Max(float64(bg.Pix[i])+off, floor)
		img.Pix[i] = float32((float64(v) + off) / b * (mean + off))
	}
}

// Percentiles returns the p-th and q-th percentiles (0–100) of the pixel values,
// estimated from at most about 65,536 evenly spread pixels.
func Percentiles(img *Image, p, q float64) (float64, float64) {
	n := len(img.Pix)
	if n == 0 {
		return 0, 0
	}
	step := max(1, n/65536)
	s := make([]float32, 0, n/step+1)
	for i := 0; i < n; i += step {
		s = append(s, img.Pix[i])
	}
	slices.Sort(s)
	at := func(pct float64) float64 {
		f := math.Max(0, math.Min(1, pct/100)) * float64(len(s)-1)
		i := int(f)
		if i >= len(s)-1 {
			return float64(s[len(s)-1])
		}
		t := f - float64(i)
		return float64(s[i])*(1-t) + float64(s[i+1])*t
	}
	return at(p), at(q)
}
