package imaging

import (
	"encoding/json"
	"math"
	"math/rand/v2"
)

// MMPerDegree converts visual angle to retinal distance for the standard human eye.
const MMPerDegree = 0.29

// curcioTable holds human cone density (cones/mm²) against retinal eccentricity (mm), the mean
// of the horizontal meridians read from Curcio, Sloan, Kalina & Hendrickson, "Human
// photoreceptor topography", J. Comp. Neurol. 292:497–523 (1990), Fig. 6 and Table 2: a foveal
// peak near 199,000/mm² (their mean), ~50,000 at 0.5 mm, ~20,000 at 1 mm, ~10,000 at 3 mm and
// ~4,000 in the far periphery.
var curcioTable = [...][2]float64{
	{0, 199000}, {0.05, 165000}, {0.1, 128000}, {0.2, 88000}, {0.3, 68000}, {0.5, 48000},
	{0.75, 30000}, {1.0, 21000}, {1.5, 15000}, {2.0, 12300}, {3.0, 9800}, {4.0, 8200},
	{5.0, 7100}, {7.0, 5600}, {10.0, 4500}, {15.0, 3900}, {20.0, 3600},
}

// CurcioConeDensity returns the mean human cone density, in cones/mm², at a retinal
// eccentricity in mm. It interpolates log density through the Curcio et al. 1990 values (see
// curcioTable) with a monotone cubic (Fritsch–Carlson), so the curve is smooth and never
// overshoots the data; beyond the table it holds the last value.
func CurcioConeDensity(eccMM float64) float64 {
	t := curcioTable[:]
	e := math.Abs(eccMM)
	if e >= t[len(t)-1][0] {
		return t[len(t)-1][1]
	}
	n := len(t)
	// Secant slopes and Fritsch–Carlson tangents of log density.
	sec := func(i int) float64 {
		return (math.Log(t[i+1][1]) - math.Log(t[i][1])) / (t[i+1][0] - t[i][0])
	}
	tangent := func(i int) float64 {
		switch i {
		case 0:
			return sec(0)
		case n - 1:
			return sec(n - 2)
		}
		a, b := sec(i-1), sec(i)
		if a*b <= 0 {
			return 0
		}
		return 2 / (1/a + 1/b) // harmonic mean keeps the interpolant monotone
	}
	i := 0
	for i < n-2 && e >= t[i+1][0] {
		i++
	}
	h := t[i+1][0] - t[i][0]
	s := (e - t[i][0]) / h
	y0, y1 := math.Log(t[i][1]), math.Log(t[i+1][1])
	m0, m1 := tangent(i)*h, tangent(i+1)*h
	s2, s3 := s*s, s*s*s
	y := (2*s3-3*s2+1)*y0 + (s3-2*s2+s)*m0 + (-2*s3+3*s2)*y1 + (s3-s2)*m1
	return math.Exp(y)
}

// HexSpacingForDensity returns the centre-to-centre spacing of a perfect hexagonal mosaic
// with the given density; units follow the density (µm for cells/µm², mm for cells/mm²).
func HexSpacingForDensity(density float64) float64 {
	return math.Sqrt(2 / (math.Sqrt(3) * density))
}

// ExpectedConeSpacingPx returns the hexagonal cone spacing in px expected at an eccentricity
// (degrees) from the Curcio et al. 1990 density curve.
func ExpectedConeSpacingPx(eccDeg, umPerPx float64) float64 {
	d := CurcioConeDensity(eccDeg*MMPerDegree) / 1e6 // cones/µm²
	return HexSpacingForDensity(d) / umPerPx
}

// ConePhantomOptions configures PhantomCones and PhantomConeStack. Zero fields take the
// defaults given with each field.
type ConePhantomOptions struct {
	// Width and Height in px; default 256 each.
	Width, Height int
	Seed          uint64
	// EccentricityDeg places the patch on the horizontal meridian; default 1.5°. The patch is
	// small, so the Curcio density at its centre is used throughout.
	EccentricityDeg float64
	// UmPerPx is the sampling; default 0.5 µm/px (typical AOSLO).
	UmPerPx float64
	// SNR is std(noise-free image) / std(noise) over the frame; default 10. Half the noise
	// variance is additive Gaussian, half multiplicative speckle (signal × (1 + N(0, s²))).
	// +Inf gives a noise-free image.
	SNR float64
	// Frames is the stack length for PhantomConeStack; default 1.
	Frames int
	// PSFFWHMUm is the Gaussian point-spread FWHM; default 2 µm (diffraction-limited AO, 7 mm
	// pupil, ~790 nm).
	PSFFWHMUm float64
	// Jitter is the std of the random displacement of each cone off its hexagonal site, as
	// a fraction of the spacing; default 0.07.
	Jitter float64
	// MissingFraction of lattice sites carry no cone; default 0.02. DimFraction of cones
	// reflect only 35–60% of the usual light; default 0.05.
	MissingFraction, DimFraction float64
	// Gradient is the peak-to-peak amplitude of the linear illumination gradient; default 0.3.
	Gradient float64
	// DriftPx is the mean inter-frame drift per frame, JitterPx the std of the per-frame
	// random displacement and ShearPx the std of the within-frame displacement accumulated
	// from the first to the last row; defaults 0.5, 1.5 and 1.0 px.
	DriftPx, JitterPx, ShearPx float64
}

func (o ConePhantomOptions) withDefaults() ConePhantomOptions {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if o.Width <= 0 {
		o.Width = 256
	}
	if o.Height <= 0 {
		o.Height = o.Width
	}
	if o.Frames <= 0 {
		o.Frames = 1
	}
	def(&o.EccentricityDeg, 1.5)
	def(&o.UmPerPx, 0.5)
	def(&o.SNR, 10)
	def(&o.PSFFWHMUm, 2)
	def(&o.Jitter, 0.07)
	def(&o.MissingFraction, 0.02)
	def(&o.DimFraction, 0.05)
	def(&o.Gradient, 0.3)
	def(&o.DriftPx, 0.5)
	def(&o.JitterPx, 1.5)
	def(&o.ShearPx, 1.0)
	return o
}

// ConeFrameMotion is how one frame of a stack is displaced: row y of the frame shows the
// retina at (x + DX + ShearX·y/H, y + DY + ShearY·y/H) in reference (frame 0, truth)
// coordinates, so a cone at truth position p appears near p − (DX, DY).
type ConeFrameMotion struct {
	DX     float64 `json:"dx"`
	DY     float64 `json:"dy"`
	ShearX float64 `json:"shearX"`
	ShearY float64 `json:"shearY"`
}

// ConeTruth is the exact ground truth of a cone phantom.
type ConeTruth struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// Cones are the cone centres (0-based px, reference frame) whose centre lies in the image.
	Cones []Point `json:"-"`
	// Rods are the rod centres (not cones; never to be detected as cones).
	Rods            []Point `json:"-"`
	UmPerPx         float64 `json:"umPerPx"`
	EccentricityDeg float64 `json:"eccentricityDeg"`
	// ExpectedDensityPerMM2 is the Curcio et al. 1990 density at the eccentricity;
	// DensityPerMM2 is the density of the cones actually placed (missing ones excluded).
	ExpectedDensityPerMM2 float64 `json:"expectedDensityPerMM2"`
	DensityPerMM2         float64 `json:"densityPerMM2"`
	// SpacingPx is the hexagonal lattice spacing.
	SpacingPx float64 `json:"spacingPx"`
	// SNR is the requested SNR; a noise-free phantom (+Inf) is written as 0 in JSON.
	SNR  float64 `json:"snr"`
	Seed uint64  `json:"seed"`
	// Motion has one entry per frame; frame 0 is the reference and does not move.
	Motion []ConeFrameMotion `json:"motion"`
}

type conePointJSON struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

type coneTruthJSON struct {
	coneTruthAlias
	Cones []conePointJSON `json:"cones"`
	Rods  []conePointJSON `json:"rods"`
}

type coneTruthAlias ConeTruth

// MarshalJSON writes the truth with points as {"x": …, "y": …} objects.
func (t ConeTruth) MarshalJSON() ([]byte, error) {
	conv := func(ps []Point) []conePointJSON {
		out := make([]conePointJSON, len(ps))
		for i, p := range ps {
			out[i] = conePointJSON(p)
		}
		return out
	}
	if math.IsInf(t.SNR, 0) || math.IsNaN(t.SNR) {
		t.SNR = 0
	}
	return json.Marshal(coneTruthJSON{coneTruthAlias(t), conv(t.Cones), conv(t.Rods)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *ConeTruth) UnmarshalJSON(b []byte) error {
	var v coneTruthJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = ConeTruth(v.coneTruthAlias)
	for _, p := range v.Cones {
		t.Cones = append(t.Cones, Point(p))
	}
	for _, p := range v.Rods {
		t.Rods = append(t.Rods, Point(p))
	}
	return nil
}

// PhantomCones renders one cone-mosaic frame with its truth; see PhantomConeStack.
func PhantomCones(opts ConePhantomOptions) (*Image, ConeTruth) {
	opts.Frames = 1
	frames, truth := PhantomConeStack(opts)
	return frames[0], truth
}

// coneSpot is one reflecting cell to render.
type coneSpot struct {
	p     Point
	amp   float64
	sigma float64
}

// PhantomConeStack renders a seeded, reproducible stack of confocal AO frames of a cone
// mosaic: a jittered hexagonal lattice at the Curcio et al. 1990 density for the
// eccentricity, cones whose spot size grows with the spacing, per-cone reflectance, dim and
// missing cones, rods in the gaps beyond 1 mm eccentricity, an exact Gaussian PSF (applied
// analytically to the Gaussian spots), a slow illumination gradient, additive and speckle
// noise at the requested SNR, and per-frame drift, jitter and within-frame shear. Pixel
// values lie in [0, 1].
func PhantomConeStack(opts ConePhantomOptions) ([]*Image, ConeTruth) {
	o := opts.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x636f6e6573)) // "cones"
	w, h := o.Width, o.Height
	eccMM := o.EccentricityDeg * MMPerDegree
	density := CurcioConeDensity(eccMM)
	spacingUm := HexSpacingForDensity(density / 1e6)
	d := spacingUm / o.UmPerPx
	psfSigma := o.PSFFWHMUm / 2.3548 / o.UmPerPx
	// The waveguided spot of a cone is smaller than its inner segment; both grow with
	// eccentricity. FWHM = min(0.55 spacing, 2 µm + 0.5 µm per degree).
	spotFWHMUm := math.Min(0.55*spacingUm, 2+0.5*o.EccentricityDeg)
	coneSigma := math.Hypot(spotFWHMUm/2.3548/o.UmPerPx, psfSigma)

	// Motion first, so the mosaic covers every frame's field of view.
	motion := make([]ConeFrameMotion, o.Frames)
	driftDir := rng.Float64() * 2 * math.Pi
	for k := 1; k < o.Frames; k++ {
		motion[k] = ConeFrameMotion{
			DX:     float64(k)*o.DriftPx*math.Cos(driftDir) + rng.NormFloat64()*o.JitterPx,
			DY:     float64(k)*o.DriftPx*math.Sin(driftDir) + rng.NormFloat64()*o.JitterPx,
			ShearX: rng.NormFloat64() * o.ShearPx,
			ShearY: rng.NormFloat64() * o.ShearPx,
		}
	}
	margin := 4 * coneSigma
	for _, m := range motion {
		margin = math.Max(margin, 4*coneSigma+math.Abs(m.DX)+math.Abs(m.DY)+math.Abs(m.ShearX)+math.Abs(m.ShearY))
	}

	// Jittered hexagonal lattice at a random orientation, covering the image plus margin.
	theta := rng.Float64() * math.Pi / 3
	ct, st := math.Cos(theta), math.Sin(theta)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	reach := math.Hypot(float64(w), float64(h))/2 + margin + d
	nr := int(reach/(d*math.Sqrt(3)/2)) + 1
	nc := int(reach/d) + 2
	var spots []coneSpot
	var truth []Point
	for r := -nr; r <= nr; r++ {
		for c := -nc; c <= nc; c++ {
			u := (float64(c) + 0.5*float64(r&1)) * d
			v := float64(r) * d * math.Sqrt(3) / 2
			p := Point{X: cx + u*ct - v*st + rng.NormFloat64()*o.Jitter*d, Y: cy + u*st + v*ct + rng.NormFloat64()*o.Jitter*d}
			missing := rng.Float64() < o.MissingFraction
			amp := math.Exp(rng.NormFloat64() * 0.25) // log-normal reflectance
			if rng.Float64() < o.DimFraction {
				amp *= 0.35 + 0.25*rng.Float64()
			}
			sig := coneSigma * (1 + 0.08*rng.NormFloat64())
			if missing || p.X < -margin || p.Y < -margin || p.X > float64(w-1)+margin || p.Y > float64(h-1)+margin {
				continue
			}
			spots = append(spots, coneSpot{p, amp, sig})
			if p.X >= 0 && p.Y >= 0 && p.X <= float64(w-1) && p.Y <= float64(h-1) {
				truth = append(truth, p)
			}
		}
	}
	rods := coneRods(rng, spots, eccMM, o.UmPerPx, psfSigma, w, h, margin)
	var rodTruth []Point
	for _, s := range rods {
		if s.p.X >= 0 && s.p.Y >= 0 && s.p.X <= float64(w-1) && s.p.Y <= float64(h-1) {
			rodTruth = append(rodTruth, s.p)
		}
	}
	spots = append(spots, rods...)

	// Illumination: a linear gradient in a random direction on a faint background.
	gdir := rng.Float64() * 2 * math.Pi
	gx, gy := math.Cos(gdir)*o.Gradient, math.Sin(gdir)*o.Gradient
	frames := make([]*Image, o.Frames)
	var noiseSD, speckleSD float64
	for k := range frames {
		clean := coneRender(spots, w, h, motion[k])
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g := 1 + gx*(float64(x)/float64(w)-0.5) + gy*(float64(y)/float64(h)-0.5)
				i := y*w + x
				clean.Pix[i] = float32(0.25 * g * (0.15 + float64(clean.Pix[i])))
			}
		}
		if k == 0 && !math.IsInf(o.SNR, 1) {
			var s, ss, s2 float64
			for _, v := range clean.Pix {
				s += float64(v)
				ss += float64(v) * float64(v)
			}
			n := float64(len(clean.Pix))
			mean := s / n
			s2 = ss/n - mean*mean
			noiseVar := s2 / (o.SNR * o.SNR)
			noiseSD = math.Sqrt(noiseVar / 2)
			speckleSD = math.Sqrt(noiseVar / 2 / (ss / n))
		}
		if !math.IsInf(o.SNR, 1) {
			for i, v := range clean.Pix {
				n := float64(v)*(1+speckleSD*rng.NormFloat64()) + noiseSD*rng.NormFloat64()
				clean.Pix[i] = float32(math.Max(0, math.Min(1, n)))
			}
		}
		frames[k] = clean
	}
	area := float64(w) * float64(h) * o.UmPerPx * o.UmPerPx / 1e6
	return frames, ConeTruth{
		Width: w, Height: h, Cones: truth, Rods: rodTruth, UmPerPx: o.UmPerPx,
		EccentricityDeg: o.EccentricityDeg, ExpectedDensityPerMM2: density,
		DensityPerMM2: float64(len(truth)) / area, SpacingPx: d, SNR: o.SNR, Seed: o.Seed,
		Motion: motion,
	}
}

// coneRods scatters rods into the gaps between cones beyond 1 mm eccentricity; the fraction
// of gap space they fill ramps from 0 at 1 mm to full at 2.5 mm (Curcio et al. 1990: rods
// outnumber cones from just outside the rod-free zone and peak near 4.5 mm).
func coneRods(rng *rand.Rand, cones []coneSpot, eccMM, umPerPx, psfSigma float64, w, h int, margin float64) []coneSpot {
	fill := math.Max(0, math.Min(1, (eccMM-1)/1.5))
	if fill == 0 {
		return nil
	}
	rodSpacing := 2.5 / umPerPx // rod inner segments are ~2 µm across
	rodSigma := math.Hypot(1.2/2.3548/umPerPx, psfSigma)
	cell := rodSpacing
	gw := int((float64(w)+2*margin)/cell) + 1
	gh := int((float64(h)+2*margin)/cell) + 1
	type occ struct {
		p Point
		r float64
	}
	grid := make([][]occ, gw*gh)
	maxR := rodSpacing
	idx := func(p Point) (int, int) {
		return int((p.X + margin) / cell), int((p.Y + margin) / cell)
	}
	add := func(p Point, r float64) {
		x, y := idx(p)
		if x >= 0 && y >= 0 && x < gw && y < gh {
			grid[y*gw+x] = append(grid[y*gw+x], occ{p, r})
		}
	}
	for _, c := range cones {
		// A cone keeps rods out to the edge of its spot (~1.5σ) plus half a rod spacing.
		r := 1.5*c.sigma + rodSpacing/2
		maxR = math.Max(maxR, r)
		add(c.p, r)
	}
	reachCells := int(math.Ceil(maxR/cell)) + 1
	free := func(p Point) bool {
		x, y := idx(p)
		for yy := y - reachCells; yy <= y+reachCells; yy++ {
			for xx := x - reachCells; xx <= x+reachCells; xx++ {
				if xx < 0 || yy < 0 || xx >= gw || yy >= gh {
					continue
				}
				for _, q := range grid[yy*gw+xx] {
					if math.Hypot(p.X-q.p.X, p.Y-q.p.Y) < q.r {
						return false
					}
				}
			}
		}
		return true
	}
	var rods []coneSpot
	tries := int(fill * 30 * (float64(w) + 2*margin) * (float64(h) + 2*margin) / (rodSpacing * rodSpacing))
	for i := 0; i < tries; i++ {
		p := Point{X: -margin + rng.Float64()*(float64(w)+2*margin), Y: -margin + rng.Float64()*(float64(h)+2*margin)}
		if !free(p) {
			continue
		}
		add(p, rodSpacing)
		rods = append(rods, coneSpot{p: p, amp: 0.2 + 0.1*rng.Float64(), sigma: rodSigma})
	}
	return rods
}

// coneRender sums the Gaussian spots into a w×h frame displaced by m.
func coneRender(spots []coneSpot, w, h int, m ConeFrameMotion) *Image {
	img := NewImage(w, h)
	maxOY := math.Abs(m.DY) + math.Abs(m.ShearY)
	for _, s := range spots {
		R := 4 * s.sigma
		inv := 1 / (2 * s.sigma * s.sigma)
		y0 := max(0, int(math.Floor(s.p.Y-R-maxOY)))
		y1 := min(h-1, int(math.Ceil(s.p.Y+R+maxOY)))
		for y := y0; y <= y1; y++ {
			f := float64(y) / float64(h)
			ox, oy := m.DX+m.ShearX*f, m.DY+m.ShearY*f
			cy := s.p.Y - oy
			dy := float64(y) - cy
			if math.Abs(dy) > R {
				continue
			}
			cx := s.p.X - ox
			x0 := max(0, int(math.Floor(cx-R)))
			x1 := min(w-1, int(math.Ceil(cx+R)))
			row := img.Pix[y*w:]
			ey := dy * dy
			for x := x0; x <= x1; x++ {
				dx := float64(x) - cx
				row[x] += float32(s.amp * math.Exp(-(dx*dx+ey)*inv))
			}
		}
	}
	return img
}
