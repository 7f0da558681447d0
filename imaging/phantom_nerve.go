package imaging

import (
	"math"
	"math/rand/v2"
)

// NervePhantomOptions configures PhantomNerveFibres; zero fields take the defaults.
type NervePhantomOptions struct {
	Size int    `json:"size"` // image side, px (default 256)
	Seed uint64 `json:"seed"`
	// SNR is the bundle contrast over the noise standard deviation (default 5).
	SNR float64 `json:"snr"`
	// OrientationDeg is the fibre orientation at the image centre, degrees counter-clockwise
	// from the +x axis as seen on screen (default 30).
	OrientationDeg float64 `json:"orientationDeg"`
	// HasOrientation makes an OrientationDeg of 0 count (horizontal fibres).
	HasOrientation bool `json:"hasOrientation"`
	// PeriodPx is the centre-to-centre bundle spacing (default 12).
	PeriodPx float64 `json:"periodPx"`
	// BundleWidthPx is the width of each bright bundle (default 6).
	BundleWidthPx float64 `json:"bundleWidthPx"`
	// CurvatureRadiusPx is the radius of the arcs the bundles follow (default 4×Size);
	// negative gives straight bundles.
	CurvatureRadiusPx float64 `json:"curvatureRadiusPx"`
}

// NerveTruth is the ground truth of a nerve-fibre phantom. Bundles are concentric arcs about
// Centre (straight lines when Straight is set).
type NerveTruth struct {
	OrientationDeg float64 `json:"orientationDeg"`
	PeriodPx       float64 `json:"periodPx"`
	BundleWidthPx  float64 `json:"bundleWidthPx"`
	Centre         Point   `json:"centre"`
	Straight       bool    `json:"straight"`
	SNR            float64 `json:"snr"`
}

// OrientationAt returns the true fibre orientation (degrees in [0, 180), counter-clockwise
// from +x on screen) at pixel (x, y).
func (t NerveTruth) OrientationAt(x, y float64) float64 {
	if t.Straight {
		return t.OrientationDeg
	}
	// The tangent of a circle about the centre, in image coordinates (y down).
	tx, ty := -(y - t.Centre.Y), x-t.Centre.X
	return wrap180(math.Atan2(-ty, tx) * 180 / math.Pi)
}

// AxialDiffDeg is the angle between two orientations (axes, so 1° and 179° are 2° apart), in [0, 90].
func AxialDiffDeg(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 180)
	return math.Min(d, 180-d)
}

func wrap180(a float64) float64 {
	a = math.Mod(a, 180)
	if a < 0 {
		a += 180
	}
	return a
}

// PhantomNerveFibres renders a retinal nerve-fibre striation field: bright bundles of known
// width and spacing following gently curving concentric arcs (like the arcuate bundles
// around the optic disc), edges blurred by 1 px, per-bundle brightness varying by ±15%, and
// additive Gaussian noise at the chosen SNR.
func PhantomNerveFibres(opts NervePhantomOptions) (*Image, NerveTruth) {
	o := opts
	if o.Size <= 0 {
		o.Size = 256
	}
	if o.SNR <= 0 {
		o.SNR = 5
	}
	if o.OrientationDeg == 0 && !o.HasOrientation {
		o.OrientationDeg = 30
	}
	if o.PeriodPx <= 0 {
		o.PeriodPx = 12
	}
	if o.BundleWidthPx <= 0 || o.BundleWidthPx >= o.PeriodPx {
		o.BundleWidthPx = o.PeriodPx / 2
	}
	if o.CurvatureRadiusPx == 0 {
		o.CurvatureRadiusPx = 4 * float64(o.Size)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0xf1b4e5))
	n := float64(o.Size)
	c := (n - 1) / 2
	th := o.OrientationDeg * math.Pi / 180
	// Fibre direction in image coordinates (y down), and its normal.
	dx, dy := math.Cos(th), -math.Sin(th)
	nx, ny := -dy, dx
	truth := NerveTruth{OrientationDeg: wrap180(o.OrientationDeg), PeriodPx: o.PeriodPx, BundleWidthPx: o.BundleWidthPx, SNR: o.SNR}
	if o.CurvatureRadiusPx < 0 {
		truth.Straight = true
	} else {
		truth.Centre = Point{c + o.CurvatureRadiusPx*nx, c + o.CurvatureRadiusPx*ny}
	}
	phaseOff := rng.Float64() * o.PeriodPx
	gain := make(map[int]float64)
	img := NewImage(o.Size, o.Size)
	const edge = 1.0
	noise := 0.7 / o.SNR // contrast 0.7 over the noise σ
	for y := range o.Size {
		for x := range o.Size {
			// r is the across-bundle coordinate: distance from the arcs' centre, or the
			// projection on the normal for straight bundles.
			var r float64
			if truth.Straight {
				r = (float64(x)-c)*nx + (float64(y)-c)*ny
			} else {
				r = math.Hypot(float64(x)-truth.Centre.X, float64(y)-truth.Centre.Y)
			}
			r += phaseOff
			k := int(math.Floor(r/o.PeriodPx + 0.5))
			v := 0.0
			for j := k - 1; j <= k+1; j++ {
				d := math.Abs(r - float64(j)*o.PeriodPx)
				g, ok := gain[j]
				if !ok {
					g = 0.85 + 0.3*rng.Float64()
					gain[j] = g
				}
				v += g * 0.5 * (math.Erfc((d-o.BundleWidthPx/2)/(edge*math.Sqrt2)) - math.Erfc((d+o.BundleWidthPx/2)/(edge*math.Sqrt2)))
			}
			img.Set(x, y, float32(0.3+0.7*v+noise*rng.NormFloat64()))
		}
	}
	return img, truth
}
