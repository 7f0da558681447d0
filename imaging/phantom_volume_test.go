package imaging

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// pearson is the correlation coefficient of two equally sized images.
func pearson(a, b *Image) float64 {
	var ma, mb float64
	for i := range a.Pix {
		ma += float64(a.Pix[i])
		mb += float64(b.Pix[i])
	}
	ma /= float64(len(a.Pix))
	mb /= float64(len(b.Pix))
	var sab, saa, sbb float64
	for i := range a.Pix {
		da, db := float64(a.Pix[i])-ma, float64(b.Pix[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	return sab / math.Sqrt(saa*sbb)
}

func TestPhantomVolumeEnFaceShowsMosaic(t *testing.T) {
	cases := []struct {
		seed  uint64
		looks int
		psfUm float64 // LateralPSFUm: 0 the tissue's own speckle, −1 per voxel
		minR  float64 // on the mean projection
	}{
		// The tissue's speckle, correlated over the PSF, leaves the slab fewer looks.
		{1, 1, 0, 0.25}, {1, 1, -1, 0.4}, {2, 1, -1, 0.4}, {3, 4, -1, 0.6},
	}
	for _, tc := range cases {
		seed := tc.seed
		// The plain flat retina of the en-face checks: no pit, vessels, striation or motion.
		v, truth := PhantomVolume(VolumePhantomOptions{X: 96, Y: 96, Z: 112, Seed: seed, SpeckleLooks: tc.looks, LateralPSFUm: tc.psfUm,
			PitDepth: -1, NoPlexuses: true, NoStriations: true, MotionAxialPx: -1, MotionLateralPx: -1})
		require.Equal(t, 96*96*112, len(v.Vox))
		require.NotEmpty(t, truth.Mosaic.Cones)
		require.Less(t, truth.PhotoreceptorZ0, truth.PhotoreceptorZ1)
		require.LessOrEqual(t, truth.PhotoreceptorZ1-truth.PhotoreceptorZ0, 20, "slab stays thin")

		pr, err := EnFace(v, truth.PhotoreceptorZ0, truth.PhotoreceptorZ1, ProjectMean)
		require.NoError(t, err)
		rPR := pearson(pr, truth.MosaicImage)
		// A slab of the same thickness in the outer nuclear layer carries no mosaic.
		var onl VolumeLayer
		for _, l := range truth.Layers {
			if l.Name == "ONL" {
				onl = l
			}
		}
		z0 := int(onl.Z0) + 4
		other, err := EnFace(v, z0, z0+truth.PhotoreceptorZ1-truth.PhotoreceptorZ0, ProjectMean)
		require.NoError(t, err)
		rONL := pearson(other, truth.MosaicImage)
		mx, err := EnFace(v, truth.PhotoreceptorZ0, truth.PhotoreceptorZ1, ProjectMax)
		require.NoError(t, err)
		rMax := pearson(mx, truth.MosaicImage)
		smooth := pearson(ReduceSpeckle(pr, SpeckleOptions{Sigma: 1}), truth.MosaicImage)
		t.Logf("volume seed %d, %d-look speckle (PSF %g µm): %d cones, photoreceptor slab z %d–%d; correlation with truth mosaic: mean projection %.3f (after ReduceSpeckle %.3f), max projection %.3f, ONL slab %.3f",
			seed, tc.looks, tc.psfUm, len(truth.Mosaic.Cones), truth.PhotoreceptorZ0, truth.PhotoreceptorZ1, rPR, smooth, rMax, rONL)
		require.Greater(t, rPR, tc.minR)
		if tc.looks == 1 && tc.psfUm < 0 {
			require.Greater(t, smooth, rPR, "log-domain smoothing helps under fully developed speckle of a voxel's grain")
		}
		require.Less(t, math.Abs(rONL), 0.1)

		// Layer profile: the mean of each layer's core follows its reflectivity.
		for _, l := range truth.Layers {
			if l.Z1-l.Z0 < 7 || l.Mosaic || l.Z1 > float64(v.Z)-3 {
				continue
			}
			// Depths away from the boundaries in every column.
			img, err := EnFace(v, int(l.Z0)+3, int(l.Z1)-2, ProjectMean)
			require.NoError(t, err)
			var m float64
			for _, p := range img.Pix {
				m += float64(p)
			}
			m /= float64(len(img.Pix))
			require.InDelta(t, l.Reflectivity, m, 0.1*l.Reflectivity+0.01, "layer %s", l.Name)
		}
	}
	// Same seed, same volume.
	a, _ := PhantomVolume(VolumePhantomOptions{X: 32, Y: 32, Z: 40, Seed: 9})
	b, _ := PhantomVolume(VolumePhantomOptions{X: 32, Y: 32, Z: 40, Seed: 9})
	require.Equal(t, a.Vox, b.Vox)
}
