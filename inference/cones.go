package inference

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/aomas/aomas/imaging"
)

// ConeResult is what a cone model finds in an image.
type ConeResult struct {
	Points     []imaging.Point
	Confidence []float64 // per point, the heat map's peak value
	// Uncertainty is per point 1 − the agreement of the 8 test-time augmentations, each
	// voting with its own heat-map peak near the point (0 = all 8 agree on a certain cone);
	// nil without TTA.
	Uncertainty []float64
	// Variance is the per-pixel variance of the heat map over the augmentations; nil
	// without TTA.
	Variance *imaging.Image
}

// MinDistance is the smallest distance in px kept between two cone centres for a mosaic of
// the given spacing: max(min_distance_px, min_distance_rel_spacing × spacing). A spacing ≤ 0
// (unknown) leaves min_distance_px.
func (c Card) MinDistance(spacingPx float64) float64 {
	d := c.Postprocess.MinDistancePx
	if spacingPx > 0 && !math.IsInf(spacingPx, 0) {
		d = math.Max(d, c.Postprocess.MinDistanceRelSpacing*spacingPx)
	}
	return d
}

// Cones finds cone centres: the heat map (averaged over the 8 flips and rotations with tta),
// its local maxima above the card's threshold kept at least MinDistance(spacingPx) apart,
// strongest first, each refined to the 3×3 centroid of the heat map.
func (m *Model) Cones(ctx context.Context, img *imaging.Image, spacingPx float64, tta bool) (ConeResult, error) {
	if m.card.Task != TaskCones {
		return ConeResult{}, fmt.Errorf("model %s is a %s model, not a cone model", m.card.Name, m.card.Task)
	}
	all, err := m.predict(ctx, []*imaging.Image{img}, tta)
	if err != nil {
		return ConeResult{}, err
	}
	maps := all[0]
	w, h := img.W, img.H
	mean, variance := meanVariance(maps, w, h)
	minDist := m.card.MinDistance(spacingPx)
	thr := float32(m.card.Postprocess.Threshold)
	pts, conf := heatmapPeaks(mean, w, h, thr, minDist)
	res := ConeResult{Points: pts, Confidence: conf}
	if !tta {
		return res, nil
	}
	res.Variance = &imaging.Image{W: w, H: h, Pix: variance}
	res.Uncertainty = softDisagreement(maps, w, h, pts, math.Max(1.5, minDist/2))
	return res, nil
}

// softDisagreement is, per point, 1 − the mean over the augmented heat maps of each map's
// maximum within tol of the point: every augmentation votes with the height of its own peak
// there rather than a yes/no at the threshold. A yes/no vote ties almost every mark at "all 8
// agree" (false and true detections alike, AUROC ≈ 0.5 on the validation subjects); the soft
// vote is 0 only when all 8 see a certain cone, and separates false detections (AUROC in the
// cone cards).
func softDisagreement(maps [][]float32, w, h int, pts []imaging.Point, tol float64) []float64 {
	out := make([]float64, len(pts))
	r := int(math.Ceil(tol))
	for i, p := range pts {
		cx, cy := int(math.Round(p.X)), int(math.Round(p.Y))
		sum := 0.0
		for _, heat := range maps {
			best, found := float32(0), false
			for y := max(0, cy-r); y <= min(h-1, cy+r); y++ {
				for x := max(0, cx-r); x <= min(w-1, cx+r); x++ {
					dx, dy := float64(x)-p.X, float64(y)-p.Y
					if dx*dx+dy*dy >= tol*tol {
						continue
					}
					if v := heat[y*w+x]; !found || v > best {
						best, found = v, true
					}
				}
			}
			if !found && cx >= 0 && cy >= 0 && cx < w && cy < h {
				best = heat[cy*w+cx]
			}
			sum += float64(best)
		}
		out[i] = 1 - sum/float64(len(maps))
	}
	return out
}

// meanVariance is the per-pixel mean and population variance of the maps (variance nil for
// a single map).
func meanVariance(maps [][]float32, w, h int) ([]float32, []float32) {
	if len(maps) == 1 {
		return maps[0], nil
	}
	mean, variance := make([]float32, w*h), make([]float32, w*h)
	n := float64(len(maps))
	for i := range mean {
		var s, sq float64
		for _, m := range maps {
			v := float64(m[i])
			s += v
			sq += v * v
		}
		mu := s / n
		mean[i] = float32(mu)
		variance[i] = float32(math.Max(0, sq/n-mu*mu))
	}
	return mean, variance
}

// heatmapPeaks returns the 3×3 local maxima at or above thr, greedily kept strongest first
// at least minDist apart, at the 3×3 centroid of the heat map, with their peak values.
func heatmapPeaks(heat []float32, w, h int, thr float32, minDist float64) ([]imaging.Point, []float64) {
	type cand struct {
		i int
		v float32
	}
	var cands []cand
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := heat[y*w+x]
			if v < thr || !localMax(heat, w, h, x, y, v) {
				continue
			}
			cands = append(cands, cand{y*w + x, v})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].v > cands[b].v })
	var (
		pts  []imaging.Point
		conf []float64
	)
	g := newPointGrid(nil, math.Max(minDist, 1))
	for _, c := range cands {
		// Refine first, so the distance kept is between the points returned.
		p := centroid3(heat, w, h, c.i%w, c.i/w)
		if minDist > 0 && g.near(p, minDist) {
			continue
		}
		g.add(p)
		pts = append(pts, p)
		conf = append(conf, float64(c.v))
	}
	return pts, conf
}

func localMax(heat []float32, w, h, x, y int, v float32) bool {
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			xx, yy := x+dx, y+dy
			if (dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= w || yy >= h {
				continue
			}
			if heat[yy*w+xx] > v {
				return false
			}
		}
	}
	return true
}

// centroid3 is the heat-weighted centroid of the 3×3 neighbourhood of (x, y) inside the image.
func centroid3(heat []float32, w, h, x, y int) imaging.Point {
	var sx, sy, s float64
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			xx, yy := x+dx, y+dy
			if xx < 0 || yy < 0 || xx >= w || yy >= h {
				continue
			}
			v := math.Max(0, float64(heat[yy*w+xx]))
			sx += v * float64(xx)
			sy += v * float64(yy)
			s += v
		}
	}
	if s == 0 {
		return imaging.Point{X: float64(x), Y: float64(y)}
	}
	return imaging.Point{X: sx / s, Y: sy / s}
}

// pointGrid answers "is any point within r" with a hash grid of cell size ≥ r.
type pointGrid struct {
	cell  float64
	cells map[[2]int][]imaging.Point
}

func newPointGrid(pts []imaging.Point, cell float64) *pointGrid {
	g := &pointGrid{cell: cell, cells: map[[2]int][]imaging.Point{}}
	for _, p := range pts {
		g.add(p)
	}
	return g
}

func (g *pointGrid) key(p imaging.Point) [2]int {
	return [2]int{int(math.Floor(p.X / g.cell)), int(math.Floor(p.Y / g.cell))}
}

func (g *pointGrid) add(p imaging.Point) {
	k := g.key(p)
	g.cells[k] = append(g.cells[k], p)
}

// near reports a point strictly closer than r (r ≤ the cell size).
func (g *pointGrid) near(p imaging.Point, r float64) bool {
	k := g.key(p)
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			for _, q := range g.cells[[2]int{k[0] + dx, k[1] + dy}] {
				if math.Hypot(p.X-q.X, p.Y-q.Y) < r {
					return true
				}
			}
		}
	}
	return false
}
