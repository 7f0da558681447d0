package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGaussianBlurMatchesGaussian(t *testing.T) {
	cases := []struct {
		name  string
		sigma float64
		tol   float64 // max abs error relative to the peak of the exact response
	}{
		{"fir sigma 1.5", 1.5, 1e-3},
		{"fir sigma 6", 6, 1e-3},
		{"fir sigma 20", 20, 1e-3},
		{"box sigma 30", 30, 0.07},
	}
	const n = 241
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := NewImage(n, n)
			img.Set(n/2, n/2, 1)
			out := GaussianBlur(img, tc.sigma)
			var sum, maxErr, peak float64
			for y := range n {
				for x := range n {
					dx, dy := float64(x-n/2), float64(y-n/2)
					want := math.Exp(-(dx*dx+dy*dy)/(2*tc.sigma*tc.sigma)) / (2 * math.Pi * tc.sigma * tc.sigma)
					peak = math.Max(peak, want)
					maxErr = math.Max(maxErr, math.Abs(float64(out.At(x, y))-want))
					sum += float64(out.At(x, y))
				}
			}
			t.Logf("GaussianBlur %s: max error %.2g of peak", tc.name, maxErr/peak)
			require.InDelta(t, 1, sum, 1e-3, "mass preserved")
			require.Less(t, maxErr/peak, tc.tol)
		})
	}
	require.Equal(t, []float32{1, 2}, GaussianBlur(&Image{W: 2, H: 1, Pix: []float32{1, 2}}, 0).Pix)
}

// speckleScene is a smooth positive scene (mean 100, σ 20) and a copy with L-look
// speckle: each pixel times a Gamma(L, 1/L) variate.
func speckleScene(seed uint64, n, looks int) (clean, noisy *Image) {
	rng := rand.New(rand.NewPCG(seed, 21))
	spec := regTexture(rng, n, n, 0.04)
	clean = regShifted(rng, spec, n, n, 0, 0, 0)
	noisy = clean.Clone()
	for i, v := range noisy.Pix {
		s := 0.0
		for range looks {
			s += rng.ExpFloat64()
		}
		noisy.Pix[i] = v * float32(s/float64(looks))
	}
	return clean, noisy
}

// snrDB is 10·log10(signal variance / mean squared error) of est against truth.
func snrDB(truth, est *Image) float64 {
	var m float64
	for _, v := range truth.Pix {
		m += float64(v)
	}
	m /= float64(len(truth.Pix))
	var s2, e2 float64
	for i, v := range truth.Pix {
		s2 += (float64(v) - m) * (float64(v) - m)
		d := float64(est.Pix[i] - v)
		e2 += d * d
	}
	return 10 * math.Log10(s2/e2)
}

func TestReduceSpeckleImprovesSNR(t *testing.T) {
	cases := []struct {
		looks  int
		sigma  float64
		gainDB float64
	}{
		{1, 2, 8},
		{4, 1.5, 6},
	}
	for _, tc := range cases {
		var before, after float64
		const seeds = 4
		for seed := range seeds {
			clean, noisy := speckleScene(uint64(seed), 128, tc.looks)
			out := ReduceSpeckle(noisy, SpeckleOptions{Sigma: tc.sigma})
			before += snrDB(clean, noisy) / seeds
			after += snrDB(clean, out) / seeds
		}
		t.Logf("speckle reduction, %d-look speckle, σ=%.1f px: SNR %.1f dB → %.1f dB (gain %.1f dB, mean of 4 seeds)",
			tc.looks, tc.sigma, before, after, after-before)
		require.Greater(t, after-before, tc.gainDB)
	}
}
