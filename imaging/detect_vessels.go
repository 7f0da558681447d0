package imaging

import (
	"fmt"
	"math"
)

// VesselOptions configures DetectVessels; zero fields take the defaults.
type VesselOptions struct {
	// Scales are the Gaussian scales (px) of the Hessian (default 1, 1.5, 2, 3, 4).
	Scales []float64 `json:"scales"`
	// Beta weighs the blob-versus-line ratio in Frangi's measure (default 0.5).
	Beta float64 `json:"beta"`
	// Threshold is the vesselness threshold as a fraction of its maximum (default 0.1).
	Threshold float64 `json:"threshold"`
	// MinAreaPx drops connected pieces of the mask smaller than this (default 30).
	MinAreaPx int `json:"minAreaPx"`
	// DarkVessels marks vessels darker than the background (default: bright vessels).
	DarkVessels bool `json:"darkVessels"`
}

func (o VesselOptions) withDefaults() VesselOptions {
	if len(o.Scales) == 0 {
		o.Scales = []float64{1, 1.5, 2, 3, 4}
	}
	if o.Beta <= 0 {
		o.Beta = 0.5
	}
	if o.Threshold <= 0 {
		o.Threshold = 0.1
	}
	if o.MinAreaPx <= 0 {
		o.MinAreaPx = 30
	}
	return o
}

// VesselSample is one skeleton pixel with its measured vessel diameter.
type VesselSample struct {
	X int `json:"x"`
	Y int `json:"y"`
	// DiameterPx is the full width at half maximum of the intensity profile across the vessel,
	// sub-pixel; the search is bounded by the distance transform.
	DiameterPx float64 `json:"diameterPx"`
	// EDTDiameterPx is 2·d − 1 for the distance d from the skeleton pixel to the nearest
	// background pixel of the mask (the −1 because both are pixel centres).
	EDTDiameterPx float64 `json:"edtDiameterPx"`
}

// VesselResult is the output of DetectVessels. The pixel maps are row-major W×H.
type VesselResult struct {
	W          int            `json:"w"`
	H          int            `json:"h"`
	Vesselness []float32      `json:"-"`
	Mask       []bool         `json:"-"`
	Skeleton   []bool         `json:"-"`
	Samples    []VesselSample `json:"samples"`
}

// DetectVessels finds tubular vessels: multi-scale Hessian vesselness (Frangi et al. 1998,
// scale-normalised by σ²), a threshold on it intersected with an Otsu threshold of the
// lightly smoothed intensity (so the mask follows the vessel's half-contrast edge rather than
// the width of the filter response), small pieces dropped, Zhang–Suen thinning, and at each
// skeleton pixel a diameter from the distance transform refined by the half-maximum width of
// the intensity profile along the Hessian's across-vessel direction.
func DetectVessels(img *Image, opts VesselOptions) VesselResult {
	return detectVessels(img, img, opts)
}

// DetectVesselsOn is DetectVessels with the vessels found on det (vesselness, mask, skeleton,
// distance transform and across-vessel directions) and their half-maximum widths, with the
// background level they are measured against, taken from wid: an image of the same size that
// may be less smoothed than det, so that a blur which helps to find the vessels does not also
// widen them. A nil wid measures on det, as DetectVessels does; a wid of another size panics.
func DetectVesselsOn(det, wid *Image, opts VesselOptions) VesselResult {
	if wid == nil {
		wid = det
	}
	if wid.W != det.W || wid.H != det.H {
		panic(fmt.Sprintf("imaging: vessels detected on %dx%d, widths measured on %dx%d", det.W, det.H, wid.W, wid.H))
	}
	return detectVessels(det, wid, opts)
}

// DetectSlabVessels finds the capillaries of an OCT vascular slab (SVP, ICP, DCP). A slab
// projects only a few voxels in depth, and its speckle, correlated over the PSF, leaves few
// independent looks per pixel: the vessels are found on the slab with its speckle reduced at
// σ 1.5 px and a vesselness threshold of 0.2, and their widths are measured on the slab
// reduced at σ 1 px only, which the stronger blur would widen.
func DetectSlabVessels(slab *Image) VesselResult {
	return DetectVesselsOn(ReduceSpeckle(slab, SpeckleOptions{Sigma: 1.5}), ReduceSpeckle(slab, SpeckleOptions{Sigma: 1}),
		VesselOptions{Threshold: 0.2})
}

// detectVessels is DetectVesselsOn with a non-nil wid.
func detectVessels(det, wid *Image, opts VesselOptions) VesselResult {
	o := opts.withDefaults()
	w, h := det.W, det.H
	res := VesselResult{W: w, H: h, Vesselness: make([]float32, w*h), Mask: make([]bool, w*h), Skeleton: make([]bool, w*h)}
	if w < 3 || h < 3 {
		return res
	}
	signed := func(img *Image) *field {
		f := fieldOf(img)
		if o.DarkVessels {
			for i := range f.v {
				f.v[i] = -f.v[i]
			}
		}
		return f
	}
	f := signed(det)
	best := make([]float64, w*h)
	nx, ny := make([]float64, w*h), make([]float64, w*h)
	for _, s := range o.Scales {
		dxx, dxy, dyy := hessian(gaussianSmooth(f, s))
		l1s, l2s := make([]float64, w*h), make([]float64, w*h)
		vx, vy := make([]float64, w*h), make([]float64, w*h)
		maxS := 0.0
		for i := range l1s {
			l1, l2, ex, ey := sym2Eigen(dxx.v[i]*s*s, dxy.v[i]*s*s, dyy.v[i]*s*s)
			l1s[i], l2s[i], vx[i], vy[i] = l1, l2, ex, ey
			maxS = math.Max(maxS, math.Hypot(l1, l2))
		}
		c := maxS / 2
		if c == 0 {
			continue
		}
		for i := range l1s {
			if l2s[i] >= 0 {
				continue // bright vessels curve downwards across their axis
			}
			rb := l1s[i] / l2s[i]
			ss := l1s[i]*l1s[i] + l2s[i]*l2s[i]
			v := math.Exp(-rb*rb/(2*o.Beta*o.Beta)) * (1 - math.Exp(-ss/(2*c*c)))
			if v > best[i] {
				best[i], nx[i], ny[i] = v, vx[i], vy[i]
			}
		}
	}
	maxV := 0.0
	for i, v := range best {
		res.Vesselness[i] = float32(v)
		maxV = math.Max(maxV, v)
	}
	if maxV == 0 {
		return res
	}

	smooth := gaussianSmooth(f, 0.7)
	level := otsuThreshold(smooth.v)
	// The vesselness response is narrower than wide vessels, so it is grown by 2 px before
	// it gates the intensity mask.
	cand := make([]bool, w*h)
	for i, v := range best {
		cand[i] = v > o.Threshold*maxV
	}
	cand = dilate(cand, w, h, 2)
	for i := range res.Mask {
		res.Mask[i] = cand[i] && smooth.v[i] > level
	}
	dropSmallComponents(res.Mask, w, h, o.MinAreaPx)
	res.Skeleton = zhangSuen(res.Mask, w, h)
	dist := distanceTransform(res.Mask, w, h)

	// The widths, and the background level they are measured against, come from wid.
	if wid != det {
		smooth = gaussianSmooth(signed(wid), 0.7)
	}
	bgVals := make([]float64, 0, w*h)
	for i, m := range res.Mask {
		if !m {
			bgVals = append(bgVals, smooth.v[i])
		}
	}
	bg := qcMedian(bgVals)
	for y := range h {
		for x := range w {
			i := y*w + x
			if !res.Skeleton[i] {
				continue
			}
			s := VesselSample{X: x, Y: y, EDTDiameterPx: 2*dist[i] - 1}
			s.DiameterPx = halfMaxWidth(smooth, float64(x), float64(y), nx[i], ny[i], bg, 2*dist[i]+4)
			if math.IsNaN(s.DiameterPx) {
				s.DiameterPx = s.EDTDiameterPx
			}
			res.Samples = append(res.Samples, s)
		}
	}
	return res
}

// halfMaxWidth measures the full width at half maximum of the profile of f through (x, y)
// along the unit direction (dx, dy), against background level bg, searching up to reach px
// each way. The peak is taken within 1 px of the centre. It returns NaN when a side never
// falls below half maximum.
func halfMaxWidth(f *field, x, y, dx, dy, bg, reach float64) float64 {
	const step = 0.1
	peak := math.Inf(-1)
	peakT := 0.0
	for t := -1.0; t <= 1.0; t += step {
		if v := f.bilinear(x+t*dx, y+t*dy); v > peak {
			peak, peakT = v, t
		}
	}
	half := (peak + bg) / 2
	if peak <= bg {
		return math.NaN()
	}
	side := func(sign float64) float64 {
		prev := peak
		for t := step; t <= reach; t += step {
			tt := peakT + sign*t
			v := f.bilinear(x+tt*dx, y+tt*dy)
			if v < half {
				return t - step + step*(prev-half)/(prev-v)
			}
			prev = v
		}
		return math.NaN()
	}
	return side(1) + side(-1)
}

// dilate grows a mask by a square of radius r.
func dilate(m []bool, w, h, r int) []bool {
	tmp := make([]bool, len(m))
	for y := range h {
		for x := range w {
			for d := -r; d <= r; d++ {
				if xx := x + d; xx >= 0 && xx < w && m[y*w+xx] {
					tmp[y*w+x] = true
					break
				}
			}
		}
	}
	out := make([]bool, len(m))
	for y := range h {
		for x := range w {
			for d := -r; d <= r; d++ {
				if yy := y + d; yy >= 0 && yy < h && tmp[yy*w+x] {
					out[y*w+x] = true
					break
				}
			}
		}
	}
	return out
}

// dropSmallComponents clears 8-connected pieces of m with fewer than minArea pixels.
func dropSmallComponents(m []bool, w, h, minArea int) {
	seen := make([]bool, len(m))
	var stack, comp []int
	for start := range m {
		if !m[start] || seen[start] {
			continue
		}
		comp = comp[:0]
		stack = append(stack[:0], start)
		seen[start] = true
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			comp = append(comp, i)
			x, y := i%w, i/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					if j := yy*w + xx; m[j] && !seen[j] {
						seen[j] = true
						stack = append(stack, j)
					}
				}
			}
		}
		if len(comp) < minArea {
			for _, i := range comp {
				m[i] = false
			}
		}
	}
}
