package imaging

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/dsp/fourier"
)

// ConeModality names the kind of AO image the cone detector is looking at.
type ConeModality string

// Cone image modalities.
const (
	// ConeConfocal is confocal AOSLO (and en-face OCT): cones are bright spots.
	ConeConfocal ConeModality = "confocal"
	// ConeSplitDetector is non-confocal split-detector AOSLO: each cone is a dark half on the
	// left next to a bright half on the right.
	ConeSplitDetector ConeModality = "split-detector"
)

// ConeDetectOptions configures DetectCones. The zero value detects confocal cones with the
// spacing estimated from the image.
type ConeDetectOptions struct {
	Modality ConeModality
	// SpacingPx is the expected centre-to-centre cone spacing in px. When 0 it comes from
	// EccentricityDeg and UmPerPx (Curcio et al. 1990) if both are set, otherwise from the
	// image's power spectrum (EstimateConeSpacing).
	SpacingPx       float64
	EccentricityDeg float64
	UmPerPx         float64
	// Sigmas are the blob scales, as fractions of the spacing, over which the scale-normalised
	// Laplacian-of-Gaussian response is maximised; nil means the modality's default.
	Sigmas []float64
	// MinSpacing is the smallest allowed distance between two detections, as a fraction of
	// the spacing; 0 means the modality's default.
	MinSpacing float64
	// Threshold is the smallest kept response, as a fraction of the median response of the
	// candidate maxima; 0 means the modality's default.
	Threshold float64
	// NoiseK is the smallest kept response in units of the response's noise standard
	// deviation (the image noise, estimated robustly, carried through the filter); 0 means
	// the modality's default, negative means no noise criterion.
	NoiseK float64
	// VerifySigma is the cone-sized scale, as a fraction of the spacing, at which each peak
	// must also stand out: its DoG response there must reach VerifyThreshold × the median
	// over peaks. Small bright spots such as rods pass the fine localisation scale but not
	// this one. 0 means the modality's default, negative means no verification.
	VerifySigma, VerifyThreshold float64
	// RodScale rejects rods in confocal images: a peak whose characteristic scale (the σ
	// maximising its scale-normalised blob response) is below RodScale × the median
	// characteristic scale of all peaks is a rod, not a cone. Rods are ~2 µm across whatever
	// the eccentricity, so they are only told apart where the cones are much larger: it
	// applies when UmPerPx is set and the spacing is at least 6 µm (beyond about 2.5°).
	// 0 means 0.6, negative means no rod rejection.
	RodScale float64
}

// coneDefaults are the per-modality parameters tuned on the Cunefare et al. 2017 training
// images (one set per modality, never per image).
type coneDefaults struct {
	sigmas     []float64
	minSpacing float64
	threshold  float64
	noiseK     float64
	verify     float64
	verifyTh   float64
}

func coneDefaultsFor(m ConeModality) coneDefaults {
	if m == ConeSplitDetector {
		return coneDefaults{sigmas: []float64{0.15}, minSpacing: 0.4, threshold: 0.45, noiseK: -1, verify: -1}
	}
	return coneDefaults{sigmas: []float64{0.09}, minSpacing: 0.6, threshold: 0.05, noiseK: -1, verify: -1}
}

// ConeSpacingPx resolves the spacing DetectCones will use for img with opts.
func ConeSpacingPx(img *Image, opts ConeDetectOptions) float64 {
	switch {
	case opts.SpacingPx > 0:
		return opts.SpacingPx
	case opts.EccentricityDeg > 0 && opts.UmPerPx > 0:
		return ExpectedConeSpacingPx(opts.EccentricityDeg, opts.UmPerPx)
	}
	if opts.Modality == ConeSplitDetector {
		return coneSpectrumSpacing(img, splitMinSpacingPx, true)
	}
	return EstimateConeSpacing(img)
}

// splitMinSpacingPx is the smallest spacing looked for in split-detector images: they are
// taken outside the fovea, and the rod mosaic between the cones leaves its own, finer ring.
const splitMinSpacingPx = 5

// DetectCones finds cone centres (0-based px, sub-pixel) in img: a scale-normalised,
// multi-scale Laplacian-of-Gaussian blob response, local maxima kept at least a minimum
// spacing apart (strongest first), a threshold relative to the typical maximum, and a
// quadratic sub-pixel fit of each peak. Split-detector images are first turned into blob
// images by a smoothed horizontal derivative. In confocal images of known sampling where
// cones are large (the periphery), peaks with a rod-sized characteristic scale are dropped
// (see RodScale).
func DetectCones(img *Image, opts ConeDetectOptions) []Point {
	pts, _, _ := detectCones(img, opts)
	return pts
}

// detectCones is DetectCones, also returning the blob response it searched and the spacing
// it used (for ConeUncertainty, so the response is computed once).
func detectCones(img *Image, opts ConeDetectOptions) ([]Point, *Image, float64) {
	if img == nil || img.W < 3 || img.H < 3 {
		return nil, nil, 0
	}
	def := coneDefaultsFor(opts.Modality)
	if opts.Sigmas == nil {
		opts.Sigmas = def.sigmas
	}
	if opts.MinSpacing <= 0 {
		opts.MinSpacing = def.minSpacing
	}
	if opts.Threshold <= 0 {
		opts.Threshold = def.threshold
	}
	if opts.NoiseK == 0 {
		opts.NoiseK = def.noiseK
	}
	if opts.VerifySigma == 0 {
		opts.VerifySigma = def.verify
	}
	if opts.VerifyThreshold <= 0 {
		opts.VerifyThreshold = def.verifyTh
	}
	if opts.RodScale == 0 {
		opts.RodScale = defaultRodScale
	}
	spacing := ConeSpacingPx(img, opts)
	src, resp, gain := coneResponse(img, spacing, opts)
	floor := 0.0
	if opts.NoiseK > 0 {
		floor = opts.NoiseK * gain * coneNoiseSigma(src)
	}
	pts := conePeaks(resp, opts.MinSpacing*spacing, opts.Threshold, floor)
	if opts.VerifySigma > 0 && len(pts) > 0 {
		ver, _ := coneBlobResponse(src, spacing, []float64{opts.VerifySigma})
		vals := make([]float64, len(pts))
		for i, p := range pts {
			vals[i] = float64(ver.At(int(math.Round(p.X)), int(math.Round(p.Y))))
		}
		sorted := append([]float64(nil), vals...)
		sort.Float64s(sorted)
		cut := opts.VerifyThreshold * sorted[len(sorted)/2]
		kept := pts[:0]
		for i, p := range pts {
			if vals[i] >= cut {
				kept = append(kept, p)
			}
		}
		pts = kept
	}
	if opts.RodScale > 0 && opts.Modality != ConeSplitDetector && opts.UmPerPx > 0 &&
		spacing*opts.UmPerPx >= rodRejectMinSpacingUm && len(pts) > 0 {
		pts = coneRejectRods(src, pts, spacing, opts.RodScale)
	}
	return pts, resp, spacing
}

// coneResponse returns the image the detector searches (split-detector images turned into
// blobs) and its blob response at the given spacing.
func coneResponse(img *Image, spacing float64, opts ConeDetectOptions) (src, resp *Image, gain float64) {
	src = img
	if opts.Modality == ConeSplitDetector {
		src = coneSplitToBlobs(img, math.Max(0.5, 0.15*spacing))
	}
	resp, gain = coneBlobResponse(src, spacing, opts.Sigmas)
	return src, resp, gain
}

const (
	defaultRodScale = 0.6
	// rodRejectMinSpacingUm is the cone spacing from which rods (inner segments ~2 µm,
	// Curcio et al. 1990) are at most a third of the cone spacing; closer in, rods are rare
	// (none within ~1 mm) and of a size with the cones.
	rodRejectMinSpacingUm = 6
)

// coneRejectRods drops the peaks whose characteristic scale is below frac × the median
// over all peaks. A rod in the gap of a cone triplet peaks at a fine scale: at coarser
// scales the surround of its DoG takes in the cones around it.
func coneRejectRods(img *Image, pts []Point, spacing, frac float64) []Point {
	cs := newConeScaleSpace(0.04*spacing, 0.35*spacing)
	sc := make([]float64, len(pts))
	for i, p := range pts {
		sc[i] = cs.charScale(img, p)
	}
	sorted := append([]float64(nil), sc...)
	sort.Float64s(sorted)
	cut := frac * sorted[len(sorted)/2]
	kept := pts[:0]
	for i, p := range pts {
		if sc[i] >= cut {
			kept = append(kept, p)
		}
	}
	return kept
}

// coneScaleSpace evaluates the DoG (σ, 1.6σ) response at a point for a geometric ladder
// of σ. Gaussian weights depend only on the distance to the point, so the window is
// summed once into radial bins and every scale is a weighted sum over the bins.
type coneScaleSpace struct {
	sigmas     []float64
	r          int     // window radius, px
	binW       float64 // radial bin width, px
	wa, wb     [][]float64
	sum, count []float64
	resp       []float64
}

const coneScaleStep = 1.12

func newConeScaleSpace(lo, hi float64) *coneScaleSpace {
	lo = math.Max(lo, 0.5)
	hi = math.Max(hi, lo)
	n := int(math.Ceil(math.Log(hi/lo)/math.Log(coneScaleStep))) + 1
	c := &coneScaleSpace{r: int(math.Ceil(3 * 1.6 * hi)), binW: 0.2}
	nb := int(float64(c.r)/c.binW) + 2
	c.sum, c.count, c.resp = make([]float64, nb), make([]float64, nb), make([]float64, n)
	for i := range n {
		s := lo * math.Pow(coneScaleStep, float64(i))
		c.sigmas = append(c.sigmas, s)
		wa, wb := make([]float64, nb), make([]float64, nb)
		for k := range nb {
			d := float64(k) * c.binW
			wa[k] = math.Exp(-d * d / (2 * s * s))
			wb[k] = math.Exp(-d * d / (2 * 2.56 * s * s))
		}
		c.wa, c.wb = append(c.wa, wa), append(c.wb, wb)
	}
	return c
}

// charScale returns the σ maximising the response at p, refined by a parabola in log σ.
func (c *coneScaleSpace) charScale(img *Image, p Point) float64 {
	clear(c.sum)
	clear(c.count)
	cx, cy := int(math.Round(p.X)), int(math.Round(p.Y))
	r2 := float64(c.r * c.r)
	for y := cy - c.r; y <= cy+c.r; y++ {
		row := img.Pix[coneMirror(y, img.H)*img.W:][:img.W]
		dy := float64(y) - p.Y
		for x := cx - c.r; x <= cx+c.r; x++ {
			dx := float64(x) - p.X
			d2 := dx*dx + dy*dy
			if d2 > r2 {
				continue
			}
			xx := x
			if xx < 0 || xx >= img.W {
				xx = coneMirror(xx, img.W)
			}
			k := int(math.Sqrt(d2)/c.binW + 0.5)
			c.sum[k] += float64(row[xx])
			c.count[k]++
		}
	}
	best, bi := math.Inf(-1), 0
	for i := range c.sigmas {
		var sa, na, sb, nb float64
		wa, wb := c.wa[i], c.wb[i]
		for k, v := range c.sum {
			sa += wa[k] * v
			na += wa[k] * c.count[k]
			sb += wb[k] * v
			nb += wb[k] * c.count[k]
		}
		c.resp[i] = sa/na - sb/nb
		if c.resp[i] > best {
			best, bi = c.resp[i], i
		}
	}
	f := float64(bi)
	if bi > 0 && bi < len(c.resp)-1 {
		f += parabolic(c.resp[bi-1], best, c.resp[bi+1])
	}
	return c.sigmas[0] * math.Pow(coneScaleStep, f)
}

// coneSplitToBlobs turns split-detector cones (dark left, bright right) into bright blobs:
// the horizontal derivative of the lightly smoothed image peaks at each cone's dark-to-bright
// transition.
func coneSplitToBlobs(img *Image, sigma float64) *Image {
	s := coneBlur(img, sigma, sigma)
	out := NewImage(img.W, img.H)
	w := img.W
	for y := 0; y < img.H; y++ {
		row := s.Pix[y*w : (y+1)*w]
		o := out.Pix[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			l, r := x-1, x+1
			if l < 0 {
				l = 0
			}
			if r >= w {
				r = w - 1
			}
			o[x] = (row[r] - row[l]) / float32(r-l)
		}
	}
	return out
}

// coneBlobResponse is max over scales of the scale-normalised negative LoG, approximated by
// a difference of Gaussians (σ and 1.6σ), so bright blobs give positive peaks. gain is the
// largest L2 norm of the DoG kernels: white noise of std s leaves response noise of std
// gain·s.
func coneBlobResponse(img *Image, spacing float64, sigmas []float64) (resp *Image, gain float64) {
	for _, f := range sigmas {
		s := math.Max(0.5, f*spacing)
		// ‖Ga − Gb‖² = Σ(Ga²) + Σ(Gb²) − 2Σ(Ga·Gb), with Σ Ga·Gb = 1/(2π(σa²+σb²)) in 2-D.
		sb := 1.6 * s
		n2 := 1/(4*math.Pi*s*s) + 1/(4*math.Pi*sb*sb) - 2/(2*math.Pi*(s*s+sb*sb))
		gain = math.Max(gain, math.Sqrt(n2))
		a := coneBlur(img, s, s)
		b := coneBlur(img, 1.6*s, 1.6*s)
		for i := range a.Pix {
			a.Pix[i] -= b.Pix[i]
		}
		if resp == nil {
			resp = a
			continue
		}
		for i, v := range a.Pix {
			if v > resp.Pix[i] {
				resp.Pix[i] = v
			}
		}
	}
	return resp, gain
}

// coneNoiseSigma estimates the std of white noise in img robustly (Immerkær 1996): the
// 3×3 mask [1 −2 1; −2 4 −2; 1 −2 1] cancels locally planar signal and has L2 norm 6, and
// the median absolute residual ×1.4826 is the std of Gaussian noise.
func coneNoiseSigma(img *Image) float64 {
	w, h := img.W, img.H
	res := make([]float64, 0, (w-2)*(h-2))
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			p := func(dx, dy int) float64 { return float64(img.Pix[(y+dy)*w+x+dx]) }
			v := p(-1, -1) - 2*p(0, -1) + p(1, -1) - 2*p(-1, 0) + 4*p(0, 0) - 2*p(1, 0) + p(-1, 1) - 2*p(0, 1) + p(1, 1)
			res = append(res, math.Abs(v))
		}
	}
	if len(res) == 0 {
		return 0
	}
	sort.Float64s(res)
	return 1.4826 * res[len(res)/2] / 6
}

// conePeaks returns the local maxima of resp that survive greedy non-maximum suppression at
// minDist and whose value is at least threshold × the median candidate value and floor.
func conePeaks(resp *Image, minDist, threshold, floor float64) []Point {
	w, h := resp.W, resp.H
	type cand struct {
		x, y int
		v    float32
	}
	var cs []cand
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := resp.Pix[y*w+x]
			if v <= 0 {
				continue
			}
			isMax := true
			for dy := -1; dy <= 1 && isMax; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if (dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					n := resp.Pix[yy*w+xx]
					// Ties go to the first pixel in raster order so plateaus give one peak.
					if n > v || (n == v && (dy < 0 || (dy == 0 && dx < 0))) {
						isMax = false
						break
					}
				}
			}
			if isMax {
				cs = append(cs, cand{x, y, v})
			}
		}
	}
	if len(cs) == 0 {
		return nil
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].v > cs[j].v })
	// Greedy suppression on a grid of cells no smaller than minDist.
	cell := math.Max(minDist, 1)
	gw, gh := int(float64(w)/cell)+1, int(float64(h)/cell)+1
	grid := make([][]Point, gw*gh)
	var kept []cand
	var keptPts []Point
	for _, c := range cs {
		p := coneRefine(resp, c.x, c.y)
		gx, gy := int(p.X/cell), int(p.Y/cell)
		gx = min(max(gx, 0), gw-1)
		gy = min(max(gy, 0), gh-1)
		ok := true
		for yy := gy - 1; yy <= gy+1 && ok; yy++ {
			for xx := gx - 1; xx <= gx+1 && ok; xx++ {
				if xx < 0 || yy < 0 || xx >= gw || yy >= gh {
					continue
				}
				for _, q := range grid[yy*gw+xx] {
					if math.Hypot(p.X-q.X, p.Y-q.Y) < minDist {
						ok = false
						break
					}
				}
			}
		}
		if !ok {
			continue
		}
		grid[gy*gw+gx] = append(grid[gy*gw+gx], p)
		kept = append(kept, c)
		keptPts = append(keptPts, p)
	}
	vals := make([]float64, len(kept))
	for i, c := range kept {
		vals[i] = float64(c.v)
	}
	sort.Float64s(vals)
	cut := math.Max(floor, threshold*vals[len(vals)/2])
	out := keptPts[:0]
	for i, c := range kept {
		if float64(c.v) >= cut {
			out = append(out, keptPts[i])
		}
	}
	return out
}

// coneRefine fits a separable parabola through the 3×3 neighbourhood of a maximum.
func coneRefine(r *Image, x, y int) Point {
	p := Point{X: float64(x), Y: float64(y)}
	at := func(x, y int) float64 { return float64(r.Pix[y*r.W+x]) }
	if x > 0 && x < r.W-1 {
		l, c, rr := at(x-1, y), at(x, y), at(x+1, y)
		if d := l - 2*c + rr; d < 0 {
			p.X += math.Max(-0.5, math.Min(0.5, 0.5*(l-rr)/d))
		}
	}
	if y > 0 && y < r.H-1 {
		u, c, dn := at(x, y-1), at(x, y), at(x, y+1)
		if d := u - 2*c + dn; d < 0 {
			p.Y += math.Max(-0.5, math.Min(0.5, 0.5*(u-dn)/d))
		}
	}
	return p
}

// coneBlur is a separable Gaussian blur with mirrored edges.
func coneBlur(img *Image, sx, sy float64) *Image {
	tmp := NewImage(img.W, img.H)
	coneConvolveRows(img, tmp, coneGaussKernel(sx))
	out := NewImage(img.W, img.H)
	coneConvolveCols(tmp, out, coneGaussKernel(sy))
	return out
}

func coneGaussKernel(sigma float64) []float32 {
	if sigma <= 0 {
		return []float32{1}
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*r+1)
	var sum float64
	for i := -r; i <= r; i++ {
		v := math.Exp(-float64(i*i) / (2 * sigma * sigma))
		k[i+r] = float32(v)
		sum += v
	}
	for i := range k {
		k[i] /= float32(sum)
	}
	return k
}

// coneMirror reflects an out-of-range index back into [0, n).
func coneMirror(i, n int) int {
	for i < 0 || i >= n {
		if i < 0 {
			i = -i - 1
		}
		if i >= n {
			i = 2*n - i - 1
		}
	}
	return i
}

func coneConvolveRows(src, dst *Image, k []float32) {
	r := len(k) / 2
	w := src.W
	for y := 0; y < src.H; y++ {
		row := src.Pix[y*w : (y+1)*w]
		o := dst.Pix[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			var s float32
			if x >= r && x+r < w {
				seg := row[x-r : x+r+1]
				for i, kv := range k {
					s += kv * seg[i]
				}
			} else {
				for i, kv := range k {
					s += kv * row[coneMirror(x+i-r, w)]
				}
			}
			o[x] = s
		}
	}
}

func coneConvolveCols(src, dst *Image, k []float32) {
	r := len(k) / 2
	w, h := src.W, src.H
	for y := 0; y < h; y++ {
		o := dst.Pix[y*w : (y+1)*w]
		for i, kv := range k {
			row := src.Pix[coneMirror(y+i-r, h)*w:]
			row = row[:w]
			for x := range o {
				o[x] += kv * row[x]
			}
		}
	}
}

// EstimateConeSpacing estimates the centre-to-centre cone spacing, in px, from the ring that
// a near-hexagonal mosaic leaves in the power spectrum (Yellott's ring; cf. Cooper et al.,
// "Automatic detection of modal spacing (Yellott's ring) in adaptive optics scanning light
// ophthalmoscope images", Ophthalmic Physiol. Opt. 33:540, 2013). A hexagonal mosaic of
// spacing d has its first spectral ring at 2/(√3·d) cycles/px. It returns 0 for images too
// small to tell.
//
// A well-ordered mosaic (a phantom, or a crystalline patch of real retina) has no ring but six
// Bragg spots on it, a few percent of the annulus; so the annulus is averaged, not
// median-filtered, and the two axes, where scanner lines and the zero-filled borders of a
// registered average put their energy, are left out.
func EstimateConeSpacing(img *Image) float64 {
	return coneSpectrumSpacing(img, 2.5, false)
}

// coneSpectrumSpacing finds the ring between spacings of minPx and a fifth of the image. With
// weighted it takes the maximum of f²·P(f) of the radial median power, else the largest excess
// of log P, the radial mean power off the axes, over a quadratic fit in log f.
func coneSpectrumSpacing(img *Image, minPx float64, weighted bool) float64 {
	sp, _ := coneSpectrumRing(img, minPx, weighted)
	return sp
}

// ConeRingProminence measures how far the cone ring (Yellott's ring) stands out of the
// image's power spectrum: the excess of log power at the ring over the smooth baseline of
// the confocal search (EstimateConeSpacing), in natural-log units, with the spacing it
// lies at. A cone mosaic gives a clear excess; an image without one (a CT or MR slice,
// noise, a blank or out-of-focus frame) gives little. 0, 0 for images too small to tell.
func ConeRingProminence(img *Image) (spacingPx, excess float64) {
	return coneSpectrumRing(img, 2.5, false)
}

func coneSpectrumRing(img *Image, minPx float64, weighted bool) (float64, float64) {
	if img.W < 16 || img.H < 16 {
		return 0, 0
	}
	// gonum's FFT takes any length; an even square just large enough keeps it cheap.
	n := max(img.W, img.H)
	n += n & 1
	var mean float64
	for _, v := range img.Pix {
		mean += float64(v)
	}
	mean /= float64(len(img.Pix))
	buf := make([]complex128, n*n)
	for y := 0; y < img.H; y++ {
		wy := 0.5 - 0.5*math.Cos(2*math.Pi*(float64(y)+0.5)/float64(img.H))
		for x := 0; x < img.W; x++ {
			wx := 0.5 - 0.5*math.Cos(2*math.Pi*(float64(x)+0.5)/float64(img.W))
			buf[y*n+x] = complex((float64(img.Pix[y*img.W+x])-mean)*wx*wy, 0)
		}
	}
	fft := fourier.NewCmplxFFT(n)
	line := make([]complex128, n)
	for y := 0; y < img.H; y++ { // rows below img.H are zero
		fft.Coefficients(buf[y*n:(y+1)*n], buf[y*n:(y+1)*n])
	}
	for x := 0; x < n; x++ {
		for y := 0; y < n; y++ {
			line[y] = buf[y*n+x]
		}
		fft.Coefficients(line, line)
		for y := 0; y < n; y++ {
			buf[y*n+x] = line[y]
		}
	}
	// Radial power in bins of 1/n cycles/px. The split-detector path takes the median, which
	// ignores isolated spikes while a ring fills every angle; the confocal path takes the mean
	// off the axes (|fx|, |fy| ≥ coneAxisGap), which keeps the Bragg spots of an ordered mosaic.
	nb := n / 2
	bins := make([][]float64, nb)
	for y := 0; y < n; y++ {
		fy := y
		if fy > n/2 {
			fy -= n
		}
		for x := 0; x < n; x++ {
			fx := x
			if fx > n/2 {
				fx -= n
			}
			b := int(math.Hypot(float64(fx), float64(fy)) + 0.5)
			if b >= nb || !weighted && (coneAbs(fx) < coneAxisGap || coneAbs(fy) < coneAxisGap) {
				continue
			}
			c := buf[y*n+x]
			bins[b] = append(bins[b], real(c)*real(c)+imag(c)*imag(c))
		}
	}
	pow := make([]float64, nb)
	for i, v := range bins {
		switch {
		case len(v) == 0:
		case weighted:
			pow[i] = coneSelect(v, len(v)/2)
		default:
			for _, x := range v {
				pow[i] += x
			}
			pow[i] /= float64(len(v))
		}
	}
	// Look for the ring between spacings of 2.5 px and a fifth of the image, as the largest
	// excess of log power over a quadratic fit in log f: natural images fall off as a power of
	// f until the noise floor flattens the spectrum, and the ring stands out above both.
	lo := int(math.Ceil(2 / math.Sqrt(3) / (float64(min(img.W, img.H)) / 5) * float64(n)))
	hi := int(2 / math.Sqrt(3) / minPx * float64(n))
	lo = max(lo, 2)
	hi = min(hi, nb-2)
	if hi-lo < 3 {
		return 0, 0
	}
	// The baseline is fitted from half the lowest searched frequency, so that a ring near the
	// low end of the search is not absorbed into the fit and lost to a weaker one (rods).
	fitLo := max(2, lo/2)
	lp := make([]float64, nb)
	for i := fitLo; i <= hi; i++ {
		lp[i] = math.Log(pow[i] + 1e-300)
	}
	coef := conePolyFit(fitLo, hi, lp)
	res := func(i int) float64 {
		x := math.Log(float64(i))
		if weighted {
			return lp[i] + 2*x
		}
		return lp[i] - (coef[0] + coef[1]*x + coef[2]*x*x)
	}
	best, bi := math.Inf(-1), -1
	for i := lo + 1; i < hi; i++ {
		if v := res(i); v > best {
			best, bi = v, i
		}
	}
	if bi < 0 {
		return 0, 0
	}
	// Parabolic refinement of the peak bin.
	fPeak := float64(bi)
	a, b, c := res(bi-1), best, res(bi+1)
	if d := a - 2*b + c; d < 0 {
		fPeak += 0.5 * (a - c) / d
	}
	return 2 / (math.Sqrt(3) * fPeak / float64(n)), best
}

// coneAxisGap is the half-width, in frequency bins, of the bands about the fx and fy axes left
// out of the confocal radial average.
const coneAxisGap = 2

func coneAbs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// conePolyFit fits y[i] ≈ c0 + c1·x + c2·x² with x = ln i over i in [lo, hi] by least squares.
func conePolyFit(lo, hi int, y []float64) [3]float64 {
	var a [3][4]float64
	for i := lo; i <= hi; i++ {
		x := math.Log(float64(i))
		p := [3]float64{1, x, x * x}
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				a[r][c] += p[r] * p[c]
			}
			a[r][3] += p[r] * y[i]
		}
	}
	// Gauss–Jordan elimination with partial pivoting on the 3×3 normal equations.
	for c := 0; c < 3; c++ {
		piv := c
		for r := c + 1; r < 3; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		a[c], a[piv] = a[piv], a[c]
		if a[c][c] == 0 {
			return [3]float64{}
		}
		for r := 0; r < 3; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 4; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	return [3]float64{a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]}
}

// coneSelect returns the k-th smallest value of v (Hoare's quickselect; v is reordered).
func coneSelect(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		p := v[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for v[i] < p {
				i++
			}
			for v[j] > p {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
