package imaging

import "fmt"

// Axis names a volume axis.
type Axis int

// The axes: Z cuts en-face frames (x by y), Y cuts B-scans (x by z), X cuts y by z.
const (
	AxisZ Axis = iota
	AxisY
	AxisX
)

// Len returns how many slices v has across axis a.
func (v *Volume) Len(a Axis) int {
	switch a {
	case AxisY:
		return v.Y
	case AxisX:
		return v.X
	}
	return v.Z
}

// Slice cuts plane i across axis a: for Z an x×y image, for Y an x×z image (a B-scan, z
// downwards), for X a y×z image.
func (v *Volume) Slice(a Axis, i int) (*Image, error) {
	if i < 0 || i >= v.Len(a) {
		return nil, fmt.Errorf("slice %d is outside 0..%d", i, v.Len(a)-1)
	}
	at := func(x, y, z int) float32 { return v.Vox[(z*v.Y+y)*v.X+x] }
	var img *Image
	switch a {
	case AxisZ:
		img = NewImage(v.X, v.Y)
		copy(img.Pix, v.Vox[i*v.X*v.Y:(i+1)*v.X*v.Y])
	case AxisY:
		img = NewImage(v.X, v.Z)
		for z := 0; z < v.Z; z++ {
			for x := 0; x < v.X; x++ {
				img.Pix[z*v.X+x] = at(x, i, z)
			}
		}
	default:
		img = NewImage(v.Y, v.Z)
		for z := 0; z < v.Z; z++ {
			for y := 0; y < v.Y; y++ {
				img.Pix[z*v.Y+y] = at(i, y, z)
			}
		}
	}
	return img, nil
}
