package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQC(t *testing.T) {
	normal := QCInput{SNR: 8, ResidualMotionPx: 0.1, DensityPerMM2: CurcioConeDensity(5 * MMPerDegree),
		EccentricityDeg: 5, HasEccentricity: true, ConeCount: 900, CountCones: true, ModelUncertainty: 0.05}
	with := func(f func(*QCInput)) QCInput { in := normal; f(&in); return in }
	tests := []struct {
		name string
		in   QCInput
		want []string
	}{
		{"normal image", normal, nil},
		{"nothing measured", QCInput{}, nil},
		{"low SNR", with(func(in *QCInput) { in.SNR = 1.2 }), []string{QCLowSNR}},
		{"residual motion", with(func(in *QCInput) { in.ResidualMotionPx = 1.3 }), []string{QCResidualMotion}},
		{"density too high for 5°", with(func(in *QCInput) { in.DensityPerMM2 = 3 * normal.DensityPerMM2 }), []string{QCDensityOutOfRange}},
		{"density too low for 5°", with(func(in *QCInput) { in.DensityPerMM2 = normal.DensityPerMM2 / 2 }), []string{QCDensityOutOfRange}},
		{"within the band", with(func(in *QCInput) { in.DensityPerMM2 = normal.DensityPerMM2 * 1.4 }), nil},
		{"foveal density at 10° is wrong", with(func(in *QCInput) { in.EccentricityDeg, in.DensityPerMM2 = 10, 150000 }), []string{QCDensityOutOfRange}},
		{"eccentricity unknown", with(func(in *QCInput) { in.HasEccentricity, in.DensityPerMM2 = false, 150000 }), nil},
		{"uncalibrated: density not judged", with(func(in *QCInput) { in.Uncalibrated, in.DensityPerMM2 = true, 0.092 }), []string{QCUncalibrated}},
		{"spacing agrees with the spectrum", with(func(in *QCInput) { in.DetectedSpacingPx, in.SpectrumSpacingPx = 8.2, 7.9 }), nil},
		{"detections twice the spectrum's spacing", with(func(in *QCInput) { in.DetectedSpacingPx, in.SpectrumSpacingPx = 16, 8 }), []string{QCSpacingMismatch}},
		{"detections at rod spacing", with(func(in *QCInput) { in.DetectedSpacingPx, in.SpectrumSpacingPx = 3, 8 }), []string{QCSpacingMismatch}},
		{"normal subject at 0.65° (issue 14)", with(func(in *QCInput) { in.EccentricityDeg, in.DensityPerMM2 = 0.65, 50166 }), nil},
		{"too few cells", with(func(in *QCInput) { in.ConeCount = 12 }), []string{QCTooFewCells}},
		{"high uncertainty", with(func(in *QCInput) { in.ModelUncertainty = 0.6 }), []string{QCHighUncertainty}},
		{"custom limits", with(func(in *QCInput) { in.Limits = QCLimits{MinSNR: 10, MaxResidualMotionPx: 0.05} }), []string{QCLowSNR, QCResidualMotion}},
		{"everything wrong", QCInput{SNR: 0.5, ResidualMotionPx: 3, DensityPerMM2: 500, EccentricityDeg: 1, HasEccentricity: true, ConeCount: 3, CountCones: true, ModelUncertainty: 0.9},
			[]string{QCDensityOutOfRange, QCHighUncertainty, QCLowSNR, QCResidualMotion, QCTooFewCells}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range QC(tc.in) {
				got = append(got, f.Code)
				require.NotEmpty(t, f.Message)
				require.Contains(t, []string{"warning", "error"}, f.Severity)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestNormativeConeDensityRange(t *testing.T) {
	for _, ecc := range []float64{0, 1, 2, 5, 10, 20} {
		lo, mean, hi := NormativeConeDensityRange(ecc, 0)
		t.Logf("eccentricity %4.1f°: normal cone density %.0f–%.0f cells/mm² (Curcio mean %.0f)", ecc, lo, hi, mean)
		require.Less(t, lo, mean)
		require.Less(t, mean, hi)
	}
}

func TestEstimateSNR(t *testing.T) {
	tests := []struct {
		name string
		snr  float64
	}{
		{"SNR 2", 2},
		{"SNR 5", 5},
		{"SNR 20", 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.snr)))
			img := NewImage(256, 256)
			// A smooth blob pattern (period 32 px) of unit standard deviation.
			for y := range 256 {
				for x := range 256 {
					s := math.Sin(2*math.Pi*float64(x)/32) * math.Sin(2*math.Pi*float64(y)/32) * 2
					img.Set(x, y, float32(10+s+rng.NormFloat64()/tc.snr))
				}
			}
			got := EstimateSNR(img)
			t.Logf("%s: estimated %.2f", tc.name, got)
			require.InEpsilon(t, tc.snr, got, 0.1)
		})
	}
	require.Equal(t, float64(MaxSNR), EstimateSNR(&Image{W: 4, H: 4, Pix: []float32{0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6}}))
	require.Zero(t, EstimateSNR(NewImage(2, 2)))
}
