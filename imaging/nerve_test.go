package imaging

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNerveFibreOrientation(t *testing.T) {
	tests := []struct {
		name string
		opts NervePhantomOptions
	}{
		{"30°, gently curved, SNR 5", NervePhantomOptions{Seed: 1, OrientationDeg: 30}},
		{"120°, curved R=500 px, SNR 3", NervePhantomOptions{Seed: 2, OrientationDeg: 120, CurvatureRadiusPx: 500, SNR: 3}},
		{"horizontal, straight, period 16", NervePhantomOptions{Seed: 3, HasOrientation: true, CurvatureRadiusPx: -1, PeriodPx: 16, BundleWidthPx: 7}},
		{"176°, wide bundles", NervePhantomOptions{Seed: 4, OrientationDeg: 176, PeriodPx: 14, BundleWidthPx: 9}},
	}
	const size = 192
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Size = size
			img, truth := PhantomNerveFibres(tc.opts)
			r := NerveFibreOrientation(img, NerveOptions{Bootstrap: BootstrapOptions{Resamples: 500}})
			var errs []float64
			var c2, s2 float64
			for y := 12; y < size-12; y++ {
				for x := 12; x < size-12; x++ {
					want := truth.OrientationAt(float64(x), float64(y))
					errs = append(errs, AxialDiffDeg(float64(r.OrientationDeg[y*size+x]), want))
					c2 += math.Cos(2 * want * math.Pi / 180)
					s2 += math.Sin(2 * want * math.Pi / 180)
				}
			}
			slices.Sort(errs)
			med, p95 := errs[len(errs)/2], errs[len(errs)*95/100]
			dominant := wrap180(math.Atan2(s2, c2) / 2 * 180 / math.Pi)
			domErr := AxialDiffDeg(r.DominantOrientationDeg.Value, dominant)
			t.Logf("%s: per-pixel orientation error median %.2f°, 95th percentile %.2f°; dominant %.2f° [%.2f, %.2f] vs %.2f° (error %.2f°); spacing %.2f [%.2f, %.2f] px (truth %.1f), width %.2f [%.2f, %.2f] px (truth %.1f); coherence %.2f",
				tc.name, med, p95, r.DominantOrientationDeg.Value, r.DominantOrientationDeg.CI95Low, r.DominantOrientationDeg.CI95High,
				dominant, domErr, r.BundleSpacingPx.Value, r.BundleSpacingPx.CI95Low, r.BundleSpacingPx.CI95High, truth.PeriodPx,
				r.BundleWidthPx.Value, r.BundleWidthPx.CI95Low, r.BundleWidthPx.CI95High, truth.BundleWidthPx, r.MeanCoherence)
			require.LessOrEqual(t, med, 3.0)
			require.LessOrEqual(t, domErr, 3.0)
			require.InEpsilon(t, truth.PeriodPx, r.BundleSpacingPx.Value, 0.05)
			require.InDelta(t, truth.BundleWidthPx, r.BundleWidthPx.Value, 1.0)
			require.LessOrEqual(t, r.DominantOrientationDeg.CI95Low, r.DominantOrientationDeg.Value)
			require.GreaterOrEqual(t, r.DominantOrientationDeg.CI95High, r.DominantOrientationDeg.Value)
		})
	}
}
