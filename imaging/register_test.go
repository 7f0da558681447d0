package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// regTexture returns the half spectrum of a random band-limited texture (nx×ny, Nyquist
// terms zero) so exact sub-pixel shifts of it can be synthesised: a Gaussian low-pass
// of width f0 cycles/px, or for f0 < 0 a ring at |f0| cycles/px like a cone mosaic's.
func regTexture(rng *rand.Rand, nx, ny int, f0 float64) []complex128 {
	t := newFFT2(nx, ny)
	spec := make([]complex128, t.specLen())
	for u := range t.hx {
		for v := range ny {
			if (nx%2 == 0 && u == nx/2) || (ny%2 == 0 && v == ny/2) {
				continue
			}
			fu := float64(u) / float64(nx)
			fv := float64(signedIdx(v, ny)) / float64(ny)
			f := math.Hypot(fu, fv)
			env := math.Exp(-0.5 * (f / f0) * (f / f0))
			if f0 < 0 {
				d := (f + f0) / 0.03
				env = math.Exp(-0.5*d*d) + 0.3*math.Exp(-0.5*(f/0.02)*(f/0.02))
			}
			spec[u*ny+v] = complex(rng.NormFloat64()*env, rng.NormFloat64()*env)
		}
	}
	return spec
}

// regShifted renders spec shifted by (dx, dy): out(x, y) = texture(x − dx, y − dy),
// exactly (periodic), scaled to mean 100 and standard deviation 20 with the given
// additive Gaussian noise standard deviation.
func regShifted(rng *rand.Rand, spec []complex128, nx, ny int, dx, dy, noise float64) *Image {
	t := newFFT2(nx, ny)
	s := make([]complex128, len(spec))
	for u := range t.hx {
		for v := range ny {
			ph := -2 * math.Pi * (float64(u)*dx/float64(nx) + float64(signedIdx(v, ny))*dy/float64(ny))
			sn, cs := math.Sincos(ph)
			s[u*ny+v] = spec[u*ny+v] * complex(cs, sn)
		}
	}
	buf := make([]float64, nx*ny)
	t.inverseReal(buf, s)
	// Mean and σ are shift-invariant (Parseval), so every shifted copy is scaled alike.
	var m, m2 float64
	for _, v := range buf {
		m += v
		m2 += v * v
	}
	m /= float64(len(buf))
	std := math.Sqrt(m2/float64(len(buf)) - m*m)
	img := NewImage(nx, ny)
	for i, v := range buf {
		img.Pix[i] = float32(100 + 20*(v-m)/std + noise*rng.NormFloat64())
	}
	return img
}

func TestPhaseCorrelateSubpixel(t *testing.T) {
	cases := []struct {
		name   string
		w, h   int
		f0     float64 // texture band, see regTexture
		noise  float64 // additive noise σ; the texture has σ = 20
		seeds  int
		maxRMS float64
	}{
		{"clean 256x256", 256, 256, 0.12, 0, 24, 0.1},
		{"noisy 256x256 SNR 2", 256, 256, 0.12, 10, 24, 0.1},
		{"clean 512x512 coarse-to-fine", 512, 512, 0.12, 0, 8, 0.1},
		{"noisy 512x512 SNR 1", 512, 512, 0.12, 20, 8, 0.1},
		{"clean 200x150 padded", 200, 150, 0.12, 0, 8, 0.1},
		{"mosaic-like 5 px period 512x512 SNR 2", 512, 512, -0.2, 10, 6, 0.1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var se float64
			var worst float64
			r := NewRegisterer(RegisterOptions{})
			for seed := range tc.seeds {
				rng := rand.New(rand.NewPCG(uint64(seed), 77))
				spec := regTexture(rng, tc.w, tc.h, tc.f0)
				dx, dy := rng.Float64()*40-20, rng.Float64()*40-20
				ref := regShifted(rng, spec, tc.w, tc.h, 0, 0, tc.noise)
				mov := regShifted(rng, spec, tc.w, tc.h, dx, dy, tc.noise)
				gx, gy, pk := r.Shift(ref, mov)
				require.Greater(t, pk, 0.0)
				e2 := (gx-dx)*(gx-dx) + (gy-dy)*(gy-dy)
				se += e2
				worst = math.Max(worst, math.Sqrt(e2))
			}
			rms := math.Sqrt(se / float64(tc.seeds))
			t.Logf("registration %s: %d seeds, shifts U(±20) px, RMS error %.4f px, worst %.4f px", tc.name, tc.seeds, rms, worst)
			require.LessOrEqual(t, rms, tc.maxRMS)
		})
	}
}

func TestPhaseCorrelateMatchesRegisterer(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	spec := regTexture(rng, 128, 96, 0.1)
	ref := regShifted(rng, spec, 128, 96, 0, 0, 2)
	mov := regShifted(rng, spec, 128, 96, -7.25, 3.5, 2)
	dx, dy, pk := PhaseCorrelate(ref, mov)
	require.InDelta(t, -7.25, dx, 0.1)
	require.InDelta(t, 3.5, dy, 0.1)
	require.Greater(t, pk, 0.1)
	require.Panics(t, func() { PhaseCorrelate(ref, NewImage(10, 10)) })
}

// regSheared renders a frame whose row y is the texture shifted by (sx(y), dy).
func regSheared(rng *rand.Rand, spec []complex128, nx, ny int, sx func(y int) float64, dy, noise float64) *Image {
	base := regShifted(rng, spec, nx, ny, 0, dy, 0)
	f := newFFT1(nx)
	row := make([]complex128, nx)
	out := NewImage(nx, ny)
	for y := range ny {
		for x := range nx {
			row[x] = complex(float64(base.Pix[y*nx+x]), 0)
		}
		f.forward(row)
		s := sx(y)
		for u := range nx {
			ph := -2 * math.Pi * float64(signedIdx(u, nx)) * s / float64(nx)
			if u == nx/2 {
				ph = 0 // the band-limited texture has no energy there
			}
			sn, cs := math.Sincos(ph)
			row[u] *= complex(cs, sn)
		}
		f.inverse(row)
		for x := range nx {
			out.Pix[y*nx+x] = float32(real(row[x])/float64(nx) + noise*rng.NormFloat64())
		}
	}
	return out
}

func TestRegisterStackStrips(t *testing.T) {
	const n = 256
	rng := rand.New(rand.NewPCG(11, 3))
	spec := regTexture(rng, n, n, 0.12)
	ref := regShifted(rng, spec, n, n, 0, 0, 2)
	shear := func(y int) float64 { return 4.2 + 3*math.Sin(2*math.Pi*float64(y)/float64(n)) + 0.01*float64(y) }
	const dy = -2.7
	mov := regSheared(rng, spec, n, n, shear, dy, 2)
	motion, err := RegisterStack([]*Image{ref, mov}, RegisterOptions{StripRows: 32})
	require.NoError(t, err)
	require.Len(t, motion, 2)
	require.Zero(t, motion[0].DX)
	m := motion[1]
	require.Len(t, m.RowDX, n)
	var se, seWhole, worst float64
	for y := range n {
		ex := m.DX + m.RowDX[y] - shear(y)
		ey := m.DY + m.RowDY[y] - dy
		se += ex*ex + ey*ey
		worst = math.Max(worst, math.Hypot(ex, ey))
		wx := m.DX - shear(y)
		seWhole += wx*wx + (m.DY-dy)*(m.DY-dy)
	}
	rms := math.Sqrt(se / n)
	t.Logf("strip-wise registration, sinusoidal shear of ±3 px + tilt, 32-row strips: per-row RMS error %.4f px (worst %.3f px); whole-frame shift alone leaves %.3f px RMS",
		rms, worst, math.Sqrt(seWhole/n))
	require.LessOrEqual(t, rms, 0.2)

	// Averaging with per-row motion reproduces the reference.
	avg := AverageFrames([]*Image{ref, mov}, motion)
	var d2, v2 float64
	var mean float64
	for y := 16; y < n-16; y++ {
		for x := 16; x < n-16; x++ {
			mean += float64(ref.At(x, y))
		}
	}
	mean /= float64((n - 32) * (n - 32))
	for y := 16; y < n-16; y++ {
		for x := 16; x < n-16; x++ {
			d := float64(avg.At(x, y) - ref.At(x, y))
			d2 += d * d
			v := float64(ref.At(x, y)) - mean
			v2 += v * v
		}
	}
	t.Logf("dewarped average vs reference: relative RMS difference %.3f", math.Sqrt(d2/v2))
	require.Less(t, math.Sqrt(d2/v2), 0.35)
}

func TestRegisterStackErrors(t *testing.T) {
	cases := []struct {
		name   string
		frames []*Image
		opts   RegisterOptions
	}{
		{"empty", nil, RegisterOptions{}},
		{"mismatched", []*Image{NewImage(32, 32), NewImage(32, 16)}, RegisterOptions{}},
		{"nil frame", []*Image{NewImage(32, 32), nil}, RegisterOptions{}},
		{"reference out of range", []*Image{NewImage(32, 32)}, RegisterOptions{Reference: 3}},
		{"too small", []*Image{NewImage(4, 4)}, RegisterOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RegisterStack(tc.frames, tc.opts)
			require.Error(t, err)
		})
	}
}

func TestAverageFramesSNR(t *testing.T) {
	const n, sigma = 192, 20.0 // single-frame SNR 1 (texture σ 20)
	for _, nf := range []int{4, 16} {
		t.Run("", func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(nf), 9))
			spec := regTexture(rng, n, n, 0.1)
			frames := make([]*Image, nf)
			truth := make([][2]float64, nf)
			for i := range frames {
				// Integer shifts keep the truth free of interpolation so the gain is
				// the noise averaging alone.
				if i > 0 {
					truth[i] = [2]float64{float64(rng.IntN(13) - 6), float64(rng.IntN(13) - 6)}
				}
				frames[i] = regShifted(rng, spec, n, n, truth[i][0], truth[i][1], sigma)
			}
			motion, err := RegisterStack(frames, RegisterOptions{AutoReference: nf > 8})
			require.NoError(t, err)
			// Express truth relative to whichever frame was the reference.
			var refIdx int
			for i, m := range motion {
				if m.DX == 0 && m.DY == 0 && m.Peak == 1 {
					refIdx = i
				}
			}
			var se float64
			for i, m := range motion {
				ex := m.DX - (truth[i][0] - truth[refIdx][0])
				ey := m.DY - (truth[i][1] - truth[refIdx][1])
				se += ex*ex + ey*ey
			}
			avg := AverageFrames(frames, motion)
			refClean := regShifted(rng, spec, n, n, truth[refIdx][0], truth[refIdx][1], 0)
			snr := func(img *Image) float64 {
				var s2, e2 float64
				for y := 12; y < n-12; y++ {
					for x := 12; x < n-12; x++ {
						c := float64(refClean.At(x, y)) - 100
						e := float64(img.At(x, y) - refClean.At(x, y))
						s2 += c * c
						e2 += e * e
					}
				}
				return math.Sqrt(s2 / e2)
			}
			single := snr(frames[refIdx])
			gain := snr(avg) / single
			expect := math.Sqrt(float64(nf))
			t.Logf("averaging N=%d frames at single-frame SNR %.2f: shift RMS %.4f px, SNR gain %.2f (expected √N = %.2f, ratio %.3f)",
				nf, single, math.Sqrt(se/float64(nf)), gain, expect, gain/expect)
			require.InEpsilon(t, expect, gain, 0.15)
		})
	}
}

func BenchmarkPhaseCorrelate512(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	spec := regTexture(rng, 512, 512, 0.12)
	ref := regShifted(rng, spec, 512, 512, 0, 0, 5)
	mov := regShifted(rng, spec, 512, 512, 7.3, -11.6, 5)
	r := NewRegisterer(RegisterOptions{})
	b.ResetTimer()
	for b.Loop() {
		r.Shift(ref, mov)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/pair")
}

func BenchmarkPhaseCorrelate512Fresh(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	spec := regTexture(rng, 512, 512, 0.12)
	ref := regShifted(rng, spec, 512, 512, 0, 0, 5)
	mov := regShifted(rng, spec, 512, 512, 7.3, -11.6, 5)
	b.ResetTimer()
	for b.Loop() {
		PhaseCorrelate(ref, mov)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/pair")
}

func benchStack(b *testing.B, opts RegisterOptions) {
	rng := rand.New(rand.NewPCG(3, 4))
	spec := regTexture(rng, 512, 512, 0.12)
	frames := make([]*Image, 32)
	for i := range frames {
		frames[i] = regShifted(rng, spec, 512, 512, rng.Float64()*20-10, rng.Float64()*20-10, 10)
	}
	b.ResetTimer()
	for b.Loop() {
		m, err := RegisterStack(frames, opts)
		if err != nil {
			b.Fatal(err)
		}
		AverageFrames(frames, m)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/stack")
}

func BenchmarkRegisterAverage32x512(b *testing.B) { benchStack(b, RegisterOptions{}) }

func BenchmarkRegisterAverage32x512Strips(b *testing.B) {
	benchStack(b, RegisterOptions{StripRows: 32})
}
