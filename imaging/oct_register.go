package imaging

import (
	"errors"
	"fmt"
	"math"
	"runtime"
)

// BScanMotion is the eye motion of each B-scan of an OCT volume: B-scan y shows the
// retina moved by (+DX[y], +DZ[y]) px (lateral along x, axial along z). It is relative:
// the mean and the linear and quadratic trends along y are removed, since they cannot be
// told from the retina's own tilt and curvature.
type BScanMotion struct {
	DX []float64 `json:"dx"`
	DZ []float64 `json:"dz"`
	// Peak is each pair's depth-profile correlation (B-scan y against y−1; Peak[0] = 1).
	Peak []float64 `json:"peak"`
}

// RMS returns the root-mean-square displacement, lateral and axial together.
func (m BScanMotion) RMS() float64 {
	if len(m.DX) == 0 {
		return 0
	}
	var ss float64
	for i := range m.DX {
		ss += m.DX[i]*m.DX[i] + m.DZ[i]*m.DZ[i]
	}
	return math.Sqrt(ss / float64(len(m.DX)))
}

// BScanRegisterOptions tunes RegisterBScans.
type BScanRegisterOptions struct {
	// SmoothPx is the Gaussian σ applied to each B-scan before correlation, which
	// suppresses the speckle that differs from B-scan to B-scan (default 1).
	SmoothPx float64
	// MaxShiftPx bounds the shift between neighbouring B-scans searched (default 8).
	MaxShiftPx int
	// Workers is the number of B-scan pairs registered in parallel (0: GOMAXPROCS).
	Workers int
}

// RegisterBScans estimates the motion between B-scans: each B-scan against its
// predecessor and the one before (lags 1 and 2), a first axial shift by cross-correlating
// the B-scans' mean depth profiles, the lateral shift by cross-correlating their rows (mean
// removed per row, after that axial shift) and the final axial shift by cross-correlating
// their columns (after the lateral shift), each refined to sub-pixel by a parabola through
// the correlation peak. Each shift is also measured on two halves of the B-scans with
// independent speckle, whose disagreement gives each lag's error variance; the pairwise
// shifts are chained along y by least squares weighted by those, shrunk towards no motion
// as far as they say the shifts are noise (chainShifts), and the chain's quadratic trend
// removed. Plain (not phase) correlation of smoothed B-scans is used because speckle that
// the B-scans do not share fills the high frequencies that phase correlation would weigh up.
func RegisterBScans(v *Volume, opts BScanRegisterOptions) (BScanMotion, error) {
	if v == nil || v.X*v.Y*v.Z != len(v.Vox) || v.X < 8 || v.Z < 8 {
		return BScanMotion{}, errors.New("register B-scans: volume missing, inconsistent or smaller than 8×8 per B-scan")
	}
	sigma := opts.SmoothPx
	if sigma <= 0 {
		sigma = 1
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxShift := opts.MaxShiftPx
	if maxShift <= 0 {
		maxShift = 8
	}
	maxShift = min(maxShift, v.X/4, v.Z/4)
	n := v.Y
	m := BScanMotion{DX: make([]float64, n), DZ: make([]float64, n), Peak: make([]float64, n)}
	m.Peak[0] = 1
	if n < 2 {
		return m, nil
	}
	// Smoothed B-scans (row means removed) and their mean depth profiles are computed once
	// and shared read-only.
	smooth := make([]*Image, n)
	prof := make([][]float64, n)
	parallelFrames(n, workers, func(get func() (int, bool)) {
		buf := NewImage(v.X, v.Z)
		for b, ok := get(); ok; b, ok = get() {
			bscanInto(buf, v, b)
			img := GaussianBlur(buf, sigma)
			p := make([]float64, v.Z)
			for z := range v.Z {
				row := img.Pix[z*v.X : (z+1)*v.X]
				s := 0.0
				for _, q := range row {
					s += float64(q)
				}
				p[z] = s / float64(v.X)
				for x := range row {
					row[x] -= float32(p[z])
				}
			}
			smooth[b], prof[b] = img, p
		}
	})
	// Each pair's shifts, from the whole B-scans and from each half of their rows (lateral)
	// or columns (axial).
	type meas struct {
		dx, dz [3]float64
		peak   float64
	}
	lag1 := make([]meas, n)
	lag2 := make([]meas, n)
	pair := func(a, b int) meas {
		var q meas
		dz, pk := profileShift(prof[a], prof[b], maxShift) // the first, coarse axial shift
		q.peak = pk
		q.dx = lateralShift(smooth[a], smooth[b], int(math.Round(dz)), maxShift, 0, v.Z)
		q.dz = axialShift(smooth[a], smooth[b], prof[a], prof[b], int(math.Round(q.dx[0])), maxShift)
		return q
	}
	parallelFrames(n, workers, func(get func() (int, bool)) {
		for b, ok := get(); ok; b, ok = get() {
			if b >= 1 {
				lag1[b] = pair(b-1, b)
			}
			if b >= 2 {
				lag2[b] = pair(b-2, b)
			}
		}
	})
	for b := 1; b < n; b++ {
		m.Peak[b] = lag1[b].peak
	}
	// Each lag's error variance from its halves' disagreement: the whole's error is about
	// their mean's, so var(half₁ − half₂)/4.
	solve := func(get func(meas) [3]float64) []float64 {
		d1 := make([]float64, n)
		d2 := make([]float64, n)
		var h1, h2 []float64
		for b := range n {
			g1, g2 := get(lag1[b]), get(lag2[b])
			d1[b], d2[b] = g1[0], g2[0]
			if b >= 1 {
				h1 = append(h1, g1[1]-g1[2])
			}
			if b >= 2 {
				h2 = append(h2, g2[1]-g2[2])
			}
		}
		return chainShifts(d1, d2, meanSquare(h1)/4, meanSquare(h2)/4)
	}
	m.DX = solve(func(q meas) [3]float64 { return q.dx })
	m.DZ = solve(func(q meas) [3]float64 { return q.dz })
	removeQuadratic(m.DX)
	removeQuadratic(m.DZ)
	return m, nil
}

// profileShift returns d such that b(z) ≈ a(z − d), by normalised cross-correlation over
// |d| ≤ maxShift with a parabolic sub-sample peak, and the peak correlation.
func profileShift(a, b []float64, maxShift int) (float64, float64) {
	n := len(a)
	corr := func(d int) float64 {
		var sab, saa, sbb, ma, mb float64
		cnt := 0
		for z := max(0, d); z < min(n, n+d); z++ {
			ma += a[z-d]
			mb += b[z]
			cnt++
		}
		ma /= float64(cnt)
		mb /= float64(cnt)
		for z := max(0, d); z < min(n, n+d); z++ {
			x, y := a[z-d]-ma, b[z]-mb
			sab += x * y
			saa += x * x
			sbb += y * y
		}
		if saa <= 0 || sbb <= 0 {
			return 0
		}
		return sab / math.Sqrt(saa*sbb)
	}
	return peakShift(corr, maxShift)
}

// halfBlock is the width, in samples, of the alternate blocks that split a B-scan's rows
// (or columns) into two halves for the error estimate: wider than the speckle's grain,
// so that the halves' speckle is independent.
const halfBlock = 8

// lateralShift returns d such that b(x, z) ≈ a(x − d, z − dz), from the correlation of the
// rows (already mean-free) over |d| ≤ maxShift with a parabolic sub-pixel peak; [0] from
// all rows, [1] and [2] from each half of them (alternate blocks of halfBlock rows). Each
// row's correlation curve is weighted by how well that row matches at all (its best
// normalised correlation, squared): rows of laterally structured tissue (the cone mosaic,
// vessels, fibre bundles) or of speckle the two B-scans share carry the shift, rows of
// speckle they do not share only noise.
func lateralShift(a, b *Image, dz, maxShift, z0, z1 int) [3]float64 {
	w := a.W
	n := 2*maxShift + 1
	acc := newSplitCurves(maxShift)
	curve := make([]float64, n)
	for z := max(z0, dz); z < min(z1, a.H+dz); z++ {
		ra := a.Pix[(z-dz)*w : (z-dz+1)*w]
		rb := b.Pix[z*w : (z+1)*w]
		for i := range n {
			d := i - maxShift
			var sab, saa, sbb float64
			for x := maxShift + max(0, d); x < w-maxShift+min(0, d); x++ {
				p, q := float64(ra[x-d]), float64(rb[x])
				sab += p * q
				saa += p * p
				sbb += q * q
			}
			c := 0.0
			if saa > 0 && sbb > 0 {
				c = sab / math.Sqrt(saa*sbb)
			}
			curve[i] = c
		}
		acc.add(z, curve)
	}
	return acc.peaks()
}

// axialShift returns d such that b(x, z) ≈ a(x − dx, z − d), from the normalised
// correlation of the B-scans' columns (A-scans: a and b row-mean-free, their depth
// profiles pa and pb added back) over |d| ≤ maxShift with a parabolic sub-pixel peak;
// [0] from all columns, [1] and [2] from each half (alternate blocks of halfBlock). Each
// column's curve is weighted by its best correlation, squared. Column by column, speckle
// that the two B-scans share (the tissue's own, correlated over the PSF from one B-scan
// to the next) adds to the layers' information, which a mean depth profile averages away.
func axialShift(a, b *Image, pa, pb []float64, dx, maxShift int) [3]float64 {
	w, h := a.W, a.H
	n := 2*maxShift + 1
	acc := newSplitCurves(maxShift)
	curve := make([]float64, n)
	ca, cb := make([]float64, h), make([]float64, h)
	for x := max(0, dx); x < min(w, w+dx); x++ {
		for z := range h {
			ca[z] = float64(a.Pix[z*w+x-dx]) + pa[z]
			cb[z] = float64(b.Pix[z*w+x]) + pb[z]
		}
		for i := range n {
			d := i - maxShift
			var sa, sb, sab, saa, sbb, cnt float64
			for z := maxShift + max(0, d); z < h-maxShift+min(0, d); z++ {
				p, q := ca[z-d], cb[z]
				sa += p
				sb += q
				sab += p * q
				saa += p * p
				sbb += q * q
				cnt++
			}
			c := 0.0
			if cnt > 1 {
				vab := sab - sa*sb/cnt
				vaa := saa - sa*sa/cnt
				vbb := sbb - sb*sb/cnt
				if vaa > 0 && vbb > 0 {
					c = vab / math.Sqrt(vaa*vbb)
				}
			}
			curve[i] = c
		}
		acc.add(x, curve)
	}
	return acc.peaks()
}

// splitCurves sums correlation curves over |d| ≤ maxShift, one per line (row or column)
// of a B-scan pair, each weighted by its best correlation squared: over all lines and over
// each half of them (alternate blocks of halfBlock lines), whose speckle is independent.
type splitCurves struct {
	maxShift int
	total    [3][]float64
}

func newSplitCurves(maxShift int) *splitCurves {
	s := &splitCurves{maxShift: maxShift}
	for k := range s.total {
		s.total[k] = make([]float64, 2*maxShift+1)
	}
	return s
}

// add weighs line's curve in.
func (s *splitCurves) add(line int, curve []float64) {
	best := 0.0
	for _, c := range curve {
		best = math.Max(best, c)
	}
	wt := best * best
	half := s.total[1+(line/halfBlock)%2]
	for i, c := range curve {
		s.total[0][i] += wt * c
		half[i] += wt * c
	}
}

// peaks returns the sub-pixel peak of the whole sum and of each half's.
func (s *splitCurves) peaks() [3]float64 {
	var out [3]float64
	for k := range out {
		out[k], _ = peakShift(func(i int) float64 { return s.total[k][i+s.maxShift] }, s.maxShift)
	}
	return out
}

// peakShift evaluates corr over [−maxShift, maxShift] and returns the parabolic sub-sample
// position of its maximum and the maximum.
func peakShift(corr func(int) float64, maxShift int) (float64, float64) {
	c := make([]float64, 2*maxShift+1)
	best := 0
	for i := range c {
		c[i] = corr(i - maxShift)
		if c[i] > c[best] {
			best = i
		}
	}
	d := float64(best - maxShift)
	if best > 0 && best < len(c)-1 {
		d += parabolic(c[best-1], c[best], c[best+1])
	}
	return d, c[best]
}

// chainShifts solves s[b]−s[b−1] = d1[b] and s[b]−s[b−2] = d2[b] by least squares, each
// lag weighted by the inverse of its error variance (se1, se2), each s[b] drawn towards 0
// by an empirical Bayes prior: the motion's variance σm² from the lag-1 spread,
// var d1 = 2σm² + se1 (motion independent from B-scan to B-scan). Gauss–Seidel iterations
// started from the lag-1 chain. The lags differ: where the speckle belongs to the tissue,
// neighbouring B-scans share much of it and their shift is measured to a few hundredths of
// a pixel while B-scans two apart share little; equal weights would let the poor lag spoil
// the good one. Where the pairwise shifts are good the prior leaves the chain as it is;
// where noise swamps them it keeps the chain's random walk of errors from being taken for
// motion, which would be worse than no correction. Without both variances (≤ 0) it is the
// plain, equally weighted chain anchored at s[0] = 0.
func chainShifts(d1, d2 []float64, se1, se2 float64) []float64 {
	n := len(d1)
	s := make([]float64, n)
	for b := 1; b < n; b++ {
		s[b] = s[b-1] + d1[b]
	}
	if n < 3 {
		return s
	}
	w1, w2, lambda := 1.0, 1.0, 0.0
	if se1 > 0 && se2 > 0 && n >= 8 {
		sm2 := (variance(d1[1:]) - se1) / 2
		if sm2 <= 1e-6*se1 {
			return make([]float64, n)
		}
		w1, w2, lambda = 1/se1, 1/se2, 1/sm2
	}
	b0 := 1 // s[0] = 0 anchors the plain chain; the prior anchors the shrunk one
	if lambda > 0 {
		b0 = 0
	}
	for range 500 {
		delta := 0.0
		for b := b0; b < n; b++ {
			var sum, wt float64
			if b >= 1 {
				sum += w1 * (s[b-1] + d1[b])
				wt += w1
			}
			if b >= 2 {
				sum += w2 * (s[b-2] + d2[b])
				wt += w2
			}
			if b+1 < n {
				sum += w1 * (s[b+1] - d1[b+1])
				wt += w1
			}
			if b+2 < n {
				sum += w2 * (s[b+2] - d2[b+2])
				wt += w2
			}
			nv := sum / (wt + lambda)
			delta = math.Max(delta, math.Abs(nv-s[b]))
			s[b] = nv
		}
		if delta < 1e-5 {
			break
		}
	}
	return s
}

// variance is the variance of x about its mean.
func variance(x []float64) float64 {
	var m, v float64
	for _, q := range x {
		m += q / float64(len(x))
	}
	for _, q := range x {
		v += (q - m) * (q - m) / float64(len(x))
	}
	return v
}

// meanSquare is the mean of x², 0 for none.
func meanSquare(x []float64) float64 {
	var v float64
	for _, q := range x {
		v += q * q
	}
	return v / float64(max(len(x), 1))
}

// CorrectBScanMotion returns the volume with the motion undone: B-scan y is resampled
// (bilinearly, edges clamped) at (x + DX[y], z + DZ[y]).
func CorrectBScanMotion(v *Volume, m BScanMotion) (*Volume, error) {
	if len(m.DX) != v.Y || len(m.DZ) != v.Y {
		return nil, fmt.Errorf("correct B-scan motion: %d shifts for %d B-scans", len(m.DX), v.Y)
	}
	out := &Volume{X: v.X, Y: v.Y, Z: v.Z, SpacingUm: v.SpacingUm, Vox: make([]float32, len(v.Vox))}
	parallelFrames(v.Y, runtime.GOMAXPROCS(0), func(get func() (int, bool)) {
		xs := make([]int, v.X)
		fx := make([]float32, v.X)
		for y, ok := get(); ok; y, ok = get() {
			for x := range v.X {
				p := math.Min(math.Max(float64(x)+m.DX[y], 0), float64(v.X-1))
				xs[x] = min(int(p), v.X-2)
				fx[x] = float32(p - float64(xs[x]))
			}
			for z := range v.Z {
				q := math.Min(math.Max(float64(z)+m.DZ[y], 0), float64(v.Z-1))
				z0 := min(int(q), v.Z-2)
				fz := float32(q - float64(z0))
				r0 := v.Vox[(z0*v.Y+y)*v.X:][:v.X]
				r1 := v.Vox[((z0+1)*v.Y+y)*v.X:][:v.X]
				dst := out.Vox[(z*v.Y+y)*v.X:][:v.X]
				for x := range dst {
					i, f := xs[x], fx[x]
					a := r0[i] + f*(r0[i+1]-r0[i])
					b := r1[i] + f*(r1[i+1]-r1[i])
					dst[x] = a + fz*(b-a)
				}
			}
		}
	})
	return out, nil
}
