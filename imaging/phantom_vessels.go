package imaging

import (
	"math"
	"math/rand/v2"
)

// CapillaryPhantomOptions configures PhantomCapillaries; zero fields take the defaults.
type CapillaryPhantomOptions struct {
	Size int    `json:"size"` // image side, px (default 256)
	Seed uint64 `json:"seed"`
	// SNR is the vessel contrast over the noise standard deviation (default 10).
	SNR float64 `json:"snr"`
	// Roots is the number of trees entering the field (default 3).
	Roots int `json:"roots"`
	// MinDiameterPx and MaxDiameterPx bound the segment diameters (defaults 3 and 8).
	MinDiameterPx float64 `json:"minDiameterPx"`
	MaxDiameterPx float64 `json:"maxDiameterPx"`
	// PSFSigmaPx is the Gaussian blur of the optics (default 0.7).
	PSFSigmaPx float64 `json:"psfSigmaPx"`
	// Background and Foreground are the noise-free intensities (defaults 0.2 and 1).
	Background float64 `json:"background"`
	Foreground float64 `json:"foreground"`
}

// VesselSegment is one unbranched piece of a vessel: its centre-line and its diameter.
type VesselSegment struct {
	Points     []Point `json:"points"`
	DiameterPx float64 `json:"diameterPx"`
}

// CapillaryTruth is the ground truth of a capillary phantom.
type CapillaryTruth struct {
	Segments []VesselSegment `json:"segments"`
	SNR      float64         `json:"snr"`
}

func (o CapillaryPhantomOptions) withDefaults() CapillaryPhantomOptions {
	if o.Size <= 0 {
		o.Size = 256
	}
	if o.SNR <= 0 {
		o.SNR = 10
	}
	if o.Roots <= 0 {
		o.Roots = 3
	}
	if o.MinDiameterPx <= 0 {
		o.MinDiameterPx = 3
	}
	if o.MaxDiameterPx < o.MinDiameterPx {
		o.MaxDiameterPx = max(8, o.MinDiameterPx)
	}
	if o.PSFSigmaPx <= 0 {
		o.PSFSigmaPx = 0.7
	}
	if o.Background == 0 && o.Foreground == 0 {
		o.Background, o.Foreground = 0.2, 1
	}
	return o
}

// PhantomCapillaries renders a branching capillary network: trees enter from the border and
// wander with gently varying heading, each segment splitting into two thinner ones. A vessel
// is a tube of its diameter blurred by the PSF, so its profile crosses half contrast at the
// true edge; additive Gaussian noise sets the SNR.
func PhantomCapillaries(opts CapillaryPhantomOptions) (*Image, CapillaryTruth) {
	o := opts.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0xca9111a7))
	n := float64(o.Size)
	var segs []VesselSegment
	var grow func(p Point, heading, diam float64, depth int)
	grow = func(p Point, heading, diam float64, depth int) {
		length := n * (0.25 + 0.25*rng.Float64())
		pts := []Point{p}
		turn := 0.0
		for s := 0.0; s < length; s += 2 {
			turn = 0.8*turn + 0.03*rng.NormFloat64()
			heading += turn
			p = Point{p.X + 2*math.Cos(heading), p.Y + 2*math.Sin(heading)}
			pts = append(pts, p)
			if p.X < -5 || p.Y < -5 || p.X > n+4 || p.Y > n+4 {
				break
			}
		}
		segs = append(segs, VesselSegment{Points: pts, DiameterPx: diam})
		end := pts[len(pts)-1]
		if depth >= 3 || end.X < 0 || end.Y < 0 || end.X > n-1 || end.Y > n-1 {
			return
		}
		for _, side := range []float64{-1, 1} {
			d := math.Max(o.MinDiameterPx, diam*(0.65+0.25*rng.Float64()))
			grow(end, heading+side*(0.4+0.4*rng.Float64()), d, depth+1)
		}
	}
	for r := range o.Roots {
		// Enter from the left, top or right border, heading inwards.
		var start Point
		var heading float64
		t := n * (0.2 + 0.6*rng.Float64())
		switch r % 3 {
		case 0:
			start, heading = Point{0, t}, 0.3*rng.NormFloat64()
		case 1:
			start, heading = Point{t, 0}, math.Pi/2+0.3*rng.NormFloat64()
		default:
			start, heading = Point{n - 1, t}, math.Pi+0.3*rng.NormFloat64()
		}
		d := o.MinDiameterPx + (o.MaxDiameterPx-o.MinDiameterPx)*(0.7+0.3*rng.Float64())
		grow(start, heading, d, 0)
	}

	cover := make([]float64, o.Size*o.Size)
	sig := o.PSFSigmaPx * math.Sqrt2
	for _, s := range segs {
		r := s.DiameterPx / 2
		pad := r + 4*o.PSFSigmaPx + 1
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range s.Points {
			x0, x1 = math.Min(x0, p.X), math.Max(x1, p.X)
			y0, y1 = math.Min(y0, p.Y), math.Max(y1, p.Y)
		}
		for y := max(0, int(y0-pad)); y <= min(o.Size-1, int(y1+pad)); y++ {
			for x := max(0, int(x0-pad)); x <= min(o.Size-1, int(x1+pad)); x++ {
				d := distToPolyline(Point{float64(x), float64(y)}, s.Points)
				if d > r+4*o.PSFSigmaPx {
					continue
				}
				// Cross-section of a tube of radius r blurred by the Gaussian PSF.
				v := 0.5 * (math.Erfc((d-r)/sig) - math.Erfc((d+r)/sig))
				cover[y*o.Size+x] = math.Max(cover[y*o.Size+x], v)
			}
		}
	}
	img := NewImage(o.Size, o.Size)
	noise := (o.Foreground - o.Background) / o.SNR
	for i, c := range cover {
		img.Pix[i] = float32(o.Background + (o.Foreground-o.Background)*c + noise*rng.NormFloat64())
	}
	return img, CapillaryTruth{Segments: segs, SNR: o.SNR}
}

// distToPolyline returns the distance from p to the nearest point of a polyline.
func distToPolyline(p Point, line []Point) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(line); i++ {
		best = math.Min(best, distToSegment(p, line[i], line[i+1]))
	}
	if len(line) == 1 {
		best = math.Hypot(p.X-line[0].X, p.Y-line[0].Y)
	}
	return best
}

func distToSegment(p, a, b Point) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = min(max(((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2, 0), 1)
	}
	return math.Hypot(p.X-a.X-t*dx, p.Y-a.Y-t*dy)
}
