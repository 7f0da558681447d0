package ingest

import (
	"fmt"

	"github.com/aomas/aomas/imaging"
)

// OCT files store B-scan after B-scan (a DICOM frame, a .vol block, a TIFF page is one
// x-by-depth image), while a volume is z×y×x with z the depth. bscanLayout is the mapping:
// it serves the volume's planes, its B-scans and the whole volume from a reader of B-scans.
type bscanLayout struct {
	x, y, z int // A-scans per B-scan, B-scans, depth samples
	// bscan decodes B-scan b (z rows of x samples) into dst.
	bscan func(b int, dst []float32) error
	// row, when set, decodes depth row d of B-scan b (x samples) without the rest of the
	// B-scan: a plane then costs y small reads instead of y whole B-scans.
	row func(b, d int, dst []float32) error
}

// install makes res an OCT volume read through l: Cols x, Rows y (B-scans), Frames z (depth).
func (l bscanLayout) install(res *Result) {
	res.Cols, res.Rows, res.Frames = l.x, l.y, l.z
	res.plane = l.plane
	res.bscan = l.bscan
	res.fill = l.fill
}

// plane gathers depth row z of every B-scan into dst (x·y samples).
func (l bscanLayout) plane(z int, dst []float32) error {
	if l.row != nil {
		for b := range l.y {
			if err := l.row(b, z, dst[b*l.x:(b+1)*l.x]); err != nil {
				return err
			}
		}
		return nil
	}
	buf := make([]float32, l.x*l.z)
	for b := range l.y {
		if err := l.bscan(b, buf); err != nil {
			return err
		}
		copy(dst[b*l.x:(b+1)*l.x], buf[z*l.x:(z+1)*l.x])
	}
	return nil
}

// fill decodes every B-scan once and scatters its rows into v.
func (l bscanLayout) fill(v *imaging.Volume) error {
	buf := make([]float32, l.x*l.z)
	for b := range l.y {
		if err := l.bscan(b, buf); err != nil {
			return err
		}
		for d := range l.z {
			copy(v.Vox[(d*l.y+b)*l.x:(d*l.y+b+1)*l.x], buf[d*l.x:(d+1)*l.x])
		}
	}
	return nil
}

// BScan decodes B-scan b (the plane y = b: Cols samples across, Frames rows down, row-major)
// into dst, which must hold Cols·Frames samples. For an OCT volume stored B-scan by B-scan
// (.vol, DICOM OCT) it reads only that B-scan; otherwise it gathers row b of every plane.
func (r *Result) BScan(b int, dst []float32) error {
	if err := r.decodable(); err != nil {
		return err
	}
	if b < 0 || b >= r.Rows {
		return fmt.Errorf("requested B-scan %d is outside 0..%d", b, r.Rows-1)
	}
	if len(dst) != r.Cols*r.Frames {
		return fmt.Errorf("the B-scan buffer holds %d samples, not %d", len(dst), r.Cols*r.Frames)
	}
	if r.bscan != nil {
		return r.bscan(b, dst)
	}
	plane := make([]float32, r.Rows*r.Cols)
	for z := range r.Frames {
		if err := r.plane(z, plane); err != nil {
			return err
		}
		copy(dst[z*r.Cols:(z+1)*r.Cols], plane[b*r.Cols:(b+1)*r.Cols])
	}
	return nil
}

// asBScans turns a result read frame by frame (plane f is frame f, Cols by Rows) into an
// OCT volume whose B-scans are those frames: each frame's rows become depth.
func asBScans(res *Result) {
	frame := res.plane
	if frame == nil {
		res.Rows, res.Frames = res.Frames, res.Rows
		return
	}
	l := bscanLayout{x: res.Cols, y: res.Frames, z: res.Rows, bscan: frame}
	l.install(res)
}
