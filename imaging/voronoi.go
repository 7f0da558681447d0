package imaging

import "math"

// VoronoiCell is the Voronoi region of one site of a triangulation.
type VoronoiCell struct {
	// Closed is false for sites on the convex hull (their cell is unbounded) and for sites left
	// out of the triangulation as duplicates; Vertices and Neighbors are then nil.
	Closed bool
	// Vertices are the cell's corners (circumcentres of the Delaunay triangles around the
	// site), in order around it.
	Vertices []Point
	// Neighbors are the Delaunay neighbours of the site, one per cell edge, in the same order.
	Neighbors []int
}

// VoronoiCells returns the Voronoi cell of every point of t, indexed like t.Points.
func (t *Triangulation) VoronoiCells() []VoronoiCell {
	n := len(t.Points)
	cells := make([]VoronoiCell, n)
	// inedge[p] is a half-edge ending at p; a hull half-edge wins so hull sites are recognised.
	inedge := make([]int, n)
	for i := range inedge {
		inedge[i] = -1
	}
	for e := range t.Triangles {
		p := t.Triangles[nextHalfedge(e)]
		if t.Halfedges[e] == -1 || inedge[p] == -1 {
			inedge[p] = e
		}
	}
	centres := make([]Point, len(t.Triangles)/3)
	for i := range centres {
		a, b, c := t.Points[t.Triangles[3*i]], t.Points[t.Triangles[3*i+1]], t.Points[t.Triangles[3*i+2]]
		x, y := circumcenter(a, b, c)
		centres[i] = Point{x, y}
	}
	for p := range n {
		e0 := inedge[p]
		if e0 == -1 || t.Halfedges[e0] == -1 {
			continue
		}
		var verts []Point
		var nbrs []int
		e := e0
		closed := true
		for {
			verts = append(verts, centres[e/3])
			nbrs = append(nbrs, t.Triangles[e])
			e = t.Halfedges[nextHalfedge(e)]
			if e == -1 {
				closed = false
				break
			}
			if e == e0 {
				break
			}
		}
		if closed {
			cells[p] = VoronoiCell{Closed: true, Vertices: verts, Neighbors: nbrs}
		}
	}
	return cells
}

// polygonArea returns the unsigned area of a simple polygon.
func polygonArea(v []Point) float64 {
	s := 0.0
	for i := range v {
		j := (i + 1) % len(v)
		s += v[i].X*v[j].Y - v[j].X*v[i].Y
	}
	return math.Abs(s) / 2
}

// polygonSides counts the edges of a polygon longer than tol, so that the near-zero edges
// from almost cocircular sites do not inflate the sidedness.
func polygonSides(v []Point, tol float64) int {
	sides := 0
	for i := range v {
		j := (i + 1) % len(v)
		if math.Hypot(v[j].X-v[i].X, v[j].Y-v[i].Y) > tol {
			sides++
		}
	}
	return sides
}
