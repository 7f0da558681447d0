package inference

import (
	"context"
	"fmt"

	"github.com/aomas/aomas/imaging"
)

// Vessels returns the capillary probability map (averaged over the 8 flips and rotations
// with tta) and, with tta, its per-pixel variance over them (nil otherwise). The mask is
// prob ≥ Card().Postprocess.Threshold.
func (m *Model) Vessels(ctx context.Context, img *imaging.Image, tta bool) (prob *imaging.Image, variance *imaging.Image, err error) {
	if m.card.Task != TaskCapillaries {
		return nil, nil, fmt.Errorf("model %s is a %s model, not a capillary model", m.card.Name, m.card.Task)
	}
	all, err := m.predict(ctx, []*imaging.Image{img}, tta)
	if err != nil {
		return nil, nil, err
	}
	maps := all[0]
	mean, v := meanVariance(maps, img.W, img.H)
	prob = &imaging.Image{W: img.W, H: img.H, Pix: mean}
	if v != nil {
		variance = &imaging.Image{W: img.W, H: img.H, Pix: v}
	}
	return prob, variance, nil
}

// Mask is prob ≥ threshold, the capillary mask the vessel metrics take.
func Mask(prob *imaging.Image, threshold float64) []bool {
	m := make([]bool, len(prob.Pix))
	for i, v := range prob.Pix {
		m[i] = float64(v) >= threshold
	}
	return m
}
