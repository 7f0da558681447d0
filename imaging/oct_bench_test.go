package imaging

import (
	"sync"
	"testing"
)

// benchVolume is the 512 B-scan × 496 depth × 512 A-scan phantom of the speed figures,
// built once per process (it takes longer than segmenting it).
var benchVolume = sync.OnceValue(func() *Volume {
	v, _ := PhantomVolume(VolumePhantomOptions{X: 512, Y: 512, Z: 496, Seed: 1, SNR: 10, AxialUm: 3})
	return v
})

// BenchmarkOCTLayers512 registers the B-scans of a 512×496×512 OCT volume, corrects the
// motion and segments the eight boundaries: the layers step's work on one worker
// (GOMAXPROCS threads). Target: under 30 s on 2 cores (the instrument acquires such a
// volume in a few seconds; a run should not wait minutes for its layers).
func BenchmarkOCTLayers512(b *testing.B) {
	v := benchVolume()
	b.ResetTimer()
	for b.Loop() {
		m, err := RegisterBScans(v, BScanRegisterOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rv, err := CorrectBScanMotion(v, m)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := SegmentLayers(rv, LayerOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(v.Y), "bscans")
}

// BenchmarkOCTAnalysis512 is the whole OCT run's computation on the same volume: layers,
// the five default slabs, cones on the photoreceptor slab, capillaries on the three
// vascular slabs, nerve fibres on the NFL slab, and their metrics with bootstrap
// intervals. Target: under 60 s on 2 cores.
func BenchmarkOCTAnalysis512(b *testing.B) {
	v := benchVolume()
	b.ResetTimer()
	for b.Loop() {
		m, err := RegisterBScans(v, BScanRegisterOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rv, err := CorrectBScanMotion(v, m)
		if err != nil {
			b.Fatal(err)
		}
		lb, err := SegmentLayers(rv, LayerOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range DefaultSlabs() {
			img, err := SlabEnFace(rv, lb, s)
			if err != nil {
				b.Fatal(err)
			}
			switch s.Name {
			case SlabPhotoreceptor:
				pr := Normalize(ReduceSpeckle(img, SpeckleOptions{Sigma: ConeSlabSpeckleSigma}), NormalizeOptions{})
				pts := DetectCones(pr, ConeDetectOptions{EccentricityDeg: 1.5, UmPerPx: 1})
				ConeMetrics(pts, img.W, img.H, 1, ConeMetricsOptions{})
			case SlabNFL:
				NerveFibreOrientation(img, NerveOptions{})
			default:
				res := DetectVessels(ReduceSpeckle(img, SpeckleOptions{Sigma: 1}), VesselOptions{})
				CapillaryMetrics(res, 1, CapillaryMetricsOptions{})
			}
		}
		for _, l := range RetinalLayers {
			GridMean(GridOf(ThicknessMap(lb, l), 4), 4)
		}
	}
}
