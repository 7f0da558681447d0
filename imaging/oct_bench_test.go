//go:build unix

package imaging

import (
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchVolume is the 512 B-scan × 496 depth × 512 A-scan phantom of the speed figures,
// built once per process (it takes longer than segmenting it). AOMAS_BENCH_BSCANS sets
// fewer B-scans (the work is linear in them) for a quick figure on a busy machine.
var benchVolume = sync.OnceValue(func() *Volume {
	y := 512
	if n, err := strconv.Atoi(os.Getenv("AOMAS_BENCH_BSCANS")); err == nil && n >= 8 && n <= 512 {
		y = n
	}
	v, _ := PhantomVolume(VolumePhantomOptions{X: 512, Y: y, Z: 496, Seed: 1, SNR: 10, AxialUm: 3})
	return v
})

// cpuTime is the CPU time (user + system) this process has used: on a shared machine it
// measures the work where wall time measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU seconds per operation and per 512 B-scans.
func reportCPU(b *testing.B, v *Volume, cpu time.Duration) {
	per := cpu.Seconds() / float64(b.N)
	b.ReportMetric(per, "cpu-s/op")
	b.ReportMetric(per*512/float64(v.Y), "cpu-s/512bscans")
}

// BenchmarkOCTLayers512 registers the B-scans of a 512×496×512 OCT volume, corrects the
// motion and segments the eight boundaries: the layers step's work on one worker
// (GOMAXPROCS threads). It reports CPU seconds too (wall ≈ CPU / cores on an idle machine).
// Target: under 30 s wall on 2 idle cores, i.e. under 60 CPU-s (the instrument acquires such a
// volume in a few seconds; a run should not wait minutes for its layers).
func BenchmarkOCTLayers512(b *testing.B) {
	v := benchVolume()
	b.ResetTimer()
	c0 := cpuTime()
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
	reportCPU(b, v, cpuTime()-c0)
	b.ReportMetric(float64(v.Y), "bscans")
}

// BenchmarkOCTAnalysis512 is the whole OCT run's computation on the same volume: layers,
// the five default slabs, cones on the photoreceptor slab, capillaries on the three
// vascular slabs, nerve fibres on the NFL slab, and their metrics with bootstrap
// intervals. Target: under 60 s wall on 2 idle cores (120 CPU-s).
func BenchmarkOCTAnalysis512(b *testing.B) {
	v := benchVolume()
	b.ResetTimer()
	c0 := cpuTime()
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
				pr := Normalize(WienerDenoise(img, WienerOptions{SpacingPx: ExpectedConeSpacingPx(1.5, 1)}), NormalizeOptions{})
				pts := DetectCones(pr, ConeDetectOptions{EccentricityDeg: 1.5, UmPerPx: 1})
				ConeMetrics(pts, img.W, img.H, 1, ConeMetricsOptions{})
			case SlabNFL:
				SlabNerveFibreOrientation(img, NerveOptions{})
			default:
				res := DetectSlabVessels(img)
				CapillaryMetrics(res, 1, CapillaryMetricsOptions{})
			}
		}
		for _, l := range RetinalLayers {
			GridMean(GridOf(ThicknessMap(lb, l), 4), 4)
		}
	}
	reportCPU(b, v, cpuTime()-c0)
}
