package imaging

import (
	"math"
	"math/big"
	"slices"
)

// This is a sweep-hull Delaunay triangulation after Mapbox's delaunator (V. Agafonkin), written
// here because no Delaunay module is reachable through this build's module proxy. Points are
// inserted in order of distance from a seed triangle, each one joined to the visible part of
// the convex hull and the new edges legalised by flips; a hash of hull points by pseudo-angle
// finds the visible edge in O(1) on average, so the whole run is O(n log n) (dominated by the
// sort). Unlike the original, the orientation and in-circle predicates fall back to exact
// rational arithmetic near zero, so perfect lattices (many collinear and cocircular points) are
// triangulated consistently.

// Triangulation is a Delaunay triangulation in half-edge form. Triangle t has vertices
// Triangles[3t], Triangles[3t+1], Triangles[3t+2] (indices into Points), clockwise in a y-up
// frame (so counter-clockwise on screen, where y grows downwards). Halfedges[e] is the opposite half-edge in the neighbouring triangle, or -1 on the
// convex hull. Hull lists the hull vertices in order.
type Triangulation struct {
	Points    []Point
	Triangles []int
	Halfedges []int
	Hull      []int
}

// nextHalfedge returns the next half-edge of the same triangle.
func nextHalfedge(e int) int {
	if e%3 == 2 {
		return e - 2
	}
	return e + 1
}

// Delaunay triangulates points. Exact duplicates are triangulated once (the later copies are
// left out of every triangle); fewer than three non-collinear points give no triangles.
func Delaunay(points []Point) *Triangulation {
	d := &delaunator{pts: points}
	d.run()
	return &Triangulation{Points: points, Triangles: d.triangles, Halfedges: d.halfedges, Hull: d.hull()}
}

type delaunator struct {
	pts       []Point
	triangles []int
	halfedges []int

	hullPrev, hullNext, hullTri, hullHash []int
	hullStart                             int
	hashSize                              int
	cx, cy                                float64
	edgeStack                             []int
}

func (d *delaunator) run() {
	n := len(d.pts)
	if n < 3 {
		return
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range d.pts {
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	mx, my := (minX+maxX)/2, (minY+maxY)/2

	// Seed triangle: the point nearest the centre, its nearest neighbour, and the point making
	// the smallest circumcircle with both.
	i0, i1, i2 := -1, -1, -1
	best := math.Inf(1)
	for i, p := range d.pts {
		if dd := dist2(p.X, p.Y, mx, my); dd < best {
			i0, best = i, dd
		}
	}
	p0 := d.pts[i0]
	best = math.Inf(1)
	for i, p := range d.pts {
		if i == i0 {
			continue
		}
		if dd := dist2(p.X, p.Y, p0.X, p0.Y); dd > 0 && dd < best {
			i1, best = i, dd
		}
	}
	if i1 < 0 {
		return
	}
	p1 := d.pts[i1]
	best = math.Inf(1)
	for i, p := range d.pts {
		if i == i0 || i == i1 || orientSign(p0, p1, p) == 0 {
			continue
		}
		if r := circumradius2(p0, p1, p); r < best {
			i2, best = i, r
		}
	}
	if i2 < 0 {
		return // all collinear
	}
	p2 := d.pts[i2]
	if orientSign(p0, p1, p2) > 0 {
		i1, i2 = i2, i1
		p1, p2 = p2, p1
	}
	d.cx, d.cy = circumcenter(p0, p1, p2)

	ids := make([]int, n)
	dists := make([]float64, n)
	for i, p := range d.pts {
		ids[i] = i
		dists[i] = dist2(p.X, p.Y, d.cx, d.cy)
	}
	// Ties broken by coordinates so exact duplicates sit next to each other.
	slices.SortFunc(ids, func(a, b int) int {
		if dists[a] != dists[b] {
			if dists[a] < dists[b] {
				return -1
			}
			return 1
		}
		pa, pb := d.pts[a], d.pts[b]
		switch {
		case pa.X != pb.X:
			if pa.X < pb.X {
				return -1
			}
			return 1
		case pa.Y != pb.Y:
			if pa.Y < pb.Y {
				return -1
			}
			return 1
		}
		return a - b
	})

	maxTriangles := 2*n - 5
	d.triangles = make([]int, 0, maxTriangles*3)
	d.halfedges = make([]int, 0, maxTriangles*3)
	d.hashSize = int(math.Ceil(math.Sqrt(float64(n))))
	d.hullPrev = make([]int, n)
	d.hullNext = make([]int, n)
	d.hullTri = make([]int, n)
	d.hullHash = make([]int, d.hashSize)
	for i := range d.hullHash {
		d.hullHash[i] = -1
	}
	d.edgeStack = make([]int, 512)

	d.hullStart = i0
	d.hullNext[i0], d.hullPrev[i2] = i1, i1
	d.hullNext[i1], d.hullPrev[i0] = i2, i2
	d.hullNext[i2], d.hullPrev[i1] = i0, i0
	d.hullTri[i0], d.hullTri[i1], d.hullTri[i2] = 0, 1, 2
	d.hullHash[d.hashKey(p0)] = i0
	d.hullHash[d.hashKey(p1)] = i1
	d.hullHash[d.hashKey(p2)] = i2
	d.addTriangle(i0, i1, i2, -1, -1, -1)

	var prev Point
	for k, i := range ids {
		p := d.pts[i]
		if k > 0 && p == prev {
			continue
		}
		prev = p
		if i == i0 || i == i1 || i == i2 {
			continue
		}
		// Find a visible hull edge, starting from the hull point nearest in pseudo-angle.
		start := 0
		key := d.hashKey(p)
		for j := 0; j < d.hashSize; j++ {
			start = d.hullHash[(key+j)%d.hashSize]
			if start != -1 && start != d.hullNext[start] {
				break
			}
		}
		start = d.hullPrev[start]
		e := start
		for {
			q := d.hullNext[e]
			if orientSign(p, d.pts[e], d.pts[q]) > 0 {
				break
			}
			e = q
			if e == start {
				e = -1
				break
			}
		}
		if e == -1 {
			continue // on the hull within rounding: a near-duplicate
		}

		t := d.addTriangle(e, i, d.hullNext[e], -1, -1, d.hullTri[e])
		d.hullTri[i] = d.legalize(t + 2)
		d.hullTri[e] = t

		nx := d.hullNext[e]
		for {
			q := d.hullNext[nx]
			if orientSign(p, d.pts[nx], d.pts[q]) <= 0 {
				break
			}
			t = d.addTriangle(nx, i, q, d.hullTri[i], -1, d.hullTri[nx])
			d.hullTri[i] = d.legalize(t + 2)
			d.hullNext[nx] = nx // removed from the hull
			nx = q
		}
		if e == start {
			for {
				q := d.hullPrev[e]
				if orientSign(p, d.pts[q], d.pts[e]) <= 0 {
					break
				}
				t = d.addTriangle(q, i, e, -1, d.hullTri[e], d.hullTri[q])
				d.legalize(t + 2)
				d.hullTri[q] = t
				d.hullNext[e] = e
				e = q
			}
		}
		d.hullStart = e
		d.hullPrev[i] = e
		d.hullNext[e] = i
		d.hullPrev[nx] = i
		d.hullNext[i] = nx
		d.hullHash[d.hashKey(p)] = i
		d.hullHash[d.hashKey(d.pts[e])] = e
	}
}

func (d *delaunator) hull() []int {
	if len(d.triangles) == 0 {
		return nil
	}
	var h []int
	e := d.hullStart
	for {
		h = append(h, e)
		e = d.hullNext[e]
		if e == d.hullStart {
			break
		}
	}
	return h
}

func (d *delaunator) hashKey(p Point) int {
	dx, dy := p.X-d.cx, p.Y-d.cy
	// Pseudo-angle in [0, 1): monotone in the true angle, without trigonometry.
	q := dx / (math.Abs(dx) + math.Abs(dy))
	var a float64
	if dy > 0 {
		a = (3 - q) / 4
	} else {
		a = (1 + q) / 4
	}
	if math.IsNaN(a) {
		a = 0
	}
	k := int(math.Floor(a*float64(d.hashSize))) % d.hashSize
	if k < 0 {
		k += d.hashSize
	}
	return k
}

func (d *delaunator) addTriangle(i0, i1, i2, a, b, c int) int {
	t := len(d.triangles)
	d.triangles = append(d.triangles, i0, i1, i2)
	d.halfedges = append(d.halfedges, -1, -1, -1)
	d.link(t, a)
	d.link(t+1, b)
	d.link(t+2, c)
	return t
}

func (d *delaunator) link(a, b int) {
	d.halfedges[a] = b
	if b != -1 {
		d.halfedges[b] = a
	}
}

// legalize flips edges until every triangle around the new point is locally Delaunay.
func (d *delaunator) legalize(a int) int {
	i := 0
	var ar int
	for {
		b := d.halfedges[a]
		a0 := a - a%3
		ar = a0 + (a+2)%3
		if b == -1 {
			if i == 0 {
				break
			}
			i--
			a = d.edgeStack[i]
			continue
		}
		b0 := b - b%3
		al := a0 + (a+1)%3
		bl := b0 + (b+2)%3
		p0 := d.triangles[ar]
		pr := d.triangles[a]
		pl := d.triangles[al]
		p1 := d.triangles[bl]
		if inCircleSign(d.pts[p0], d.pts[pr], d.pts[pl], d.pts[p1]) < 0 {
			d.triangles[a] = p1
			d.triangles[b] = p0
			hbl := d.halfedges[bl]
			if hbl == -1 {
				// The flipped edge was on the hull: repoint the hull's triangle reference.
				e := d.hullStart
				for {
					if d.hullTri[e] == bl {
						d.hullTri[e] = a
						break
					}
					e = d.hullPrev[e]
					if e == d.hullStart {
						break
					}
				}
			}
			d.link(a, hbl)
			d.link(b, d.halfedges[ar])
			d.link(ar, bl)
			br := b0 + (b+1)%3
			if i < len(d.edgeStack) {
				d.edgeStack[i] = br
				i++
			} else {
				d.edgeStack = append(d.edgeStack, br)
				i++
			}
		} else {
			if i == 0 {
				break
			}
			i--
			a = d.edgeStack[i]
		}
	}
	return ar
}

func dist2(ax, ay, bx, by float64) float64 {
	dx, dy := ax-bx, ay-by
	return dx*dx + dy*dy
}

func circumradius2(a, b, c Point) float64 {
	x, y := circumcenter(a, b, c)
	return dist2(x, y, a.X, a.Y)
}

// circumcenter returns the centre of the circle through a, b and c.
func circumcenter(a, b, c Point) (float64, float64) {
	dx, dy := b.X-a.X, b.Y-a.Y
	ex, ey := c.X-a.X, c.Y-a.Y
	bl := dx*dx + dy*dy
	cl := ex*ex + ey*ey
	den := 0.5 / (dx*ey - dy*ex)
	return a.X + (ey*bl-dy*cl)*den, a.Y + (dx*cl-ex*bl)*den
}

const roundoff = 1.1102230246251565e-16 // 2^-53, the unit round-off of float64

// orientSign returns the sign of the cross product (b-a)×(c-a): positive when a, b, c turn
// counter-clockwise in a y-up frame. Results too close to zero to trust are recomputed exactly.
func orientSign(a, b, c Point) int {
	l := (b.X - a.X) * (c.Y - a.Y)
	r := (b.Y - a.Y) * (c.X - a.X)
	det := l - r
	if bound := (3 + 16*roundoff) * roundoff * (math.Abs(l) + math.Abs(r)); det > bound || -det > bound {
		if det > 0 {
			return 1
		}
		return -1
	}
	bx, by := ratSub(b.X, a.X), ratSub(b.Y, a.Y)
	cx, cy := ratSub(c.X, a.X), ratSub(c.Y, a.Y)
	lr := new(big.Rat).Mul(bx, cy)
	rr := new(big.Rat).Mul(by, cx)
	return lr.Sub(lr, rr).Sign()
}

// inCircleSign returns the sign of the in-circle determinant of p against triangle a, b, c:
// for a clockwise (y-up) triangle, negative means p lies strictly inside its circumcircle.
func inCircleSign(a, b, c, p Point) int {
	dx, dy := a.X-p.X, a.Y-p.Y
	ex, ey := b.X-p.X, b.Y-p.Y
	fx, fy := c.X-p.X, c.Y-p.Y
	ap := dx*dx + dy*dy
	bp := ex*ex + ey*ey
	cp := fx*fx + fy*fy
	det := dx*(ey*cp-bp*fy) - dy*(ex*cp-bp*fx) + ap*(ex*fy-ey*fx)
	perm := math.Abs(dx)*(math.Abs(ey*cp)+math.Abs(bp*fy)) +
		math.Abs(dy)*(math.Abs(ex*cp)+math.Abs(bp*fx)) +
		ap*(math.Abs(ex*fy)+math.Abs(ey*fx))
	// Shewchuk's error bound, with margin.
	if bound := (16 + 96*roundoff) * roundoff * perm; det > bound || -det > bound {
		if det > 0 {
			return 1
		}
		return -1
	}
	rdx, rdy := ratSub(a.X, p.X), ratSub(a.Y, p.Y)
	rex, rey := ratSub(b.X, p.X), ratSub(b.Y, p.Y)
	rfx, rfy := ratSub(c.X, p.X), ratSub(c.Y, p.Y)
	sq := func(x, y *big.Rat) *big.Rat {
		s := new(big.Rat).Mul(x, x)
		return s.Add(s, new(big.Rat).Mul(y, y))
	}
	rap, rbp, rcp := sq(rdx, rdy), sq(rex, rey), sq(rfx, rfy)
	minor := func(x1, y1, x2, y2 *big.Rat) *big.Rat { // x1*y2 - y1*x2
		m := new(big.Rat).Mul(x1, y2)
		return m.Sub(m, new(big.Rat).Mul(y1, x2))
	}
	t1 := new(big.Rat).Mul(rdx, minor(rey, rbp, rfy, rcp)) // ey*cp - bp*fy
	t2 := new(big.Rat).Mul(rdy, minor(rex, rbp, rfx, rcp)) // ex*cp - bp*fx
	t3 := new(big.Rat).Mul(rap, minor(rex, rey, rfx, rfy)) // ex*fy - ey*fx
	t1.Sub(t1, t2)
	return t1.Add(t1, t3).Sign()
}

func ratSub(a, b float64) *big.Rat {
	ra := new(big.Rat).SetFloat64(a)
	return ra.Sub(ra, new(big.Rat).SetFloat64(b))
}
