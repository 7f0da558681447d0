package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// layerErrors returns the mean absolute error per boundary of found against truth,
// over all columns.
func layerErrors(found *LayerBoundaries, truth VolumeTruth) [NumBoundaries]float64 {
	var out [NumBoundaries]float64
	for k := range out {
		s := 0.0
		for i, z := range found.Z[k] {
			s += math.Abs(float64(z - truth.Boundaries[k][i]))
		}
		out[k] = s / float64(len(found.Z[k]))
	}
	return out
}

// TestSegmentLayersRobustToTheAxialPrior: the search windows are in µm; a depth sampling
// stated 15% off still finds every boundary within 1.5 px on average.
func TestSegmentLayersRobustToTheAxialPrior(t *testing.T) {
	v, truth := PhantomVolume(VolumePhantomOptions{X: 128, Y: 16, Z: 128, Seed: 4, SNR: 5, MotionAxialPx: -1, MotionLateralPx: -1})
	for _, a := range []float64{2.6, 3, 3.5} {
		lb, err := SegmentLayers(v, LayerOptions{AxialUm: a})
		require.NoError(t, err)
		e := layerErrors(lb, truth)
		t.Logf("axial prior %.1f µm (true 3): boundary MAE %.2f px", a, e)
		for k, m := range e {
			require.Less(t, m, 1.5, "%s at %.1f µm", LayerBoundaryNames[k], a)
		}
	}
	_, err := SegmentLayers(&Volume{X: 4, Y: 1, Z: 4, Vox: make([]float32, 16)}, LayerOptions{})
	require.Error(t, err)
}

func TestFlattenSlabThickness(t *testing.T) {
	v, truth := PhantomVolume(VolumePhantomOptions{X: 64, Y: 32, Z: 128, Seed: 1, MotionAxialPx: -1, MotionLateralPx: -1})
	l := &LayerBoundaries{X: v.X, Y: v.Y, Z: truth.Boundaries}
	fv, fl, err := Flatten(v, l, BoundaryRPEBM, 100)
	require.NoError(t, err)
	for i := range fl.Z[BoundaryRPEBM] {
		require.InDelta(t, 100, fl.Z[BoundaryRPEBM][i], 1e-3)
	}
	// After flattening every column has the RPE's bright band just above depth 100.
	img, err := EnFace(fv, 97, 100, ProjectMean)
	require.NoError(t, err)
	below, err := EnFace(fv, 101, 104, ProjectMean)
	require.NoError(t, err)
	var a, b float64
	for i := range img.Pix {
		a += float64(img.Pix[i])
		b += float64(below.Pix[i])
	}
	require.Greater(t, a, 2*b, "RPE (1.0) above, choroid (0.3) below")

	// A slab between two boundaries with offsets, mean and max; thickness maps.
	s := Slab{Name: "t", Top: "ISOS", TopOffsetPx: -1, Bottom: "COST", BottomOffsetPx: 1, Mode: ProjectMax}
	mx, err := SlabEnFace(v, l, s)
	require.NoError(t, err)
	s.Mode = ProjectMean
	mean, err := SlabEnFace(v, l, s)
	require.NoError(t, err)
	for i := range mx.Pix {
		require.GreaterOrEqual(t, mx.Pix[i], mean.Pix[i])
	}
	_, err = SlabEnFace(v, l, Slab{Name: "bad", Top: "NOPE", Bottom: "COST", Mode: ProjectMean})
	require.Error(t, err)
	for _, r := range RetinalLayers {
		th := ThicknessMap(l, r)
		g := GridMean(GridOf(th, 8), 4)
		want := 0.0
		for i := range th.Pix {
			want += float64(l.Z[r.Bottom][i]-l.Z[r.Top][i]) / float64(len(th.Pix))
		}
		require.InDelta(t, want, g.Value, 1e-2, r.Name)
		require.LessOrEqual(t, g.CI95Low, g.Value)
		require.GreaterOrEqual(t, g.CI95High, g.Value)
	}
}

// TestMotionContrast: static tissue keeps its speckle between repeats, flowing blood does
// not; decorrelation and log-variance both separate them.
func TestMotionContrast(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 32 * 32 * 8
	static := make([]float32, n)
	for i := range static {
		static[i] = float32(rng.ExpFloat64())
	}
	flow := func(i int) bool { return (i/32)%32 >= 12 && (i/32)%32 < 16 } // rows 12..15 of each plane
	var vols []*Volume
	for range 4 {
		v := &Volume{X: 32, Y: 32, Z: 8, Vox: make([]float32, n)}
		for i := range v.Vox {
			v.Vox[i] = static[i]
			if flow(i) {
				v.Vox[i] = float32(rng.ExpFloat64())
			}
		}
		vols = append(vols, v)
	}
	for _, mode := range []MotionContrastMode{ContrastDecorrelation, ContrastVariance, ContrastWeightedDecorrelation} {
		mc, err := MotionContrast(vols, mode)
		require.NoError(t, err)
		var fl, st, nf, ns float64
		for i, c := range mc.Vox {
			if flow(i) {
				fl += float64(c)
				nf++
			} else {
				st += float64(c)
				ns++
			}
		}
		require.InDelta(t, 0, st/ns, 1e-6, mode)
		require.Greater(t, fl/nf, 0.15, mode)
	}
	_, err := MotionContrast(vols[:1], ContrastDecorrelation)
	require.Error(t, err)
}

// TestChainShiftsShrinksOnlyWhatNoiseSwamps checks the empirical Bayes prior of chainShifts:
// exact pairwise shifts give the motion back, pure-noise ones give (almost) no motion
// instead of the chain's random walk.
func TestChainShiftsShrinksOnlyWhatNoiseSwamps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 256
	truth := make([]float64, n)
	for i := range truth {
		truth[i] = 0.5 * rng.NormFloat64()
	}
	removeQuadratic(truth)
	rms := func(s []float64) float64 {
		var ss float64
		for i := range s {
			ss += (s[i] - truth[i]) * (s[i] - truth[i])
		}
		return math.Sqrt(ss / n)
	}
	d1, d2 := make([]float64, n), make([]float64, n)
	for b := 1; b < n; b++ {
		d1[b] = truth[b] - truth[b-1]
		if b >= 2 {
			d2[b] = truth[b] - truth[b-2]
		}
	}
	s := chainShifts(d1, d2, 1e-8, 1e-8)
	removeQuadratic(s)
	require.Less(t, rms(s), 0.01, "exact pairs")

	for b := 1; b < n; b++ {
		d1[b] = rng.NormFloat64()
		d2[b] = rng.NormFloat64()
	}
	plain := chainShifts(d1, d2, 0, 0)
	removeQuadratic(plain)
	s = chainShifts(d1, d2, 1, 1)
	removeQuadratic(s)
	require.Greater(t, rms(plain), 1.0, "the plain chain of noise wanders")
	require.Less(t, rms(s), 0.6, "noise shrunk to about no motion (truth RMS 0.5)")

	// Good neighbours, poor lag 2 (tissue speckle shared by adjacent B-scans only): the
	// lags' own weights keep the poor one from spoiling the chain.
	for b := 1; b < n; b++ {
		d1[b] = truth[b] - truth[b-1] + 0.05*rng.NormFloat64()
		if b >= 2 {
			d2[b] = truth[b] - truth[b-2] + 1.5*rng.NormFloat64()
		}
	}
	s = chainShifts(d1, d2, 0.05*0.05, 1.5*1.5)
	removeQuadratic(s)
	require.Less(t, rms(s), 0.15, "lag 2 weighed by its own noise")
}
