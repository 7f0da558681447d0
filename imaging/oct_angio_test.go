package imaging

import (
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPhantomRepeatsKeepTheTissuesSpeckle: repeats of every B-scan (OCT angiography's)
// differ in static tissue by their noise alone, and where blood flows by much more.
func TestPhantomRepeatsKeepTheTissuesSpeckle(t *testing.T) {
	o := VolumePhantomOptions{X: 128, Y: 32, Z: 128, Seed: 5, SNR: 10}
	v0, truth := PhantomVolume(o)
	o.Repeat = 1
	v1, truth1 := PhantomVolume(o)
	require.Equal(t, truth.MotionDX, truth1.MotionDX, "the eye has not moved between repeats")
	plane := o.X * o.Y
	var static, flow, ns, nf float64
	for i := range plane {
		// Static: the photoreceptor bands, which hold no vessel.
		for z := truth.PhotoreceptorZ0; z < truth.PhotoreceptorZ1; z++ {
			d := float64(v1.Vox[z*plane+i] - v0.Vox[z*plane+i])
			static += d * d
			ns++
		}
		// Flow: the middle of the superficial plexus's vessels.
		if truth.Plexuses[0].Cover[i] > 0.9 {
			x, y := i%o.X, i/o.X
			za := float64(truth.Boundaries[BoundaryNFLGCL][i])
			zb := float64(truth.Boundaries[BoundaryIPLINL][i])
			z := int(math.Round(za + plexusSpec[0].fraction*(zb-za)))
			d := float64(v1.Vox[(z*o.Y+y)*o.X+x] - v0.Vox[(z*o.Y+y)*o.X+x])
			flow += d * d
			nf++
		}
	}
	noise := math.Sqrt2 / o.SNR // the difference of two independent noise draws
	t.Logf("RMS difference between repeats: static %.3f (noise alone %.3f), flow %.3f", math.Sqrt(static/ns), noise, math.Sqrt(flow/nf))
	require.InDelta(t, noise, math.Sqrt(static/ns), 0.1*noise)
	require.Greater(t, math.Sqrt(flow/nf), 2*noise)
}

// TestMotionContrastShowsCapillaries: four repeats of every B-scan, registered once (the
// eye has not moved between repeats), their amplitudes' power-weighted decorrelation
// projected over each plexus's slab finds the capillaries far better than the structural
// slab of one volume, where the tissue's speckle, coarse as the PSF, hides them. With
// AOMAS_OCT_TABLE=1: 8 seeds, SNR 10 and 5.
func TestMotionContrastShowsCapillaries(t *testing.T) {
	seeds, snrs := 1, []float64{10}
	if os.Getenv("AOMAS_OCT_TABLE") == "1" {
		seeds, snrs = 8, []float64{10, 5}
	}
	const repeats = 4
	for _, snr := range snrs {
		var structural, angio [3]float64
		for seed := range uint64(seeds) {
			var raw []*Volume
			var truth VolumeTruth
			for r := range repeats {
				v, tr := PhantomVolume(VolumePhantomOptions{X: 256, Y: 64, Z: 128, Seed: seed + 1, SNR: snr, Repeat: r})
				if r == 0 {
					truth = tr
				}
				raw = append(raw, v)
			}
			m, err := RegisterBScans(raw[0], BScanRegisterOptions{})
			require.NoError(t, err)
			mean := &Volume{X: raw[0].X, Y: raw[0].Y, Z: raw[0].Z, SpacingUm: raw[0].SpacingUm, Vox: make([]float32, len(raw[0].Vox))}
			var corrected, amps []*Volume
			for _, v := range raw {
				rv, err := CorrectBScanMotion(v, m)
				require.NoError(t, err)
				amp := &Volume{X: rv.X, Y: rv.Y, Z: rv.Z, SpacingUm: rv.SpacingUm, Vox: make([]float32, len(rv.Vox))}
				for i, q := range rv.Vox {
					amp.Vox[i] = float32(math.Sqrt(math.Max(float64(q), 0))) // the phantom's voxels are intensities
					mean.Vox[i] += q / repeats
				}
				corrected, amps = append(corrected, rv), append(amps, amp)
			}
			lb, err := SegmentLayers(mean, LayerOptions{})
			require.NoError(t, err)
			mc, err := MotionContrast(amps, ContrastWeightedDecorrelation)
			require.NoError(t, err)
			for i, name := range []string{SlabSVP, SlabICP, SlabDCP} {
				var slab Slab
				for _, s := range DefaultSlabs() {
					if s.Name == name {
						slab = s
					}
				}
				st, err := SlabEnFace(corrected[0], lb, slab)
				require.NoError(t, err)
				_, _, f := centrelineF1(DetectSlabVessels(st), truth.Plexuses[i].Segments, 2, 4)
				structural[i] += f / float64(seeds)
				an, err := SlabEnFace(mc, lb, slab)
				require.NoError(t, err)
				_, _, f = centrelineF1(DetectSlabVessels(an), truth.Plexuses[i].Segments, 2, 4)
				angio[i] += f / float64(seeds)
			}
		}
		t.Logf("SNR %g, %d seeds, 256×64×128, %d repeats: capillary centre-line F1 SVP / ICP / DCP: structural slab %.3f / %.3f / %.3f, weighted decorrelation %.3f / %.3f / %.3f",
			snr, seeds, repeats, structural[0], structural[1], structural[2], angio[0], angio[1], angio[2])
		for i := range angio {
			require.Greater(t, angio[i], 0.6, "plexus %d", i)
			require.Greater(t, angio[i], structural[i]+0.1, "plexus %d", i)
		}
	}
}
