package imaging_test

import (
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/stretchr/testify/require"
)

func TestTransformRoundTrip(t *testing.T) {
	img := imaging.NewImage(5, 3)
	for i := range img.Pix {
		img.Pix[i] = float32(i)
	}
	r := img
	for range 4 {
		r = imaging.RotateImage90(r)
	}
	require.Equal(t, img, r)
	require.Equal(t, img, imaging.FlipImageH(imaging.FlipImageH(img)))
	require.Equal(t, img, imaging.FlipImageV(imaging.FlipImageV(img)))
	// A pixel and its point move together.
	p := []imaging.Point{{X: 4, Y: 1}}
	rot := imaging.RotateImage90(img)
	q := imaging.RotatePoints90(p, img.W, img.H)[0]
	require.Equal(t, img.At(4, 1), rot.At(int(q.X), int(q.Y)))
	fh := imaging.FlipPointsH(p, img.W)[0]
	require.Equal(t, img.At(4, 1), imaging.FlipImageH(img).At(int(fh.X), int(fh.Y)))
	fv := imaging.FlipPointsV(p, img.H)[0]
	require.Equal(t, img.At(4, 1), imaging.FlipImageV(img).At(int(fv.X), int(fv.Y)))
}

// TestDetectConesEquivariant: rotating or flipping the image rotates or flips the detections.
func TestDetectConesEquivariant(t *testing.T) {
	img, truth := imaging.PhantomCones(imaging.ConePhantomOptions{Width: 160, Height: 128, Seed: 7, SNR: 6})
	opts := imaging.ConeDetectOptions{EccentricityDeg: truth.EccentricityDeg, UmPerPx: truth.UmPerPx}
	base := imaging.DetectCones(img, opts)
	require.Greater(t, len(base), 100)
	tests := []struct {
		name string
		img  *imaging.Image
		want []imaging.Point
	}{
		{"rotate 90", imaging.RotateImage90(img), imaging.RotatePoints90(base, img.W, img.H)},
		{"flip horizontal", imaging.FlipImageH(img), imaging.FlipPointsH(base, img.W)},
		{"flip vertical", imaging.FlipImageV(img), imaging.FlipPointsV(base, img.H)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := imaging.DetectCones(tc.img, opts)
			s := imaging.ScoreDetectionsWith(got, tc.want, tc.img.W, tc.img.H, imaging.ScoreOptions{Radius: 0.01, Border: -1})
			t.Logf("%s: %d of %d points map within 0.01 px", tc.name, s.TP, len(tc.want))
			require.Len(t, got, len(tc.want))
			require.Equal(t, len(tc.want), s.TP)
		})
	}
}
