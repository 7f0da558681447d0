package imaging

import (
	"math"
	"math/rand/v2"
)

// VolumePhantomOptions configures PhantomVolume. Zero fields take the defaults given.
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
	// default 0.02.
	NoiseFloor float64
	// TiltVox is the depth change of every layer from the left to the right edge and
	// CurvatureVox the extra depth at the corners relative to the centre (the retina
	// bowls towards the fovea); defaults 2 and 1 voxel. Negative values are honoured;
	// use a tiny value such as 1e-9 for none.
	TiltVox, CurvatureVox float64
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
	if o.NoiseFloor == 0 {
		o.NoiseFloor = 0.02
	}
	if o.TiltVox == 0 {
		o.TiltVox = 2
	}
	if o.CurvatureVox == 0 {
		o.CurvatureVox = 1
	}
	return o
}

// VolumeLayer is one retinal layer of the volume phantom: its name, its depth range
// Z0 ≤ z < Z1 in voxels at the centre column (elsewhere shifted by the tilt and
// curvature, see VolumeTruth.SurfaceOffset), and its mean reflectivity.
type VolumeLayer struct {
	Name         string  `json:"name"`
	Z0           float64 `json:"z0"`
	Z1           float64 `json:"z1"`
	Reflectivity float64 `json:"reflectivity"`
	// Mosaic is true for the photoreceptor bands modulated by the cone mosaic (IS/OS,
	// outer segments, COST).
	Mosaic bool `json:"mosaic"`
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
	// Mosaic is the truth of the cone mosaic (cone centres in lateral px).
	Mosaic ConeTruth `json:"mosaic"`
	// MosaicImage is the noise-free mosaic reflectance (mean 1) that modulates the
	// photoreceptor bands.
	MosaicImage *Image `json:"-"`
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
var volumeLayerSpec = [...]struct {
	name     string
	um, refl float64
	mosaic   bool
}{
	{"vitreous", 15, 0.02, false},
	{"RNFL", 24, 0.60, false},
	{"GCL", 36, 0.25, false},
	{"IPL", 33, 0.45, false},
	{"INL", 30, 0.15, false},
	{"OPL", 24, 0.40, false},
	{"ONL", 66, 0.10, false},
	{"ELM", 3, 0.35, false},
	{"IS", 24, 0.12, false},
	{"IS/OS", 6, 0.90, true},
	{"OS", 24, 0.20, true},
	{"COST", 6, 0.80, true},
	{"RPE", 15, 1.00, false},
	{"choroid", math.Inf(1), 0.30, false},
}

// PhantomVolume renders a seeded OCT-like volume of the outer and inner retina: layers
// of different reflectivity along z with a slight tilt and curvature, fully developed
// speckle and a noise floor, whose IS/OS and COST bands are modulated by a cone
// mosaic from PhantomCones, so a projection of the photoreceptor slab shows the cones.
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

	truth := VolumeTruth{TiltVox: o.TiltVox, CurvatureVox: o.CurvatureVox, Mosaic: coneTruth, MosaicImage: mosaic}
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
	pz0, pz1 := math.Inf(1), math.Inf(-1)
	for _, l := range truth.Layers {
		if l.Mosaic {
			pz0, pz1 = math.Min(pz0, l.Z0), math.Max(pz1, l.Z1)
		}
	}
	truth.PhotoreceptorZ0 = max(0, int(math.Floor(pz0+offLo)))
	truth.PhotoreceptorZ1 = min(o.Z, int(math.Ceil(pz1+offHi)))

	v := &Volume{X: o.X, Y: o.Y, Z: o.Z, SpacingUm: [3]float64{o.UmPerPx, o.UmPerPx, o.AxialUm}, Vox: make([]float32, o.X*o.Y*o.Z)}
	looks := float64(o.SpeckleLooks)
	plane := o.X * o.Y
	for y := range o.Y {
		for x := range o.X {
			off := truth.SurfaceOffset(float64(x), float64(y), o.X, o.Y)
			m := float64(mosaic.Pix[y*o.X+x])
			li := 0
			for zz := range o.Z {
				d := float64(zz) - off
				for li+1 < len(truth.Layers) && d >= truth.Layers[li].Z1 {
					li++
				}
				l := truth.Layers[li]
				r := l.Reflectivity
				if l.Mosaic {
					r *= m
				}
				// Gamma(L, 1/L) speckle as the mean of L unit exponentials.
				s := 0.0
				for range o.SpeckleLooks {
					s += rng.ExpFloat64()
				}
				v.Vox[zz*plane+y*o.X+x] = float32(r*s/looks + o.NoiseFloor*rng.NormFloat64())
			}
		}
	}
	return v, truth
}
