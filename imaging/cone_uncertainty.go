package imaging

import (
	"math"
	"slices"
)

// ConeUncertainty maps, per square cell of cellPx, how doubtful the detector's marks are
// there, from 0 (clear cones, as many as the spacing predicts) to 1 (look here first): half
// the share of weak marks (a blob response under half the median mark's) and half how far
// the count is from what the cone spacing predicts for the cell's area (missed or doubled
// cones), capped at 1. A cell that should hold cones and holds none scores 1. It is the
// classical detector's stand-in for a segmentation model's uncertainty map, for the viewer's
// "next most uncertain region". Cells are row-major, cols × rows.
func ConeUncertainty(img *Image, pts []Point, opts ConeDetectOptions, cellPx int) (cols, rows int, values []float64) {
	if img == nil || cellPx <= 0 || img.W == 0 || img.H == 0 {
		return 0, 0, nil
	}
	if opts.Sigmas == nil {
		opts.Sigmas = coneDefaultsFor(opts.Modality).sigmas
	}
	spacing := ConeSpacingPx(img, opts)
	_, resp, _ := coneResponse(img, spacing, opts)
	return coneUncertainty(resp, pts, spacing, cellPx)
}

// DetectConesWithUncertainty is DetectCones and ConeUncertainty of its marks, computing the
// blob response once.
func DetectConesWithUncertainty(img *Image, opts ConeDetectOptions, cellPx int) (pts []Point, cols, rows int, values []float64) {
	pts, resp, spacing := detectCones(img, opts)
	if resp == nil || cellPx <= 0 {
		return pts, 0, 0, nil
	}
	cols, rows, values = coneUncertainty(resp, pts, spacing, cellPx)
	return pts, cols, rows, values
}

func coneUncertainty(resp *Image, pts []Point, spacing float64, cellPx int) (cols, rows int, values []float64) {
	cols, rows = (resp.W+cellPx-1)/cellPx, (resp.H+cellPx-1)/cellPx
	values = make([]float64, cols*rows)
	strength := make([]float64, len(pts))
	for i, p := range pts {
		strength[i] = float64(resp.At(min(max(int(math.Round(p.X)), 0), resp.W-1), min(max(int(math.Round(p.Y)), 0), resp.H-1)))
	}
	median := 0.0
	if len(strength) > 0 {
		s := slices.Clone(strength)
		slices.Sort(s)
		median = s[len(s)/2]
	}
	n, weak := make([]int, cols*rows), make([]int, cols*rows)
	for i, p := range pts {
		c, r := int(p.X)/cellPx, int(p.Y)/cellPx
		if c < 0 || r < 0 || c >= cols || r >= rows {
			continue
		}
		n[r*cols+c]++
		if strength[i] < 0.5*median {
			weak[r*cols+c]++
		}
	}
	// A hexagonal mosaic of spacing s holds one cone per (√3/2)·s².
	perCone := math.Sqrt(3) / 2 * spacing * spacing
	for r := range rows {
		for c := range cols {
			k := r*cols + c
			area := float64(min(cellPx, resp.W-c*cellPx) * min(cellPx, resp.H-r*cellPx))
			expected := area / perCone
			switch {
			case expected < 0.5:
				values[k] = 0
			case n[k] == 0:
				values[k] = 1
			default:
				off := math.Min(1, math.Abs(float64(n[k])-expected)/expected)
				values[k] = math.Min(1, 0.5*float64(weak[k])/float64(n[k])+0.5*off)
			}
		}
	}
	return cols, rows, values
}
