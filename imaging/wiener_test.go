package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWienerDenoiseFindsConesUnderWhiteNoise: a cone phantom under heavy white noise
// (per-pixel σ = the mosaic's own spread) loses cones; the Wiener filter gets most back,
// more than a fixed blur does, and keeps the mean.
func TestWienerDenoiseFindsConesUnderWhiteNoise(t *testing.T) {
	clean, truth := PhantomCones(ConePhantomOptions{Width: 256, Height: 128, Seed: 3, EccentricityDeg: 1.5, UmPerPx: 1, SNR: math.Inf(1)})
	var mean, ss float64
	for _, v := range clean.Pix {
		mean += float64(v)
	}
	mean /= float64(len(clean.Pix))
	for _, v := range clean.Pix {
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	sd := math.Sqrt(ss / float64(len(clean.Pix)))
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := clean.Clone()
	for i := range noisy.Pix {
		noisy.Pix[i] += float32(sd * rng.NormFloat64())
	}
	opts := ConeDetectOptions{EccentricityDeg: 1.5, UmPerPx: 1}
	f1 := func(img *Image) float64 {
		return ScoreDetections(DetectCones(Normalize(img, NormalizeOptions{}), opts), truth.Cones, img.W, img.H).F1
	}
	den := WienerDenoise(noisy, WienerOptions{SpacingPx: ExpectedConeSpacingPx(1.5, 1)})
	raw, blur, wiener := f1(noisy), f1(GaussianBlur(noisy, 0.7)), f1(den)
	t.Logf("cone F1 at SNR 1: noisy %.3f, Gaussian σ 0.7 %.3f, Wiener %.3f", raw, blur, wiener)
	require.Greater(t, wiener, blur)
	require.Greater(t, wiener, 0.9)

	var dm float64
	for _, v := range den.Pix {
		dm += float64(v)
	}
	var nm float64
	for _, v := range noisy.Pix {
		nm += float64(v)
	}
	require.InDelta(t, nm/float64(len(noisy.Pix)), dm/float64(len(den.Pix)), 1e-4)

	// A flat image stays flat; a tiny one comes back as it is.
	flat := NewImage(64, 64)
	for i := range flat.Pix {
		flat.Pix[i] = 0.5
	}
	for _, v := range WienerDenoise(flat, WienerOptions{}).Pix {
		require.InDelta(t, 0.5, v, 1e-6)
	}
	tiny := NewImage(4, 4)
	tiny.Pix[5] = 1
	require.Equal(t, tiny.Pix, WienerDenoise(tiny, WienerOptions{}).Pix)
}

func BenchmarkWienerDenoise512(b *testing.B) {
	img, _ := PhantomCones(ConePhantomOptions{Width: 512, Height: 512, Seed: 1, EccentricityDeg: 1.5, UmPerPx: 1, SNR: 2})
	b.ReportAllocs()
	for b.Loop() {
		WienerDenoise(img, WienerOptions{SpacingPx: 4.6})
	}
}
