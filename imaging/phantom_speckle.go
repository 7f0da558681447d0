package imaging

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// tissueSpeckle renders fully developed speckle that belongs to the tissue, as OCT speckle
// does: the interference of the scatterers inside the point-spread function, the same
// whenever the beam returns to the same place (which is what lets static tissue keep its
// speckle between repeated scans) and correlated over the PSF's width (Schmitt, Xiang and
// Yung 1999, "Speckle in optical coherence tomography", J. Biomed. Opt. 4:95). A complex
// Gaussian white field of scatterers, fixed in retina coordinates, is filtered by the
// Gaussian amplitude PSF (σ of the intensity PSF × √2: latPx across x and y, axVox along z)
// and sampled where each voxel of the scan sees the retina: column (x, y) looks at retina
// column x − dx[y], deeper by off[y*X+x] voxels. Sub-pixel positions are reached exactly
// by shifting the band-limited field in the Fourier domain. out (Vox layout, z-major) gets
// |field|², mean 1 (one look: exponentially distributed).
func tissueSpeckle(rng *rand.Rand, x, y, z int, latPx, axVox float64, dx, off []float64, out []float32) {
	la, aa := latPx*math.Sqrt2, axVox*math.Sqrt2 // amplitude PSF σ
	maxDX, maxOff := 0.0, 0.0
	for _, d := range dx {
		maxDX = math.Max(maxDX, math.Abs(d))
	}
	for _, d := range off {
		maxOff = math.Max(maxOff, math.Abs(d))
	}
	// Padding keeps the circular shifts from wrapping tissue into view.
	xp := fastLen(x + 2*int(math.Ceil(4*la+maxDX+1)))
	zp := fastLen(z + 2*int(math.Ceil(4*aa+maxOff+1)))
	padX := (xp - x) / 2
	padZ := (zp - z) / 2
	r := int(math.Ceil(3 * la))
	gy := make([]float64, 2*r+1)
	for j := range gy {
		d := float64(j - r)
		gy[j] = math.Exp(-d * d / (2 * la * la))
	}
	// Each filter's energy Σg² (Parseval for the two applied as spectra) normalises the
	// field to E|f|² = 1.
	hx, ex := gaussSpectrum(xp, la)
	hz, ez := gaussSpectrum(zp, aa)
	ey := 0.0
	for _, g := range gy {
		ey += g * g
	}
	norm := 1 / math.Sqrt(ex*ey*ez)

	// White planes (xp × zp, one per retina row) in a ring of 2r+1, drawn in row order.
	ring := make([][]complex128, 2*r+1)
	draw := func() []complex128 {
		p := make([]complex128, xp*zp)
		for i := range p {
			p[i] = complex(rng.NormFloat64(), rng.NormFloat64()) * complex(math.Sqrt(0.5), 0)
		}
		return p
	}
	for j := range ring[:2*r] {
		ring[j+1] = draw() // rows −r … r−1; the loop draws row yy+r before using the ring
	}
	fx, fz := newFFT1(xp), newFFT1(zp)
	plane := make([]complex128, xp*zp) // z-major rows of xp
	row := make([]complex128, xp)
	col := make([]complex128, zp)
	for yy := range y {
		copy(ring, ring[1:])
		ring[2*r] = draw()
		for i := range plane {
			plane[i] = 0
		}
		for j, w := range ring {
			g := complex(gy[j], 0)
			for i, v := range w {
				plane[i] += g * v
			}
		}
		// Along x: the lateral PSF and the eye's lateral shift (scan x sees retina x − dx).
		for zz := range zp {
			copy(row, plane[zz*xp:(zz+1)*xp])
			fx.forward(row)
			shiftSpectrum(row, hx, dx[yy])
			fx.inverse(row)
			copy(plane[zz*xp:(zz+1)*xp], row)
		}
		// Along z, column by column: the axial PSF and the column's depth offset.
		for xx := range x {
			for zz := range zp {
				col[zz] = plane[zz*xp+xx+padX]
			}
			fz.forward(col)
			shiftSpectrum(col, hz, off[yy*x+xx])
			fz.inverse(col)
			for zz := range z {
				a := col[zz+padZ] * complex(norm/float64(xp*zp), 0)
				out[(zz*y+yy)*x+xx] = float32(real(a)*real(a) + imag(a)*imag(a))
			}
		}
	}
}

// gaussSpectrum returns the frequency response exp(−2π²σ²f²) of a Gaussian of σ samples
// on an n-point FFT (f in cycles per sample, signed) and the kernel's energy Σg².
func gaussSpectrum(n int, sigma float64) ([]float64, float64) {
	h := make([]float64, n)
	e := 0.0
	for k := range n {
		f := float64(k) / float64(n)
		if k > n/2 {
			f -= 1
		}
		h[k] = math.Exp(-2 * math.Pi * math.Pi * sigma * sigma * f * f)
		e += h[k] * h[k] / float64(n)
	}
	return h, e
}

// shiftSpectrum filters a spectrum by h and delays the signal by d samples: s(t) → s(t − d).
func shiftSpectrum(s []complex128, h []float64, d float64) {
	n := len(s)
	step := cmplx.Exp(complex(0, -2*math.Pi*d/float64(n)))
	ph := complex(1, 0)
	for k := 0; k <= n/2; k++ { // positive frequencies: e^(−2πikd/n) by recurrence
		s[k] *= complex(h[k], 0) * ph
		ph *= step
	}
	ph = cmplx.Conj(step)
	for k := n - 1; k > n/2; k-- { // negative ones: e^(+2πi(n−k)d/n)
		s[k] *= complex(h[k], 0) * ph
		ph *= cmplx.Conj(step)
	}
}

// fastLen is the smallest n ≥ m whose only prime factors are 2, 3 and 5.
func fastLen(m int) int {
	for n := max(m, 1); ; n++ {
		k := n
		for _, p := range []int{2, 3, 5} {
			for k%p == 0 {
				k /= p
			}
		}
		if k == 1 {
			return n
		}
	}
}
