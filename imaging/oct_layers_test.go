package imaging

import (
	"math"
	"testing"
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

func TestSegmentLayersQuick(t *testing.T) {
	for _, snr := range []float64{10, 5} {
		v, truth := PhantomVolume(VolumePhantomOptions{X: 128, Y: 16, Z: 128, Seed: 1, SNR: snr})
		m, err := RegisterBScans(v, BScanRegisterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var sx, sz float64
		for y := range v.Y {
			sx += math.Pow(m.DX[y]-truth.MotionDX[y], 2)
			sz += math.Pow(m.DZ[y]-truth.MotionDZ[y], 2)
		}
		rv, _ := CorrectBScanMotion(v, m)
		lb, err := SegmentLayers(rv, LayerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e := layerErrors(lb.WithMotion(m), truth)
		t.Logf("SNR %v motion rms err lateral %.3f axial %.3f errors %.2f", snr, math.Sqrt(sx/float64(v.Y)), math.Sqrt(sz/float64(v.Y)), e)
	}
}
