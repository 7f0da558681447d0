package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTissueSpeckleIsFullyDevelopedAndCorrelatedOverThePSF: one look of tissue speckle
// has mean 1 and variance 1 (exponential intensity) and the intensity correlation of a
// Gaussian PSF, exp(−d²/4σ²), at one and two samples along each axis.
func TestTissueSpeckleIsFullyDevelopedAndCorrelatedOverThePSF(t *testing.T) {
	const x, y, z, lat, ax = 64, 48, 64, 0.85, 0.8
	out := make([]float32, x*y*z)
	tissueSpeckle(rand.New(rand.NewPCG(1, 2)), x, y, z, lat, ax, make([]float64, y), make([]float64, x*y), out)
	var m, v float64
	for _, s := range out {
		m += float64(s) / float64(len(out))
	}
	for _, s := range out {
		v += (float64(s) - m) * (float64(s) - m) / float64(len(out))
	}
	require.InDelta(t, 1, m, 0.03)
	require.InDelta(t, 1, v, 0.08)
	corr := func(ddx, ddy, ddz int) float64 {
		var c, n float64
		for zz := 0; zz+ddz < z; zz++ {
			for yy := 0; yy+ddy < y; yy++ {
				for xx := 0; xx+ddx < x; xx++ {
					c += (float64(out[(zz*y+yy)*x+xx]) - m) * (float64(out[((zz+ddz)*y+yy+ddy)*x+xx+ddx]) - m)
					n++
				}
			}
		}
		return c / n / v
	}
	for d := 1; d <= 2; d++ {
		fd := float64(d)
		require.InDelta(t, math.Exp(-fd*fd/(4*lat*lat)), corr(d, 0, 0), 0.03, "x, %d px", d)
		require.InDelta(t, math.Exp(-fd*fd/(4*lat*lat)), corr(0, d, 0), 0.03, "y, %d px", d)
		require.InDelta(t, math.Exp(-fd*fd/(4*ax*ax)), corr(0, 0, d), 0.03, "z, %d voxels", d)
	}
}

// TestTissueSpeckleMovesWithTheEye: the same tissue seen by B-scans moved laterally and
// axially (by whole samples here, so the voxels can be compared one to one) shows the same
// speckle where it was moved to, and other speckle where the eye did not move.
func TestTissueSpeckleMovesWithTheEye(t *testing.T) {
	const x, y, z = 48, 16, 40
	still := make([]float32, x*y*z)
	moved := make([]float32, x*y*z)
	dx, off := make([]float64, y), make([]float64, x*y)
	// The last B-scan, left out below, moves as far as the others will, so that both
	// renderings pad (and so draw) the tissue alike.
	dx[y-1], off[y*x-1] = 2, 1
	tissueSpeckle(rand.New(rand.NewPCG(3, 4)), x, y, z, 0.85, 0.8, dx, off, still)
	for yy := range y - 1 {
		dx[yy] = float64(yy % 3) // B-scan yy shows the retina moved right by yy%3 px …
		for xx := range x {
			off[yy*x+xx] = float64(yy % 2) // … and down by yy%2 voxels
		}
	}
	tissueSpeckle(rand.New(rand.NewPCG(3, 4)), x, y, z, 0.85, 0.8, dx, off, moved)
	same := 0
	for zz := 1; zz < z; zz++ {
		for yy := range y - 1 {
			for xx := 2; xx < x; xx++ {
				a := still[((zz-yy%2)*y+yy)*x+xx-yy%3]
				b := moved[(zz*y+yy)*x+xx]
				require.InDelta(t, a, b, 1e-4*(1+math.Abs(float64(a))), "voxel (%d, %d, %d)", xx, yy, zz)
				if yy%2 == 0 && yy%3 == 0 && still[(zz*y+yy)*x+xx] == b {
					same++
				}
			}
		}
	}
	require.Positive(t, same, "unmoved B-scans keep their speckle")
}

// TestRegisterBScansTracksTissueSpeckle: where the speckle is the tissue's own, correlated
// from one B-scan to the next as in a real AO-OCT scan sampled at its resolution (the
// phantom's default), the B-scan registration follows it, and the eye's lateral motion is
// recovered within the 0.2 px RMS (axial within 0.2 px too), small volumes
// included. With speckle drawn per voxel, one volume holds too little lateral information
// for that (0.37–0.40 px in the must-show table's per-voxel rows).
func TestRegisterBScansTracksTissueSpeckle(t *testing.T) {
	var lat, ax float64
	const seeds = 3
	for seed := range uint64(seeds) {
		v, truth := PhantomVolume(VolumePhantomOptions{X: 128, Y: 32, Z: 128, Seed: seed + 1, SNR: 10})
		m, err := RegisterBScans(v, BScanRegisterOptions{})
		require.NoError(t, err)
		for i := range v.Y {
			dx, dz := m.DX[i]-truth.MotionDX[i], m.DZ[i]-truth.MotionDZ[i]
			lat += dx * dx / float64(v.Y*seeds)
			ax += dz * dz / float64(v.Y*seeds)
		}
	}
	t.Logf("motion RMS error: lateral %.3f px, axial %.3f px (motion 0.5 and 1 px RMS)", math.Sqrt(lat), math.Sqrt(ax))
	require.Less(t, math.Sqrt(lat), 0.2)
	require.Less(t, math.Sqrt(ax), 0.2)
}
