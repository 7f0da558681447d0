package imaging

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVesselsFromMaskDiameter feeds the phantom's own noise-free-ish vessel profile as the
// probability (a tube blurred by the PSF integrates to its diameter across the vessel) and
// checks the skeleton's diameters against the truth: the probability integral is sub-pixel,
// the distance-transform width is not.
func TestVesselsFromMaskDiameter(t *testing.T) {
	const size = 192
	img, truth := PhantomCapillaries(CapillaryPhantomOptions{Size: size, Seed: 11, SNR: 200})
	prob := make([]float32, len(img.Pix))
	mask := make([]bool, len(img.Pix))
	for i, v := range img.Pix {
		p := min(max((v-0.2)/0.8, 0), 1)
		prob[i], mask[i] = p, p >= 0.5
	}
	res := VesselsFromMask(mask, prob, size, size, 0)
	require.NotEmpty(t, res.Samples)
	errs := vesselDiameterErrors(t, res, truth, size)
	require.Greater(t, len(errs), 100)
	slices.Sort(errs)
	med := errs[len(errs)/2]
	edt := res
	edt.Samples = slices.Clone(res.Samples)
	for i := range edt.Samples {
		edt.Samples[i].DiameterPx = edt.Samples[i].EDTDiameterPx
	}
	edtErrs := vesselDiameterErrors(t, edt, truth, size)
	slices.Sort(edtErrs)
	t.Logf("median |diameter error|: probability integral %.3f px, distance transform %.3f px (%d samples)", med, edtErrs[len(edtErrs)/2], len(errs))
	require.Less(t, med, 0.3)
	require.Less(t, med, edtErrs[len(edtErrs)/2])
}
