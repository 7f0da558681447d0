package imaging

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// gradientAmplitude fits a + b·x + c·y to img by least squares and returns the
// relative brightness change across the frame, hypot(b·W, c·H)/a.
func gradientAmplitude(img *Image) float64 {
	// The regressors x − x̄ and y − ȳ are orthogonal on a full grid.
	cx, cy := float64(img.W-1)/2, float64(img.H-1)/2
	var a, sx, sy, sxx, syy float64
	for y := range img.H {
		for x := range img.W {
			v := float64(img.At(x, y))
			dx, dy := float64(x)-cx, float64(y)-cy
			a += v
			sx += v * dx
			sy += v * dy
			sxx += dx * dx
			syy += dy * dy
		}
	}
	a /= float64(img.W * img.H)
	return math.Hypot(sx/sxx*float64(img.W), sy/syy*float64(img.H)) / a
}

func TestNormalizeFlatField(t *testing.T) {
	const n = 256
	tex, _ := PhantomCones(ConePhantomOptions{Width: n, Height: n, Seed: 4, SNR: math.Inf(1), Gradient: 1e-9})
	img := tex.Clone()
	for y := range n {
		for x := range n {
			g := 0.4 + 1.2*float64(x)/n + 0.6*float64(y)/n
			img.Set(x, y, float32(float64(img.At(x, y))*g))
		}
	}
	plain := Normalize(img, NormalizeOptions{})
	flat := Normalize(img, NormalizeOptions{FlatFieldSigma: 32})
	ref := Normalize(tex, NormalizeOptions{})
	t.Logf("illumination gradient (gain 0.4 to 2.2 across the frame): fitted relative gradient %.3f stretched only, %.3f after flat-field σ=32 px (mosaic without gradient %.3f)",
		gradientAmplitude(plain), gradientAmplitude(flat), gradientAmplitude(ref))
	require.Greater(t, gradientAmplitude(plain), 0.5)
	require.Less(t, gradientAmplitude(flat), 0.1)

	lo, hi := 1.0, 0.0
	for _, v := range flat.Pix {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	require.Equal(t, 0.0, lo)
	require.Equal(t, 1.0, hi)
	p1, p99 := Percentiles(flat, 0.5, 99.5)
	require.InDelta(t, 0, p1, 0.01)
	require.InDelta(t, 1, p99, 0.01)
}

func TestNormalizeEdgeCases(t *testing.T) {
	cases := []struct {
		name string
		img  *Image
		want []float32
	}{
		{"flat", &Image{W: 2, H: 2, Pix: []float32{3, 3, 3, 3}}, []float32{0, 0, 0, 0}},
		{"ramp", &Image{W: 3, H: 1, Pix: []float32{-2, 0, 2}}, []float32{0, 0.5, 1}},
		{"empty", NewImage(0, 0), []float32{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := Normalize(tc.img, NormalizeOptions{LowPercentile: 1e-9, HighPercentile: 100})
			require.InDeltaSlice(t, tc.want, out.Pix, 1e-6)
		})
	}
}
