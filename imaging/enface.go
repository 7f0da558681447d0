package imaging

import (
	"errors"
	"fmt"
)

// ProjectionMode is how EnFace collapses a slab along z.
type ProjectionMode string

// Projection modes for EnFace.
const (
	ProjectMean ProjectionMode = "mean"
	ProjectMax  ProjectionMode = "max"
)

// EnFace projects the slab z0 ≤ z < z1 of v along z into an X×Y image, by mean or
// maximum intensity.
func EnFace(v *Volume, z0, z1 int, mode ProjectionMode) (*Image, error) {
	if v == nil {
		return nil, errors.New("en-face projection: nil volume")
	}
	if len(v.Vox) != v.X*v.Y*v.Z {
		return nil, fmt.Errorf("en-face projection: volume %dx%dx%d holds %d voxels", v.X, v.Y, v.Z, len(v.Vox))
	}
	if z0 < 0 || z1 > v.Z || z0 >= z1 {
		return nil, fmt.Errorf("en-face projection: slab [%d, %d) outside depth 0..%d or empty", z0, z1, v.Z)
	}
	if mode != ProjectMean && mode != ProjectMax {
		return nil, fmt.Errorf("en-face projection: unknown mode %q", mode)
	}
	n := v.X * v.Y
	out := NewImage(v.X, v.Y)
	copy(out.Pix, v.Vox[z0*n:(z0+1)*n])
	for z := z0 + 1; z < z1; z++ {
		plane := v.Vox[z*n : (z+1)*n]
		if mode == ProjectMax {
			for i, p := range plane {
				out.Pix[i] = max(out.Pix[i], p)
			}
			continue
		}
		for i, p := range plane {
			out.Pix[i] += p
		}
	}
	if mode == ProjectMean {
		inv := 1 / float32(z1-z0)
		for i := range out.Pix {
			out.Pix[i] *= inv
		}
	}
	return out, nil
}
