package imaging

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// vesselDiameterErrors compares detected diameters with the phantom truth at skeleton pixels
// that lie on one vessel's centre-line, away from junctions, crossings, ends and the border.
func vesselDiameterErrors(t *testing.T, res VesselResult, truth CapillaryTruth, size int) []float64 {
	t.Helper()
	var errs []float64
	for _, s := range res.Samples {
		p := Point{float64(s.X), float64(s.Y)}
		if s.X < 10 || s.Y < 10 || s.X >= size-10 || s.Y >= size-10 {
			continue
		}
		best, second := -1, -1
		dists := make([]float64, len(truth.Segments))
		for i, seg := range truth.Segments {
			dists[i] = distToPolyline(p, seg.Points)
			if best < 0 || dists[i] < dists[best] {
				best, second = i, best
			} else if second < 0 || dists[i] < dists[second] {
				second = i
			}
		}
		seg := truth.Segments[best]
		endA, endB := seg.Points[0], seg.Points[len(seg.Points)-1]
		if dists[best] > 1.5 || math.Hypot(p.X-endA.X, p.Y-endA.Y) < 3*seg.DiameterPx ||
			math.Hypot(p.X-endB.X, p.Y-endB.Y) < 3*seg.DiameterPx {
			continue
		}
		if second >= 0 && dists[second] < seg.DiameterPx+truth.Segments[second].DiameterPx+4 {
			continue
		}
		errs = append(errs, math.Abs(s.DiameterPx-seg.DiameterPx))
	}
	return errs
}

func TestDetectVesselsDiameter(t *testing.T) {
	tests := []struct {
		name string
		snr  float64
	}{
		{"SNR 10", 10},
		{"SNR 4", 4},
	}
	const size = 192
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var all []float64
			for seed := range uint64(4) {
				img, truth := PhantomCapillaries(CapillaryPhantomOptions{Size: size, Seed: seed, SNR: tc.snr})
				res := DetectVessels(img, VesselOptions{})
				require.NotEmpty(t, res.Samples)
				errs := vesselDiameterErrors(t, res, truth, size)
				require.NotEmpty(t, errs)
				all = append(all, errs...)
			}
			slices.Sort(all)
			med := all[len(all)/2]
			p90 := all[len(all)*9/10]
			t.Logf("%s: capillary diameter |error| over %d clean skeleton pixels of 4 phantoms: median %.3f px, 90th percentile %.3f px",
				tc.name, len(all), med, p90)
			require.LessOrEqual(t, med, 0.5)
		})
	}
}

// TestDetectVesselsOnMeasuresWidthsOnWid finds capillaries on a blurred phantom and measures
// their widths on the phantom itself: closer to the truth than the widths of the blurred
// vessels, on the same skeleton.
func TestDetectVesselsOnMeasuresWidthsOnWid(t *testing.T) {
	const size = 192
	for _, snr := range []float64{10, 4} {
		var onDet, onWid []float64
		for seed := range uint64(4) {
			img, truth := PhantomCapillaries(CapillaryPhantomOptions{Size: size, Seed: seed, SNR: snr})
			det := GaussianBlur(img, 1.5)
			a := DetectVessels(det, VesselOptions{})
			b := DetectVesselsOn(det, img, VesselOptions{})
			require.Equal(t, a.Skeleton, b.Skeleton, "the vessels are found on det alone")
			require.Equal(t, a.Mask, b.Mask)
			require.Len(t, b.Samples, len(a.Samples))
			onDet = append(onDet, vesselDiameterErrors(t, a, truth, size)...)
			onWid = append(onWid, vesselDiameterErrors(t, b, truth, size)...)
		}
		require.NotEmpty(t, onDet)
		slices.Sort(onDet)
		slices.Sort(onWid)
		mDet, mWid := onDet[len(onDet)/2], onWid[len(onWid)/2]
		t.Logf("SNR %g: median |diameter error| over %d skeleton pixels, widths on the σ 1.5 px detection image %.3f px, on the phantom %.3f px",
			snr, len(onWid), mDet, mWid)
		require.Less(t, mWid, mDet)
	}
	// Without a separate width image it is DetectVessels.
	img, _ := PhantomCapillaries(CapillaryPhantomOptions{Size: 96, Seed: 1})
	want := DetectVessels(img, VesselOptions{})
	require.Equal(t, want, DetectVesselsOn(img, nil, VesselOptions{}))
	require.Equal(t, want, DetectVesselsOn(img, img.Clone(), VesselOptions{}))
	require.Panics(t, func() { DetectVesselsOn(img, NewImage(95, 96), VesselOptions{}) })
}

func TestCapillaryMetrics(t *testing.T) {
	const size = 192
	img, truth := PhantomCapillaries(CapillaryPhantomOptions{Size: size, Seed: 5, SNR: 10})
	res := DetectVessels(img, VesselOptions{})
	m := CapillaryMetrics(res, 0.8, CapillaryMetricsOptions{})
	// Truth: pixels within a radius of a centre-line, and centre-line length inside the image.
	inside, length := 0, 0.0
	for y := range size {
		for x := range size {
			for _, s := range truth.Segments {
				if distToPolyline(Point{float64(x), float64(y)}, s.Points) <= s.DiameterPx/2 {
					inside++
					break
				}
			}
		}
	}
	for _, s := range truth.Segments {
		for i := 1; i < len(s.Points); i++ {
			a, b := s.Points[i-1], s.Points[i]
			if a.X >= -0.5 && a.Y >= -0.5 && a.X < size-0.5 && a.Y < size-0.5 {
				length += math.Hypot(b.X-a.X, b.Y-a.Y)
			}
		}
	}
	trueArea := 100 * float64(inside) / (size * size)
	trueLength := length / (size * size) / 0.8e-3
	t.Logf("capillary metrics: area density %.2f%% [%.2f, %.2f] (truth %.2f%%), length density %.1f [%.1f, %.1f] mm/mm² (truth %.1f), mean diameter %.2f µm, tortuosity %.3f over %d branches",
		m.AreaDensity.Value, m.AreaDensity.CI95Low, m.AreaDensity.CI95High, trueArea,
		m.LengthDensityPerMM.Value, m.LengthDensityPerMM.CI95Low, m.LengthDensityPerMM.CI95High, trueLength,
		m.MeanDiameterUm.Value, m.Tortuosity.Value, m.Branches)
	require.InEpsilon(t, trueArea, m.AreaDensity.Value, 0.15)
	require.InEpsilon(t, trueLength, m.LengthDensityPerMM.Value, 0.2)
	require.GreaterOrEqual(t, m.Tortuosity.Value, 1.0)
	require.Less(t, m.Tortuosity.Value, 1.5)
	for _, e := range []Estimate{m.AreaDensity, m.LengthDensityPerMM, m.MeanDiameterUm, m.Tortuosity} {
		require.LessOrEqual(t, e.CI95Low, e.Value)
		require.GreaterOrEqual(t, e.CI95High, e.Value)
	}
}

func TestDistanceTransformAndSkeleton(t *testing.T) {
	// A 9-px-wide horizontal bar: centre-row distance 5 to the background, skeleton on row 10.
	const w, h = 40, 21
	mask := make([]bool, w*h)
	for y := 6; y <= 14; y++ {
		for x := 5; x < 35; x++ {
			mask[y*w+x] = true
		}
	}
	d := distanceTransform(mask, w, h)
	require.InDelta(t, 5, d[10*w+20], 1e-12)
	require.InDelta(t, 1, d[6*w+20], 1e-12)
	require.Zero(t, d[0])
	skel := zhangSuen(mask, w, h)
	for x := 12; x < 28; x++ {
		require.True(t, skel[10*w+x], "skeleton at x=%d", x)
		require.False(t, skel[8*w+x])
	}
	br := skeletonBranches(skel, w, h)
	require.NotEmpty(t, br)
}
