package imaging

// OCT volumes.
//
// Convention (shared with ingest's OCT readers): an OCT volume is the z×y×x Volume of
// image.go with x the A-scans of a B-scan (fast lateral axis), y the B-scans (slow lateral
// axis) and z depth (axial, growing away from the vitreous). B-scan b is the plane y = b:
// an X×Z image with x across and z down, pixel (x, z) = Vox[(z*Y+b)*X+x]. Layer
// boundaries are depths in voxels, 0-based, with the centre of voxel z at z (sub-voxel
// values are meaningful), one per B-scan and column.

// Retinal layer boundaries, from the vitreous down. Their names are those of the layers
// CSV (bscan,x,layer,z) and of the run's artifacts.
const (
	BoundaryILM    = iota // inner limiting membrane: vitreous / RNFL
	BoundaryNFLGCL        // RNFL / ganglion cell layer
	BoundaryIPLINL        // inner plexiform / inner nuclear layer
	BoundaryOPLONL        // outer plexiform / outer nuclear layer
	BoundaryELM           // external limiting membrane (the centre of its line)
	BoundaryISOS          // inner/outer segment junction (the centre of the ellipsoid-zone band)
	BoundaryCOST          // cone outer-segment tips (the centre of the interdigitation-zone band)
	BoundaryRPEBM         // RPE / Bruch's membrane (the RPE's outer edge)
	NumBoundaries
)

// LayerBoundaryNames are the boundaries' names, indexed by the Boundary constants.
var LayerBoundaryNames = [NumBoundaries]string{"ILM", "NFL_GCL", "IPL_INL", "OPL_ONL", "ELM", "ISOS", "COST", "RPE_BM"}

// BoundaryIndex returns the index of a boundary name, or -1.
func BoundaryIndex(name string) int {
	for i, n := range LayerBoundaryNames {
		if n == name {
			return i
		}
	}
	return -1
}

// BScan returns B-scan b of an OCT volume as an X×Z image (x across, z down).
func BScan(v *Volume, b int) *Image {
	img := NewImage(v.X, v.Z)
	bscanInto(img, v, b)
	return img
}

func bscanInto(img *Image, v *Volume, b int) {
	for z := range v.Z {
		copy(img.Pix[z*v.X:(z+1)*v.X], v.Vox[(z*v.Y+b)*v.X:][:v.X])
	}
}

// removeQuadratic subtracts the least-squares quadratic in the index from s.
func removeQuadratic(s []float64) {
	n := len(s)
	if n < 3 {
		m := 0.0
		for _, v := range s {
			m += v
		}
		for i := range s {
			s[i] -= m / float64(max(n, 1))
		}
		return
	}
	// Orthogonal polynomial basis over centred t keeps the normal equations well posed.
	c := float64(n-1) / 2
	var st2 float64
	for i := range n {
		t := float64(i) - c
		st2 += t * t
	}
	mt2 := st2 / float64(n)
	var a0, a1, a2, q2 float64
	for i, v := range s {
		t := float64(i) - c
		q := t*t - mt2
		a0 += v
		a1 += v * t
		a2 += v * q
		q2 += q * q
	}
	a0 /= float64(n)
	a1 /= st2
	if q2 > 0 {
		a2 /= q2
	}
	for i := range s {
		t := float64(i) - c
		s[i] -= a0 + a1*t + a2*(t*t-mt2)
	}
}
