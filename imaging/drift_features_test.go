package imaging

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDriftFeatures(t *testing.T) {
	img, truth := PhantomCones(ConePhantomOptions{Width: 192, Seed: 3, SNR: 8})
	motion := 0.7
	unc := 0.12
	f := DriftFeatures(DriftInputs{Image: img, MotionRMSPx: &motion, Marks: truth.Cones, UmPerPx: truth.UmPerPx, MeanUncertainty: &unc})

	var sum float64
	for _, v := range img.Pix {
		sum += float64(v)
	}
	require.InDelta(t, sum/float64(len(img.Pix)), f[FeatureMeanIntensity], 1e-9)
	require.Greater(t, f[FeatureContrast], 0.0)
	// The phantom's SNR is std(clean)/std(noise); the estimate is a lower bound near it.
	require.InDelta(t, 8, f[FeatureSNR], 4)
	require.InDelta(t, truth.SpacingPx, f[FeatureSpacingPx], 0.15*truth.SpacingPx)
	require.Equal(t, motion, f[FeatureMotionPx])
	require.Equal(t, float64(len(truth.Cones)), f[FeatureCount])
	// Cones whose centre lies in the frame over the frame's area: the phantom's density.
	require.InDelta(t, truth.DensityPerMM2, f[FeatureDensityPerMM2], 0.1*truth.DensityPerMM2)
	require.NotContains(t, f, FeatureDensityPer10kPx2, "one density unit per run")
	require.Equal(t, unc, f[FeatureMeanUncertainty])

	t.Run("gain moves intensity but not contrast or SNR; offset moves contrast", func(t *testing.T) {
		gain := img.Clone()
		offset := img.Clone()
		for i, v := range img.Pix {
			gain.Pix[i] = 1.5 * v
			offset.Pix[i] = v + 0.3
		}
		g := DriftFeatures(DriftInputs{Image: gain})
		o := DriftFeatures(DriftInputs{Image: offset})
		require.InDelta(t, 1.5*f[FeatureMeanIntensity], g[FeatureMeanIntensity], 1e-6)
		require.InDelta(t, f[FeatureContrast], g[FeatureContrast], 1e-6)
		require.InDelta(t, f[FeatureSNR], g[FeatureSNR], 1e-3*f[FeatureSNR])
		require.Less(t, o[FeatureContrast], 0.8*f[FeatureContrast])
	})

	t.Run("uncalibrated, classical, one frame", func(t *testing.T) {
		g := DriftFeatures(DriftInputs{Image: img, Marks: truth.Cones})
		require.NotContains(t, g, FeatureDensityPerMM2)
		require.NotContains(t, g, FeatureMotionPx)
		require.NotContains(t, g, FeatureMeanUncertainty)
		require.InDelta(t, float64(len(truth.Cones))/float64(192*192)*1e4, g[FeatureDensityPer10kPx2], 1e-9)
	})

	t.Run("no image: output features only, all finite", func(t *testing.T) {
		nan := math.NaN()
		g := DriftFeatures(DriftInputs{Marks: truth.Cones[:10], W: 100, H: 50, MeanUncertainty: &nan})
		require.Equal(t, map[string]float64{FeatureCount: 10, FeatureDensityPer10kPx2: 20}, g)
	})

	for _, k := range []string{FeatureCount, FeatureDensityPerMM2, FeatureDensityPer10kPx2, FeatureMeanUncertainty} {
		require.Equal(t, "output", DriftFeatureKind(k))
	}
	for _, k := range []string{FeatureMeanIntensity, FeatureContrast, FeatureSNR, FeatureSpacingPx, FeatureMotionPx} {
		require.Equal(t, "input", DriftFeatureKind(k))
	}
}

func TestOutsideReference(t *testing.T) {
	var ref []map[string]float64
	for i := range 100 {
		ref = append(ref, map[string]float64{FeatureSNR: 5 + float64(i)/20, FeatureMeanIntensity: 100, FeatureCount: 300})
	}
	require.Empty(t, OutsideReference(map[string]float64{FeatureSNR: 7, FeatureMeanIntensity: 100, FeatureCount: 9000}, ref),
		"output features are the model's, not the input's")
	require.Equal(t, []string{FeatureMeanIntensity, FeatureSNR},
		OutsideReference(map[string]float64{FeatureSNR: 2, FeatureMeanIntensity: 140, FeatureContrast: 5}, ref))
	require.Empty(t, OutsideReference(map[string]float64{FeatureSNR: 2}, ref[:9]), "too small a reference judges nothing")
}
