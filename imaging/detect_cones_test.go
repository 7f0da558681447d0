package imaging_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/stretchr/testify/require"
)

// Phantom SNRs (std of the noise-free image over std of the noise, see ConePhantomOptions).
const (
	highSNR = 10.0
	lowSNR  = 3.0
)

// interiorDensity counts points with the protocol's 7-px border band removed, per mm².
func interiorDensity(pts []imaging.Point, w, h int, umPerPx float64) float64 {
	n := 0
	for _, p := range pts {
		if p.X > 6.5 && p.X < float64(w)-7.5 && p.Y > 6.5 && p.Y < float64(h)-7.5 {
			n++
		}
	}
	return float64(n) / (float64(w-14) * float64(h-14) * umPerPx * umPerPx / 1e6)
}

func TestDetectConesPhantoms(t *testing.T) {
	tests := []struct {
		name    string
		ecc     float64
		size    int
		snr     float64
		minF1   float64
		maxDens float64
		rods    float64 // ConeDetectOptions.RodScale
	}{
		// Targets: F1 0.97 / 0.90, density error 2% (median over seeds). At 7° rods fill
		// the gaps between cones; DetectCones rejects them by their characteristic scale.
		{"parafoveal 1.5deg high SNR", 1.5, 160, highSNR, 0.97, 0.02, 0},
		{"parafoveal 1.5deg low SNR", 1.5, 160, lowSNR, 0.90, 0.02, 0},
		{"peripheral 7deg high SNR", 7, 256, highSNR, 0.97, 0.02, 0},
		{"peripheral 7deg low SNR", 7, 256, lowSNR, 0.90, 0.02, 0},
		// Without rod rejection, for the record: rods detected as cones inflate the density.
		{"peripheral 7deg high SNR, rods kept", 7, 256, highSNR, 0.97, 0.05, -1},
		{"peripheral 7deg low SNR, rods kept", 7, 256, lowSNR, 0.90, 0.05, -1},
	}
	const seeds = 8
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f1s, densErr, metricErr []float64
			for seed := range uint64(seeds) {
				img, truth := imaging.PhantomCones(imaging.ConePhantomOptions{
					Width: tc.size, Height: tc.size, Seed: seed + 1, EccentricityDeg: tc.ecc, SNR: tc.snr,
				})
				pts := imaging.DetectCones(img, imaging.ConeDetectOptions{
					EccentricityDeg: tc.ecc, UmPerPx: truth.UmPerPx, RodScale: tc.rods,
				})
				s := imaging.ScoreDetectionsWith(pts, truth.Cones, img.W, img.H,
					imaging.ScoreOptions{Radius: truth.SpacingPx / 2, Border: imaging.ProtocolBorderPx})
				f1s = append(f1s, s.F1)
				dd := interiorDensity(pts, img.W, img.H, truth.UmPerPx)
				dt := interiorDensity(truth.Cones, img.W, img.H, truth.UmPerPx)
				densErr = append(densErr, math.Abs(dd-dt)/dt)
				md := imaging.ConeMetrics(pts, img.W, img.H, truth.UmPerPx, imaging.ConeMetricsOptions{})
				mt := imaging.ConeMetrics(truth.Cones, img.W, img.H, truth.UmPerPx, imaging.ConeMetricsOptions{})
				metricErr = append(metricErr, math.Abs(md.DensityPerMM2.Value-mt.DensityPerMM2.Value)/mt.DensityPerMM2.Value)
			}
			meanF1 := mean(f1s)
			t.Logf("%s: spacing %.1f px, F1 mean %.4f min %.4f over %d seeds; density error median %.2f%% (interior count), %.2f%% (ConeMetrics)",
				tc.name, imaging.ExpectedConeSpacingPx(tc.ecc, 0.5), meanF1, slices.Min(f1s), seeds, 100*median(densErr), 100*median(metricErr))
			require.GreaterOrEqual(t, meanF1, tc.minF1)
			require.LessOrEqual(t, median(densErr), tc.maxDens)
			require.LessOrEqual(t, median(metricErr), tc.maxDens)
		})
	}
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// BenchmarkDetectCones reports cone-detection throughput on a 512×512 parafoveal phantom.
func BenchmarkDetectCones(b *testing.B) {
	img, truth := imaging.PhantomCones(imaging.ConePhantomOptions{Width: 512, Height: 512, Seed: 1})
	opts := imaging.ConeDetectOptions{EccentricityDeg: truth.EccentricityDeg, UmPerPx: truth.UmPerPx}
	b.ResetTimer()
	for b.Loop() {
		imaging.DetectCones(img, opts)
	}
	b.ReportMetric(float64(img.W*img.H)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}

// BenchmarkDetectConesEstimatedSpacing includes the spectral spacing estimate.
func BenchmarkDetectConesEstimatedSpacing(b *testing.B) {
	img, _ := imaging.PhantomCones(imaging.ConePhantomOptions{Width: 512, Height: 512, Seed: 1})
	b.ResetTimer()
	for b.Loop() {
		imaging.DetectCones(img, imaging.ConeDetectOptions{})
	}
	b.ReportMetric(float64(img.W*img.H)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}

// TestEstimateConeSpacingPhantoms checks the spectral spacing estimate, used when neither the
// spacing nor eccentricity and sampling are given, against the phantom lattice spacing from
// the fovea to the periphery (rods beyond 1 mm), on single frames and on 32-frame stacks
// registered, averaged (zero-filled borders included) and normalised as aomas analyze does.
func TestEstimateConeSpacingPhantoms(t *testing.T) {
	// Sizes keep at least six cones across at 15° while the test stays within its time budget.
	tests := []struct {
		ecc          float64
		size, frames int
		seeds        int
	}{
		{0.5, 160, 1, 2}, {1, 160, 1, 2}, {2, 160, 1, 2}, {5, 160, 1, 2},
		{7, 160, 1, 2}, {10, 160, 1, 2}, {15, 160, 1, 2},
		{1, 160, 32, 1}, {10, 160, 32, 1},
	}
	const maxErr = 0.10
	for _, tc := range tests {
		for _, snr := range []float64{lowSNR, highSNR} {
			t.Run(fmt.Sprintf("%gdeg SNR %g %d×%d %d frames", tc.ecc, snr, tc.size, tc.size, tc.frames), func(t *testing.T) {
				for seed := range uint64(tc.seeds) {
					frames, truth := imaging.PhantomConeStack(imaging.ConePhantomOptions{
						Width: tc.size, Height: tc.size, Seed: seed + 1, EccentricityDeg: tc.ecc, SNR: snr, Frames: tc.frames,
					})
					img := frames[0]
					if tc.frames > 1 {
						motion, err := imaging.RegisterStack(frames, imaging.RegisterOptions{})
						require.NoError(t, err)
						img = imaging.AverageFrames(frames, motion)
					}
					img = imaging.Normalize(img, imaging.NormalizeOptions{FlatFieldSigma: float64(tc.size) / 10})
					got := imaging.EstimateConeSpacing(img)
					relErr := got/truth.SpacingPx - 1
					t.Logf("%gdeg SNR %g, %d×%d, %d frames, seed %d: spacing %.2f px, estimate %.2f px (%+.1f%%)",
						tc.ecc, snr, tc.size, tc.size, tc.frames, seed+1, truth.SpacingPx, got, 100*relErr)
					require.InDelta(t, 0, relErr, maxErr)
				}
			})
		}
	}
}
