package imaging

import (
	"math/bits"

	"gonum.org/v1/gonum/dsp/fourier"
)

// fft1 is an in-place, unnormalised 1D complex FFT of a fixed length. Powers of two use
// gonum's allocation-free radix-2/radix-4 kernels (about 3× faster than its general plan here);
// other lengths use gonum's mixed-radix CmplxFFT.
type fft1 struct {
	n    int
	plan *fourier.CmplxFFT // nil for powers of two
	pow4 bool
	tmp  []complex128
}

func newFFT1(n int) *fft1 {
	f := &fft1{n: n, pow4: n > 1 && bits.OnesCount(uint(n)) == 1 && bits.TrailingZeros(uint(n))%2 == 0}
	if n > 1 && bits.OnesCount(uint(n)) != 1 {
		f.plan = fourier.NewCmplxFFT(n)
		f.tmp = make([]complex128, n)
	}
	return f
}

// forward computes X[k] = Σ x[j]·exp(−2πi·jk/n) in place.
func (f *fft1) forward(x []complex128) {
	if f.plan == nil {
		if f.pow4 {
			fourier.CoefficientsRadix4(x)
		} else {
			fourier.CoefficientsRadix2(x)
		}
		return
	}
	copy(f.tmp, x)
	f.plan.Coefficients(x, f.tmp)
}

// inverse computes x[j] = Σ X[k]·exp(+2πi·jk/n) in place (no 1/n).
func (f *fft1) inverse(x []complex128) {
	if f.plan == nil {
		if f.pow4 {
			fourier.SequenceRadix4(x)
		} else {
			fourier.SequenceRadix2(x)
		}
		return
	}
	copy(f.tmp, x)
	f.plan.Sequence(x, f.tmp)
}

// fft2 transforms real nx×ny images to and from their half spectrum: columns u = 0…nx/2,
// each a contiguous run of ny complex values (u-major), so spec[u*ny+v] is the
// coefficient at horizontal frequency u and vertical frequency v. Both directions pack
// two real rows into one complex row, so a real 2D transform costs about half a complex one.
// Not safe for concurrent use; it owns its scratch buffers.
type fft2 struct {
	nx, ny int
	hx     int // nx/2 + 1
	rowFFT *fft1
	colFFT *fft1
	rows   []complex128 // fft2Block packed row pairs
}

// fft2Block is the number of packed row pairs transformed before their coefficients are
// scattered into the u-major spectrum: each column then receives 2·fft2Block contiguous
// values (two cache lines) instead of one pair per pass over all columns.
const fft2Block = 4

func newFFT2(nx, ny int) *fft2 {
	return &fft2{
		nx: nx, ny: ny, hx: nx/2 + 1,
		rowFFT: newFFT1(nx),
		colFFT: newFFT1(ny),
		rows:   make([]complex128, fft2Block*nx),
	}
}

// specLen is the length of a half spectrum.
func (t *fft2) specLen() int { return t.hx * t.ny }

// forwardReal writes the half spectrum of the real image src (row-major nx×ny) to spec.
func (t *fft2) forwardReal(spec []complex128, src []float64) {
	nx, ny, hx := t.nx, t.ny, t.hx
	for y0 := 0; y0 < ny; y0 += 2 * fft2Block {
		nb := min(fft2Block, (ny-y0+1)/2) // row pairs in this block
		for k := range nb {
			y := y0 + 2*k
			row := t.rows[k*nx : (k+1)*nx]
			a := src[y*nx : (y+1)*nx]
			if y+1 < ny {
				b := src[(y+1)*nx : (y+2)*nx][:nx]
				for x, v := range a {
					row[x] = complex(v, b[x])
				}
			} else {
				for x, v := range a {
					row[x] = complex(v, 0)
				}
			}
			t.rowFFT.forward(row)
		}
		// Split Z = A + iB using the Hermitian symmetry of A and B.
		for u := range hx {
			ui := (nx - u) % nx
			col := spec[u*ny+y0:]
			for k := range nb {
				row := t.rows[k*nx : (k+1)*nx]
				z := row[u]
				zc := row[ui]
				zc = complex(real(zc), -imag(zc))
				col[2*k] = (z + zc) * 0.5
				if y0+2*k+1 < ny {
					d := (z - zc) * 0.5
					col[2*k+1] = complex(imag(d), -real(d)) // d / i
				}
			}
		}
	}
	for u := range hx {
		t.colFFT.forward(spec[u*ny : (u+1)*ny])
	}
}

// inverseReal writes the real image whose half spectrum is spec to dst, scaled by
// nx·ny (unnormalised). spec is overwritten.
func (t *fft2) inverseReal(dst []float64, spec []complex128) {
	nx, ny, hx := t.nx, t.ny, t.hx
	for u := range hx {
		t.colFFT.inverse(spec[u*ny : (u+1)*ny])
	}
	for y0 := 0; y0 < ny; y0 += 2 * fft2Block {
		nb := min(fft2Block, (ny-y0+1)/2)
		for u := range hx {
			col := spec[u*ny+y0:]
			mirror := u > 0 && nx-u >= hx
			for k := range nb {
				row := t.rows[k*nx : (k+1)*nx]
				g1 := col[2*k]
				var g2 complex128
				if y0+2*k+1 < ny {
					g2 = col[2*k+1]
				}
				// Z = G1 + iG2 on u ≤ nx/2, and conj-extended above.
				row[u] = complex(real(g1)-imag(g2), imag(g1)+real(g2))
				if mirror {
					row[nx-u] = complex(real(g1)+imag(g2), -imag(g1)+real(g2))
				}
			}
		}
		for k := range nb {
			y := y0 + 2*k
			row := t.rows[k*nx : (k+1)*nx]
			t.rowFFT.inverse(row)
			a := dst[y*nx : (y+1)*nx]
			for x := range a {
				a[x] = real(row[x])
			}
			if y+1 < ny {
				b := dst[(y+1)*nx : (y+2)*nx]
				for x := range b {
					b[x] = imag(row[x])
				}
			}
		}
	}
}

// nextPow2 returns the smallest power of two ≥ n (n ≥ 1).
func nextPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// prevPow2 returns the largest power of two ≤ n (n ≥ 1).
func prevPow2(n int) int {
	if n < 1 {
		return 0
	}
	return 1 << (bits.Len(uint(n)) - 1)
}
