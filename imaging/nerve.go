package imaging

import (
	"math"
	"slices"
)

// NerveOptions configures NerveFibreOrientation; zero fields take the defaults.
type NerveOptions struct {
	// GradientSigmaPx is the Gaussian scale of the derivatives (default 1).
	GradientSigmaPx float64 `json:"gradientSigmaPx"`
	// TensorSigmaPx is the integration scale of the structure tensor (default 6).
	TensorSigmaPx float64 `json:"tensorSigmaPx"`
	// Bootstrap sets the sub-regions (default 4×4) and resampling of the intervals.
	Bootstrap BootstrapOptions `json:"bootstrap"`
}

// NerveResult holds the nerve-fibre orientation field and bundle measurements. Angles are
// degrees in [0, 180), counter-clockwise from the +x axis as seen on screen.
type NerveResult struct {
	W int `json:"w"`
	H int `json:"h"`
	// OrientationDeg and Coherence are per-pixel maps, row-major W×H. Coherence is
	// (λ1−λ2)/(λ1+λ2) of the structure tensor: 1 for perfect striation, 0 for isotropy.
	OrientationDeg []float32 `json:"-"`
	Coherence      []float32 `json:"-"`
	MeanCoherence  float64   `json:"meanCoherence"`
	// DominantOrientationDeg is the orientation of the structure tensor summed over the image;
	// its interval may reach past 0° or 180° so that it stays one contiguous arc.
	DominantOrientationDeg Estimate `json:"dominantOrientationDeg"`
	// BundleSpacingPx is the centre-to-centre bundle period across the fibres, from the
	// autocorrelation of profiles taken perpendicular to the local orientation.
	BundleSpacingPx Estimate `json:"bundleSpacingPx"`
	// BundleWidthPx is the width of the bright bundles: the spacing times the fraction of the
	// perpendicular profile above the mid-level between its troughs and crests.
	BundleWidthPx Estimate `json:"bundleWidthPx"`
	Tiles         int      `json:"tiles"`
}

const (
	nsJxx = iota
	nsJxy
	nsJyy
	nsPeriod
	nsWidth
	nsN
	nsLen
)

// NerveFibreOrientation measures fibre orientation with the structure tensor (gradients at
// GradientSigmaPx, tensor smoothed at TensorSigmaPx) and bundle spacing and width from
// profiles across the fibres, with bootstrap intervals over sub-regions.
func NerveFibreOrientation(img *Image, opts NerveOptions) NerveResult {
	return nerveFibreOrientation(img, img, opts)
}

// SlabNerveFibreOrientation measures the nerve fibres of an OCT volume's NFL slab. The slab's
// speckle, correlated over the PSF, leaves few independent looks per pixel, and its grain
// steers a structure tensor taken at 1 px: the orientation (the dominant angle, the per-pixel
// field and coherence, and the direction of each tile's profiles across the fibres) comes
// from the slab with its speckle reduced at σ 1.5 px and gradients at GradientSigmaPx 1.5 px
// (unless opts sets it). The bundle spacing and width are sampled, along those directions, on
// the slab itself, as NerveFibreOrientation samples them.
func SlabNerveFibreOrientation(slab *Image, opts NerveOptions) NerveResult {
	if opts.GradientSigmaPx <= 0 {
		opts.GradientSigmaPx = 1.5
	}
	return nerveFibreOrientation(ReduceSpeckle(slab, SpeckleOptions{Sigma: 1.5}), slab, opts)
}

// nerveFibreOrientation is NerveFibreOrientation with the structure tensor (orientation,
// coherence and the direction of each tile's profiles) taken from img and the bundle
// profiles sampled on prof, an image of the same size.
func nerveFibreOrientation(img, prof *Image, opts NerveOptions) NerveResult {
	gs, ts := opts.GradientSigmaPx, opts.TensorSigmaPx
	if gs <= 0 {
		gs = 1
	}
	if ts <= 0 {
		ts = 6
	}
	w, h := img.W, img.H
	res := NerveResult{W: w, H: h, OrientationDeg: make([]float32, w*h), Coherence: make([]float32, w*h)}
	if w < 8 || h < 8 {
		return res
	}
	f := fieldOf(img)
	gx, gy := gradient(gaussianSmooth(f, gs))
	jxx, jxy, jyy := newField(w, h), newField(w, h), newField(w, h)
	for i := range gx.v {
		jxx.v[i], jxy.v[i], jyy.v[i] = gx.v[i]*gx.v[i], gx.v[i]*gy.v[i], gy.v[i]*gy.v[i]
	}
	sxx, sxy, syy := gaussianSmooth(jxx, ts), gaussianSmooth(jxy, ts), gaussianSmooth(jyy, ts)
	coh := 0.0
	for i := range sxx.v {
		res.OrientationDeg[i] = float32(tensorFibreAngle(sxx.v[i], sxy.v[i], syy.v[i]))
		if tr := sxx.v[i] + syy.v[i]; tr > 0 {
			c := math.Hypot(sxx.v[i]-syy.v[i], 2*sxy.v[i]) / tr
			res.Coherence[i] = float32(c)
			coh += c
		}
	}
	res.MeanCoherence = coh / float64(w*h)

	k := opts.Bootstrap.Tiles
	if k <= 0 {
		k = 4
	}
	res.Tiles = k
	tiles := make([][]float64, k*k)
	for i := range tiles {
		tiles[i] = make([]float64, nsLen)
	}
	fw, fh := float64(w), float64(h)
	for y := range h {
		for x := range w {
			t := tiles[tileIndex(float64(x), float64(y), -0.5, -0.5, fw, fh, k)]
			i := y*w + x
			t[nsJxx] += jxx.v[i]
			t[nsJxy] += jxy.v[i]
			t[nsJyy] += jyy.v[i]
		}
	}
	pf := f // the bundle profiles' source
	if prof != img {
		pf = fieldOf(prof)
	}
	smooth := gaussianSmooth(pf, 0.7)
	tw, th := fw/float64(k), fh/float64(k)
	for ty := range k {
		for tx := range k {
			t := tiles[ty*k+tx]
			ang := tensorFibreAngle(t[nsJxx], t[nsJxy], t[nsJyy]) * math.Pi / 180
			// Fibre direction and its normal in image coordinates (y down).
			dx, dy := math.Cos(ang), -math.Sin(ang)
			cx, cy := -0.5+(float64(tx)+0.5)*tw, -0.5+(float64(ty)+0.5)*th
			period, width, ok := bundleProfile(smooth, cx, cy, dx, dy, math.Min(tw, th))
			if ok {
				t[nsPeriod] += period
				t[nsWidth] += width
				t[nsN]++
			}
		}
	}
	whole := make([]float64, nsLen)
	for _, t := range tiles {
		for j, v := range t {
			whole[j] += v
		}
	}
	ref := tensorFibreAngle(whole[nsJxx], whole[nsJxy], whole[nsJyy])
	angle := func(s []float64) float64 {
		// Unwrapped about the whole-image angle so intervals near 0°/180° stay contiguous.
		a := tensorFibreAngle(s[nsJxx], s[nsJxy], s[nsJyy])
		d := math.Mod(a-ref+270, 180) - 90
		return ref + d
	}
	mean := func(num int) tileStatistic {
		return func(s []float64) float64 {
			if s[nsN] == 0 {
				return math.NaN()
			}
			return s[num] / s[nsN]
		}
	}
	est := tileBootstrap(tiles, nsLen, []tileStatistic{angle, mean(nsPeriod), mean(nsWidth)}, opts.Bootstrap)
	est[0].Unit, est[1].Unit, est[2].Unit = "°", "px", "px"
	for i := range est {
		if math.IsNaN(est[i].Value) {
			est[i] = Estimate{Unit: est[i].Unit}
		}
	}
	// Bring the value into [0, 180), shifting the interval with it (which may then reach past
	// 0° or 180°, so that it stays one contiguous arc).
	if shift := wrap180(est[0].Value) - est[0].Value; shift != 0 {
		est[0].Value += shift
		est[0].CI95Low += shift
		est[0].CI95High += shift
	}
	res.DominantOrientationDeg, res.BundleSpacingPx, res.BundleWidthPx = est[0], est[1], est[2]
	return res
}

// tensorFibreAngle returns the fibre orientation (degrees in [0, 180), counter-clockwise on
// screen) of a structure tensor: perpendicular to its dominant gradient direction.
func tensorFibreAngle(jxx, jxy, jyy float64) float64 {
	grad := 0.5 * math.Atan2(2*jxy, jxx-jyy) // image coordinates, y down
	fibre := grad + math.Pi/2
	return wrap180(-fibre * 180 / math.Pi) // y up
}

// bundleProfile samples f across the fibres (normal to the unit direction (dx, dy)) through
// (cx, cy) over length px, each sample averaged over ±6 px along the fibres, and returns the
// bundle period (first autocorrelation peak, parabola-refined) and bundle width (period times
// the fraction of the profile above its mid-level).
func bundleProfile(f *field, cx, cy, dx, dy, length float64) (period, width float64, ok bool) {
	const step = 0.5
	nx, ny := -dy, dx
	n := int(length / step)
	prof := make([]float64, n)
	for i := range prof {
		s := (float64(i) - float64(n)/2) * step
		acc := 0.0
		for a := -6.0; a <= 6; a++ {
			acc += f.bilinear(cx+s*nx+a*dx, cy+s*ny+a*dy)
		}
		prof[i] = acc / 13
	}
	mean := 0.0
	for _, v := range prof {
		mean += v
	}
	mean /= float64(n)
	ac := make([]float64, n/2)
	for lag := range ac {
		for i := 0; i+lag < n; i++ {
			ac[lag] += (prof[i] - mean) * (prof[i+lag] - mean)
		}
		ac[lag] /= float64(n - lag)
	}
	lag := 1
	for lag < len(ac) && ac[lag] > 0 {
		lag++
	}
	for lag+1 < len(ac) && !(ac[lag] >= ac[lag-1] && ac[lag] >= ac[lag+1]) {
		lag++
	}
	if lag+1 >= len(ac) || ac[lag] <= 0 {
		return 0, 0, false
	}
	a, b, c := ac[lag-1], ac[lag], ac[lag+1]
	off := 0.0
	if den := a - 2*b + c; den < 0 {
		off = 0.5 * (a - c) / den
	}
	period = (float64(lag) + off) * step
	// Use a whole number of periods so the duty cycle is not skewed by a partial one.
	m := int(math.Floor(float64(n)*step/period) * period / step)
	sorted := slices.Clone(prof[:m])
	slices.Sort(sorted)
	mid := (quantileSorted(sorted, 0.05) + quantileSorted(sorted, 0.95)) / 2
	above := 0
	for _, v := range prof[:m] {
		if v > mid {
			above++
		}
	}
	return period, period * float64(above) / float64(m), true
}
