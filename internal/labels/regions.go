package labels

import (
	"fmt"
	"math"

	"github.com/aomas/aomas/db"
)

// Bounds on what one review may return: enough for a reviewer marking every problem of a
// large montage by hand, small enough that a request cannot make a huge history row.
const (
	maxRegions       = 64
	maxRegionPoints  = 256
	maxComment       = 2000
	maxCoordinatePx  = 1 << 20
	minRegionAreaPx2 = 1
)

// checkRegions refuses regions that are not simple enough to draw and test against: fewer
// than three corners, coordinates outside the image's plausible range, no area.
func checkRegions(rs []db.ReviewRegion) error {
	if len(rs) > maxRegions {
		return &InputError{Reason: fmt.Sprintf("at most %d regions per review", maxRegions)}
	}
	for i, r := range rs {
		if len(r.Points) < 3 || len(r.Points) > maxRegionPoints {
			return &InputError{Reason: fmt.Sprintf("region %d: a region is a polygon of 3 to %d points", i+1, maxRegionPoints)}
		}
		for _, p := range r.Points {
			if math.IsNaN(p.X) || math.IsNaN(p.Y) || p.X < 0 || p.Y < 0 || p.X > maxCoordinatePx || p.Y > maxCoordinatePx {
				return &InputError{Reason: fmt.Sprintf("region %d: points are image pixels, 0 to %d", i+1, maxCoordinatePx)}
			}
		}
		if area(r.Points) < minRegionAreaPx2 {
			return &InputError{Reason: fmt.Sprintf("region %d has no area", i+1)}
		}
		if len(r.Comment) > maxComment {
			return &InputError{Reason: fmt.Sprintf("region %d: a comment is at most %d bytes", i+1, maxComment)}
		}
	}
	return nil
}

// area is the absolute shoelace area of a polygon.
func area(ps []db.Point) float64 {
	s := 0.0
	for i := range ps {
		j := (i + 1) % len(ps)
		s += ps[i].X*ps[j].Y - ps[j].X*ps[i].Y
	}
	return math.Abs(s) / 2
}
