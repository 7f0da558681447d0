package imaging

import (
	"testing"
)

func TestDbgSeg(t *testing.T) {
	for _, seed := range []uint64{3, 4} {
		v, truth := PhantomVolume(VolumePhantomOptions{X: 128, Y: 64, Z: 128, Seed: seed, SNR: 5, MotionAxialPx: -1, MotionLateralPx: -1})
		for _, a := range []float64{2.6, 3, 3.5, 4} {
			lb, _ := SegmentLayers(v, LayerOptions{AxialUm: a})
			t.Logf("seed %d axial %v: %.2f", seed, a, layerErrors(lb, truth))
		}
	}
}
