package imaging

import (
	"math"
	"math/rand/v2"
)

// VolumePhantomOptions configures PhantomVolume. Zero fields take the defaults given.
// The volume follows the OCT convention of oct.go: x A-scans per B-scan, y B-scans, z depth.
type VolumePhantomOptions struct {
	// X, Y are the lateral size in px (default 128 each), Z the depth in voxels
	// (default 128).
	X, Y, Z int
	Seed    uint64
	// EccentricityDeg sets the cone density of the mosaic; default 1.5°.
	EccentricityDeg float64
	// UmPerPx is the lateral sampling (default 1 µm/px), AxialUm the depth sampling
	// (default 3 µm/voxel).
	UmPerPx, AxialUm float64
	// SpeckleLooks is the number of looks L of the multiplicative speckle, each voxel
	// multiplied by a Gamma(L, 1/L) variate; default 1 (fully developed speckle).
	SpeckleLooks int
	// NoiseFloor is the additive Gaussian noise σ relative to the RPE reflectivity;
	// default 0.02. SNR, when set, overrides it with 1/SNR (the RPE over the noise σ).
	NoiseFloor float64
	SNR        float64
	// TiltVox is the depth change of every layer from the left to the right edge and
	// CurvatureVox the extra depth at the corners relative to the centre (the retina
	// bowls towards the fovea); defaults 2 and 1 voxel. Negative values are honoured;
	// use a tiny value such as 1e-9 for none.
	TiltVox, CurvatureVox float64
	// PitDepth is the fraction by which the inner retina (RNFL to OPL) thins at the
	// foveal pit's centre (default 0.4; negative: no pit), PitRadiusPx the Gaussian radius
	// of the pit (default X/4). The pit is centred in the field.
	PitDepth, PitRadiusPx float64
	// NoPlexuses leaves out the three capillary plexuses, NoStriations the nerve-fibre
	// striation of the RNFL.
	NoPlexuses, NoStriations bool
	// MotionAxialPx and MotionLateralPx are the standard deviations of the per-B-scan
	// eye motion (defaults 1 and 0.5 px; negative: none). The motion has no mean and no
	// linear or quadratic trend along y: those are indistinguishable from retinal shape.
	MotionAxialPx, MotionLateralPx float64
	// AxialPSFVox is the σ of the Gaussian axial point-spread function (default 0.8).
	AxialPSFVox float64
	// Repeat numbers the repeats of every B-scan that OCT angiography takes milliseconds
	// apart (0: the first, the volume without the option): the eye has not moved between
	// them, so a repeat has the first's motion and, in static tissue, its speckle; its
	// noise is new, and so is the speckle of the blood that has flowed through the
	// capillaries meanwhile, which is what motion contrast (MotionContrast) sees. Needs
	// the tissue's own speckle (LateralPSFUm ≥ 0); with speckle per voxel every repeat's
	// speckle is new.
	Repeat int
	// LateralPSFUm is the σ of the Gaussian lateral (intensity) PSF in µm, default 0.85
	// (2 µm FWHM, AO-OCT's resolution through a 6–7 mm pupil). It makes the speckle the
	// tissue's own, as in a real scan: correlated over the PSF (across x and y, so from one
	// B-scan to the next, and over AxialPSFVox along z) and moving with the eye.
	// Negative: speckle drawn afresh for every voxel of the scan, uncorrelated and not
	// fixed to the tissue (the phantom before 2026-12-06, kept for comparison).
	LateralPSFUm float64
}

func (o VolumePhantomOptions) withDefaults() VolumePhantomOptions {
	if o.X <= 0 {
		o.X = 128
	}
	if o.Y <= 0 {
		o.Y = o.X
	}
	if o.Z <= 0 {
		o.Z = 128
	}
	if o.EccentricityDeg == 0 {
		o.EccentricityDeg = 1.5
	}
	if o.UmPerPx == 0 {
		o.UmPerPx = 1
	}
	if o.AxialUm == 0 {
		o.AxialUm = 3
	}
	if o.SpeckleLooks <= 0 {
		o.SpeckleLooks = 1
	}
	if o.SNR > 0 {
		o.NoiseFloor = 1 / o.SNR
	}
	if o.NoiseFloor == 0 {
		o.NoiseFloor = 0.02
	}
	if o.TiltVox == 0 {
		o.TiltVox = 2
	}
	if o.CurvatureVox == 0 {
		o.CurvatureVox = 1
	}
	if o.PitDepth == 0 {
		o.PitDepth = 0.4
	}
	if o.PitDepth < 0 {
		o.PitDepth = 0
	}
	if o.PitRadiusPx <= 0 {
		o.PitRadiusPx = float64(o.X) / 4
	}
	if o.MotionAxialPx == 0 {
		o.MotionAxialPx = 1
	}
	if o.MotionLateralPx == 0 {
		o.MotionLateralPx = 0.5
	}
	if o.AxialPSFVox == 0 {
		o.AxialPSFVox = 0.8
	}
	if o.LateralPSFUm == 0 {
		o.LateralPSFUm = 0.85
	}
	return o
}

// VolumeLayer is one retinal layer of the volume phantom: its name, its depth range
// Z0 ≤ z < Z1 in voxels at the centre column without pit and motion (elsewhere shifted
// by the tilt and curvature, see VolumeTruth.SurfaceOffset), and its mean reflectivity.
type VolumeLayer struct {
	Name         string  `json:"name"`
	Z0           float64 `json:"z0"`
	Z1           float64 `json:"z1"`
	Reflectivity float64 `json:"reflectivity"`
	// Mosaic is true for the photoreceptor bands modulated by the cone mosaic (IS/OS,
	// outer segments, COST).
	Mosaic bool `json:"mosaic"`
}

// PlexusTruth is one capillary plexus of the volume phantom: its vessels' centre-lines
// (lateral px, retina coordinates) and where it lies in depth: at Fraction of the way
// from boundary Above to boundary Below.
type PlexusTruth struct {
	Name     string          `json:"name"`
	Above    string          `json:"above"`
	Below    string          `json:"below"`
	Fraction float64         `json:"fraction"`
	Segments []VesselSegment `json:"segments"`
	// Cover is the noise-free vessel cover in [0, 1], X×Y.
	Cover []float32 `json:"-"`
}

// VolumeTruth is the ground truth of a volume phantom.
type VolumeTruth struct {
	Layers []VolumeLayer `json:"layers"`
	// PhotoreceptorZ0 ≤ z < PhotoreceptorZ1 is the slab holding the IS/OS, outer
	// segment and cone outer-segment tip (COST) bands in every column: the one to
	// project en face.
	PhotoreceptorZ0 int `json:"photoreceptorZ0"`
	PhotoreceptorZ1 int `json:"photoreceptorZ1"`
	// TiltVox and CurvatureVox shape every layer surface, see SurfaceOffset.
	TiltVox      float64 `json:"tiltVox"`
	CurvatureVox float64 `json:"curvatureVox"`
	// PitDepth and PitRadiusPx shape the foveal pit, centred in the field.
	PitDepth    float64 `json:"pitDepth"`
	PitRadiusPx float64 `json:"pitRadiusPx"`
	// Mosaic is the truth of the cone mosaic (cone centres in lateral px).
	Mosaic ConeTruth `json:"mosaic"`
	// MosaicImage is the noise-free mosaic reflectance (mean 1) that modulates the
	// photoreceptor bands.
	MosaicImage *Image `json:"-"`
	// Boundaries holds, for each name of LayerBoundaryNames, the depth of that interface
	// in every column of the volume as written (motion included): Boundaries[k][y*X+x],
	// in voxels with the centre of voxel z at z (partial-volume rendering makes it sub-voxel).
	Boundaries [NumBoundaries][]float32 `json:"-"`
	// MotionDX and MotionDZ are each B-scan's lateral and axial displacement: B-scan y
	// shows the retina moved by (+MotionDX[y], +MotionDZ[y]) px.
	MotionDX []float64 `json:"motionDx"`
	MotionDZ []float64 `json:"motionDz"`
	// Plexuses are the superficial, intermediate and deep capillary plexuses.
	Plexuses []PlexusTruth `json:"plexuses,omitempty"`
	// Nerve is the truth of the RNFL striation (nil without).
	Nerve *NerveTruth `json:"nerve,omitempty"`
}

// SurfaceOffset is how much deeper (in voxels) every layer lies at column (x, y) than
// at the centre of an w×h volume.
func (t VolumeTruth) SurfaceOffset(x, y float64, w, h int) float64 {
	cx, cy := float64(w-1)/2, float64(h-1)/2
	rx, ry := (x-cx)/math.Max(cx, 1), (y-cy)/math.Max(cy, 1)
	return t.TiltVox*(x-cx)/math.Max(float64(w-1), 1) + t.CurvatureVox*(rx*rx+ry*ry)/2
}

// volumeLayerSpec lists the layers from the vitreous down: thickness in µm and
// reflectivity relative to the RPE, after typical OCT appearance of the parafovea.
// The boundaries named in LayerBoundaryNames are the tops of RNFL (ILM), GCL (NFL_GCL),
// INL (IPL_INL) and ONL (OPL_ONL), the centres of the thin ELM, IS/OS (ISOS) and COST
// bands, and the bottom of the RPE (RPE_BM).
var volumeLayerSpec = [...]struct {
	name     string
	um, refl float64
	mosaic   bool
	inner    bool // thinned by the foveal pit
}{
	{"vitreous", 15, 0.02, false, false},
	{"RNFL", 24, 0.60, false, true},
	{"GCL", 36, 0.25, false, true},
	{"IPL", 33, 0.45, false, true},
	{"INL", 30, 0.15, false, true},
	{"OPL", 24, 0.40, false, true},
	{"ONL", 66, 0.10, false, false},
	{"ELM", 3, 0.35, false, false},
	{"IS", 24, 0.12, false, false},
	{"IS/OS", 6, 0.90, true, false},
	{"OS", 24, 0.20, true, false},
	{"COST", 6, 0.80, true, false},
	{"RPE", 15, 1.00, false, false},
	{"choroid", math.Inf(1), 0.30, false, false},
}

// boundaryLayer is, for each boundary of LayerBoundaryNames, the index in volumeLayerSpec
// of the layer whose top it is (RPE_BM: the choroid's top, i.e. the RPE's bottom).
var boundaryLayer = [NumBoundaries]int{1, 2, 4, 6, 7, 9, 11, 13}

// mosaicFloor is the share of the photoreceptor bands' reflectivity that the cone mosaic
// leaves between cones.
const mosaicFloor = 0.3

// vesselReflectivity is the reflectivity of blood in a capillary relative to the RPE.
const vesselReflectivity = 0.6

// plexusSpec places the plexuses: at a fraction of the layer between two boundaries (the
// superficial plexus in the GCL, the intermediate at the top of the INL, the deep one at
// the bottom of the INL, by the INL/OPL junction).
var plexusSpec = [...]struct {
	name         string
	above, below int // boundary indices
	fraction     float64
}{
	{"SVP", BoundaryNFLGCL, BoundaryIPLINL, 0.2},
	{"ICP", BoundaryIPLINL, BoundaryOPLONL, 0.12},
	{"DCP", BoundaryIPLINL, BoundaryOPLONL, 0.45},
}

// PhantomVolume renders a seeded OCT volume of the retina with ground truth: layers of
// different reflectivity along z with tilt, curvature and a foveal pit (the inner retina
// thins towards the centre while the outer retina stays), partial-volume edges blurred by
// an axial PSF, fully developed speckle and a noise floor; IS/OS and COST bands modulated
// by a cone mosaic from PhantomCones (a projection of the photoreceptor slab shows the
// cones); three capillary plexuses at known depths; RNFL striated by nerve-fibre bundles;
// and eye motion between B-scans (lateral and axial shifts).
func PhantomVolume(opts VolumePhantomOptions) (*Volume, VolumeTruth) {
	o := opts.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x766f6c756d65)) // "volume"
	mosaic, coneTruth := PhantomCones(ConePhantomOptions{
		Width: o.X, Height: o.Y, Seed: o.Seed,
		EccentricityDeg: o.EccentricityDeg, UmPerPx: o.UmPerPx,
		SNR: math.Inf(1), Gradient: 1e-9,
	})
	var mean float64
	for _, v := range mosaic.Pix {
		mean += float64(v)
	}
	mean /= float64(len(mosaic.Pix))
	for i, v := range mosaic.Pix {
		mosaic.Pix[i] = float32(float64(v) / math.Max(mean, 1e-12))
	}

	truth := VolumeTruth{TiltVox: o.TiltVox, CurvatureVox: o.CurvatureVox, Mosaic: coneTruth, MosaicImage: mosaic,
		PitDepth: o.PitDepth, PitRadiusPx: o.PitRadiusPx}
	z := 0.0
	for _, l := range &volumeLayerSpec {
		z1 := math.Min(z+l.um/o.AxialUm, float64(o.Z))
		truth.Layers = append(truth.Layers, VolumeLayer{Name: l.name, Z0: z, Z1: z1, Reflectivity: l.refl, Mosaic: l.mosaic})
		z = z1
	}
	// The photoreceptor slab spans IS/OS to COST over the whole range of offsets.
	offLo, offHi := math.Inf(1), math.Inf(-1)
	for _, c := range [][2]float64{{0, 0}, {float64(o.X - 1), 0}, {0, float64(o.Y - 1)}, {float64(o.X - 1), float64(o.Y - 1)}, {float64(o.X-1) / 2, float64(o.Y-1) / 2}} {
		off := truth.SurfaceOffset(c[0], c[1], o.X, o.Y)
		offLo, offHi = math.Min(offLo, off), math.Max(offHi, off)
	}
	truth.MotionDX = phantomMotion(rng, o.Y, o.MotionLateralPx)
	truth.MotionDZ = phantomMotion(rng, o.Y, o.MotionAxialPx)
	mx, mz := 0.0, 0.0
	for y := range o.Y {
		mx, mz = math.Max(mx, math.Abs(truth.MotionDX[y])), math.Max(mz, math.Abs(truth.MotionDZ[y]))
	}
	pz0, pz1 := math.Inf(1), math.Inf(-1)
	for _, l := range truth.Layers {
		if l.Mosaic {
			pz0, pz1 = math.Min(pz0, l.Z0), math.Max(pz1, l.Z1)
		}
	}
	truth.PhotoreceptorZ0 = max(0, int(math.Floor(pz0+offLo-mz)))
	truth.PhotoreceptorZ1 = min(o.Z, int(math.Ceil(pz1+offHi+mz)))

	// Lateral textures in retina coordinates: plexus covers and the RNFL striation.
	side := max(o.X, o.Y)
	crop := func(img *Image) []float32 {
		out := make([]float32, o.X*o.Y)
		for y := range o.Y {
			copy(out[y*o.X:(y+1)*o.X], img.Pix[y*side:y*side+o.X])
		}
		return out
	}
	if !o.NoPlexuses {
		for i, p := range plexusSpec {
			img, ct := PhantomCapillaries(CapillaryPhantomOptions{Size: side, Seed: o.Seed*7 + uint64(i) + 1, SNR: math.Inf(1),
				MinDiameterPx: 3, MaxDiameterPx: 6, Roots: 4})
			cover := crop(img)
			for j, v := range cover {
				cover[j] = (v - 0.2) / 0.8
			}
			truth.Plexuses = append(truth.Plexuses, PlexusTruth{Name: p.name, Above: LayerBoundaryNames[p.above],
				Below: LayerBoundaryNames[p.below], Fraction: p.fraction, Segments: ct.Segments, Cover: cover})
		}
	}
	var striation []float32
	if !o.NoStriations {
		img, nt := PhantomNerveFibres(NervePhantomOptions{Size: side, Seed: o.Seed, SNR: math.Inf(1)})
		striation = crop(img)
		nt.SNR = o.SNR // the striation itself is rendered noise-free
		truth.Nerve = &nt
	}
	sample := func(pix []float32, x, y float64) float64 {
		x = math.Min(math.Max(x, 0), float64(o.X-1))
		x0 := min(int(x), o.X-2)
		if o.X < 2 {
			return float64(pix[int(y)*o.X])
		}
		f := x - float64(x0)
		row := int(y) * o.X
		return (1-f)*float64(pix[row+x0]) + f*float64(pix[row+x0+1])
	}

	v := &Volume{X: o.X, Y: o.Y, Z: o.Z, SpacingUm: [3]float64{o.UmPerPx, o.UmPerPx, o.AxialUm}, Vox: make([]float32, o.X*o.Y*o.Z)}
	for k := range truth.Boundaries {
		truth.Boundaries[k] = make([]float32, o.X*o.Y)
	}
	looks := float64(o.SpeckleLooks)
	plane := o.X * o.Y
	// The depth offset of every column (retina coordinates: the eye moved by the motion).
	offs := make([]float64, plane)
	for y := range o.Y {
		for x := range o.X {
			offs[y*o.X+x] = truth.SurfaceOffset(float64(x)-truth.MotionDX[y], float64(y), o.X, o.Y) + truth.MotionDZ[y]
		}
	}
	// Tissue speckle, the mean of the looks (nil: drawn per voxel), and in a repeat the
	// blood's, drawn afresh; the repeat's noise from its own stream.
	var speckle, blood []float32
	field := func(r *rand.Rand) []float32 {
		sum := make([]float32, len(v.Vox))
		one := make([]float32, len(v.Vox))
		for range o.SpeckleLooks {
			tissueSpeckle(r, o.X, o.Y, o.Z, o.LateralPSFUm/o.UmPerPx, o.AxialPSFVox, truth.MotionDX, offs, one)
			for i, s := range one {
				sum[i] += s / float32(looks)
			}
		}
		return sum
	}
	if o.LateralPSFUm > 0 {
		speckle = field(rng)
	}
	if o.Repeat > 0 {
		rng = rand.New(rand.NewPCG(o.Seed, 0x726570656174+uint64(o.Repeat))) // "repeat"
		if speckle != nil {
			blood = field(rng)
		}
	}
	nl := len(volumeLayerSpec)
	tops := make([]float64, nl+1) // tops[i]: top of layer i in this column; tops[nl] = +Inf
	refl := make([]float64, nl)
	col := make([]float64, o.Z)
	vessel := make([]float64, o.Z) // the blood's part of col
	blurred := make([]float64, o.Z)
	blurredVessel := make([]float64, o.Z)
	psf := gaussKernel(o.AxialPSFVox)
	pcx, pcy := float64(o.X-1)/2, float64(o.Y-1)/2
	for y := range o.Y {
		for x := range o.X {
			// Retina coordinates of this A-scan: the eye moved by (MotionDX, MotionDZ).
			xr := float64(x) - truth.MotionDX[y]
			off := offs[y*o.X+x]
			r2 := ((xr-pcx)*(xr-pcx) + (float64(y)-pcy)*(float64(y)-pcy)) / (o.PitRadiusPx * o.PitRadiusPx)
			thin := 1 - o.PitDepth*math.Exp(-r2/2)
			// Built from the choroid up: the outer retina stays, the inner retina thins
			// and the ILM dips into the pit. Layer edges sit at voxel-centre coordinates.
			tops[nl] = math.Inf(1)
			tops[nl-1] = truth.Layers[nl-1].Z0 - 0.5 + off
			for i := nl - 2; i >= 1; i-- {
				th := truth.Layers[i].Z1 - truth.Layers[i].Z0
				if volumeLayerSpec[i].inner {
					th *= thin
				}
				tops[i] = tops[i+1] - th
			}
			tops[0] = math.Inf(-1)
			for k, li := range boundaryLayer {
				z := tops[li]
				if k == BoundaryELM || k == BoundaryISOS || k == BoundaryCOST {
					z = (tops[li] + tops[li+1]) / 2 // thin bright lines: their centre
				}
				truth.Boundaries[k][y*o.X+x] = float32(z)
			}
			m := sample(mosaic.Pix, xr, float64(y))
			for i, l := range truth.Layers {
				refl[i] = l.Reflectivity
				if l.Mosaic {
					// The cones modulate the bands; the bands do not vanish between them.
					refl[i] *= mosaicFloor + (1-mosaicFloor)*m
				}
			}
			if striation != nil {
				refl[1] *= 0.7 + 0.6*(sample(striation, xr, float64(y))-0.3)/0.7
			}
			// Partial volume: voxel z covers [z−0.5, z+0.5).
			li := 0
			for zz := range o.Z {
				a, b := float64(zz)-0.5, float64(zz)+0.5
				for li+1 < nl && tops[li+1] <= a {
					li++
				}
				s := 0.0
				for j := li; j < nl && tops[j] < b; j++ {
					lo, hi := math.Max(a, tops[j]), math.Min(b, tops[j+1])
					if hi > lo {
						s += (hi - lo) * refl[j]
					}
				}
				col[zz] = s
				vessel[zz] = 0
			}
			for pi, p := range truth.Plexuses {
				c := sample(p.Cover, xr, float64(y))
				if c < 0.02 {
					continue
				}
				sp := plexusSpec[pi]
				za, zb := tops[boundaryLayer[sp.above]], tops[boundaryLayer[sp.below]]
				zc := za + sp.fraction*(zb-za)
				const ra = 1.2 // axial radius of a capillary, voxels
				for zz := max(0, int(zc-ra-1)); zz <= min(o.Z-1, int(zc+ra+1)); zz++ {
					ov := math.Min(float64(zz)+0.5, zc+ra) - math.Max(float64(zz)-0.5, zc-ra)
					if ov <= 0 {
						continue
					}
					a := c * math.Min(ov, 1)
					col[zz] = (1-a)*col[zz] + a*vesselReflectivity
					vessel[zz] = (1-a)*vessel[zz] + a*vesselReflectivity
				}
			}
			convolve1D(blurred, col, psf)
			if blood != nil {
				convolve1D(blurredVessel, vessel, psf)
			}
			for zz := range o.Z {
				i := zz*plane + y*o.X + x
				var s float64
				if speckle != nil {
					s = float64(speckle[i])
				} else { // Gamma(L, 1/L) speckle as the mean of L unit exponentials
					for range o.SpeckleLooks {
						s += rng.ExpFloat64()
					}
					s /= looks
				}
				val := blurred[zz] * s
				if blood != nil { // the blood's share under its own speckle
					val += blurredVessel[zz] * (float64(blood[i]) - s)
				}
				v.Vox[i] = float32(val + o.NoiseFloor*rng.NormFloat64())
			}
		}
	}
	return v, truth
}

// phantomMotion draws n per-B-scan displacements of standard deviation sigma, with the
// best-fitting quadratic along y removed (0 ≤ sigma: none).
func phantomMotion(rng *rand.Rand, n int, sigma float64) []float64 {
	out := make([]float64, n)
	if sigma <= 0 {
		return out
	}
	for i := range out {
		out[i] = sigma * rng.NormFloat64()
	}
	removeQuadratic(out)
	return out
}

// convolve1D convolves src with the symmetric half kernel k into dst, mirroring at the ends.
func convolve1D(dst, src []float64, k []float32) {
	n := len(src)
	for i := range dst {
		s := float64(k[0]) * src[i]
		for j := 1; j < len(k); j++ {
			s += float64(k[j]) * (src[reflectIdx(i-j, n)] + src[reflectIdx(i+j, n)])
		}
		dst[i] = s
	}
}
