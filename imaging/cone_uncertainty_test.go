package imaging

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConeUncertaintyPointsAtDoubtfulRegions: a clean phantom scores low everywhere; cells
// whose marks were taken away, and a patch where the image holds only noise, score high.
func TestConeUncertaintyPointsAtDoubtfulRegions(t *testing.T) {
	img, _ := PhantomCones(ConePhantomOptions{Width: 256, Height: 256, Seed: 3})
	opts := ConeDetectOptions{}
	pts := DetectCones(img, opts)
	const cell = 32
	cols, rows, clean := ConeUncertainty(img, pts, opts, cell)
	require.Equal(t, 8, cols)
	require.Equal(t, 8, rows)
	sorted := slices.Clone(clean)
	slices.Sort(sorted)
	t.Logf("clean phantom: median %.2f, max %.2f over %d cells", sorted[len(sorted)/2], sorted[len(sorted)-1], len(sorted))
	require.Less(t, sorted[len(sorted)/2], 0.15)

	// Every mark of cell (2,2) gone, half of cell (5,5)'s.
	var kept []Point
	half := 0
	for _, p := range pts {
		c, r := int(p.X)/cell, int(p.Y)/cell
		if c == 2 && r == 2 {
			continue
		}
		if c == 5 && r == 5 {
			half++
			if half%2 == 0 {
				continue
			}
		}
		kept = append(kept, p)
	}
	_, _, u := ConeUncertainty(img, kept, opts, cell)
	require.Equal(t, 1.0, u[2*cols+2], "no cones where the spacing says there are some")
	require.Greater(t, u[5*cols+5], 0.2)
	require.Greater(t, u[5*cols+5], clean[5*cols+5]+0.15)

	// A patch of noise (cells 1–2 across, 5–6 down): the detector's marks there are weak or few.
	noisy := &Image{W: img.W, H: img.H, Pix: slices.Clone(img.Pix)}
	rng := rand.New(rand.NewPCG(1, 2))
	var mean float32
	for _, v := range img.Pix {
		mean += v / float32(len(img.Pix))
	}
	for y := 5 * cell; y < 7*cell; y++ {
		for x := 1 * cell; x < 3*cell; x++ {
			noisy.Pix[y*img.W+x] = mean + float32(rng.NormFloat64())*0.05*mean
		}
	}
	_, _, un := ConeUncertainty(noisy, DetectCones(noisy, opts), opts, cell)
	for _, k := range []int{5*cols + 1, 5*cols + 2, 6*cols + 1, 6*cols + 2} {
		t.Logf("noise cell %d: %.2f (clean %.2f)", k, un[k], clean[k])
		require.Greater(t, un[k], 0.4)
	}
}

// TestDetectConesWithUncertaintyMatchesTheParts: the shared-response path gives the same
// marks as DetectCones and the same grid as ConeUncertainty.
func TestDetectConesWithUncertaintyMatchesTheParts(t *testing.T) {
	img, _ := PhantomCones(ConePhantomOptions{Width: 192, Height: 192, Seed: 4})
	opts := ConeDetectOptions{}
	pts, cols, rows, v := DetectConesWithUncertainty(img, opts, 24)
	want := DetectCones(img, opts)
	require.Equal(t, want, pts)
	wc, wr, wv := ConeUncertainty(img, want, opts, 24)
	require.Equal(t, []int{wc, wr}, []int{cols, rows})
	require.Equal(t, wv, v)
}

func TestConeUncertaintyEmpty(t *testing.T) {
	cols, rows, v := ConeUncertainty(nil, nil, ConeDetectOptions{}, 32)
	require.Zero(t, cols*rows)
	require.Empty(t, v)
}
