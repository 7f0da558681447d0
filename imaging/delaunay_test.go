package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func hexLattice(spacing float64, w, h int, offX, offY float64) []Point {
	var pts []Point
	dy := spacing * math.Sqrt(3) / 2
	for j := 0; ; j++ {
		y := offY + float64(j)*dy
		if y > float64(h)-0.5 {
			break
		}
		for i := 0; ; i++ {
			x := offX + float64(i)*spacing + float64(j%2)*spacing/2
			if x > float64(w)-0.5 {
				break
			}
			pts = append(pts, Point{x, y})
		}
	}
	return pts
}

func TestDelaunay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]Point, 300)
	for i := range random {
		random[i] = Point{rng.Float64() * 100, rng.Float64() * 100}
	}
	var square []Point
	for y := range 15 {
		for x := range 15 {
			square = append(square, Point{float64(x) * 3, float64(y) * 3})
		}
	}
	withDup := append([]Point{{1, 1}, {1, 1}}, random[:50]...)
	tests := []struct {
		name   string
		points []Point
		unique int
	}{
		{"uniform random", random, 300},
		{"hexagonal lattice", hexLattice(4, 60, 60, 0, 0), len(hexLattice(4, 60, 60, 0, 0))},
		{"square lattice, all cocircular", square, 225},
		{"duplicates", withDup, 51},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tri := Delaunay(tc.points)
			nt := len(tri.Triangles) / 3
			// Euler: a triangulation of n points with h on the hull has 2n-2-h triangles
			// (collinear hull points count as hull vertices).
			require.Equal(t, 2*tc.unique-2-len(tri.Hull), nt)
			for e, o := range tri.Halfedges {
				if o == -1 {
					continue
				}
				require.Equal(t, e, tri.Halfedges[o])
				require.Equal(t, tri.Triangles[e], tri.Triangles[nextHalfedge(o)])
			}
			// Empty circumcircle: no point strictly inside any triangle's circle.
			for i := range nt {
				a, b, c := tri.Points[tri.Triangles[3*i]], tri.Points[tri.Triangles[3*i+1]], tri.Points[tri.Triangles[3*i+2]]
				require.Negative(t, orientSign(a, b, c), "triangles are clockwise in a y-up frame")
				for _, p := range tc.points {
					require.GreaterOrEqual(t, inCircleSign(a, b, c, p), 0, "point %v inside circle of triangle %d", p, i)
				}
			}
		})
	}
}

func TestDelaunayDegenerate(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
	}{
		{"empty", nil},
		{"two points", []Point{{0, 0}, {1, 1}}},
		{"collinear", []Point{{0, 0}, {1, 1}, {2, 2}, {3, 3}}},
		{"same point", []Point{{2, 2}, {2, 2}, {2, 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tri := Delaunay(tc.points)
			require.Empty(t, tri.Triangles)
			for _, c := range tri.VoronoiCells() {
				require.False(t, c.Closed)
			}
		})
	}
}
