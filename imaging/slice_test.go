package imaging

import "testing"

func TestSliceCutsEachAxis(t *testing.T) {
	v := &Volume{X: 3, Y: 2, Z: 4, Vox: make([]float32, 3*2*4)}
	for z := range 4 {
		for y := range 2 {
			for x := range 3 {
				v.Vox[(z*2+y)*3+x] = float32(100*z + 10*y + x)
			}
		}
	}
	for _, c := range []struct {
		a          Axis
		i, w, h    int
		px, py     int
		want       float32
		wantLength int
	}{
		{AxisZ, 2, 3, 2, 1, 1, 211, 4},
		{AxisY, 1, 3, 4, 2, 3, 312, 2},
		{AxisX, 0, 2, 4, 1, 2, 210, 3},
	} {
		img, err := v.Slice(c.a, c.i)
		if err != nil {
			t.Fatal(err)
		}
		if img.W != c.w || img.H != c.h {
			t.Fatalf("axis %d: %dx%d, want %dx%d", c.a, img.W, img.H, c.w, c.h)
		}
		if got := img.Pix[c.py*img.W+c.px]; got != c.want {
			t.Errorf("axis %d slice %d at (%d,%d) = %v, want %v", c.a, c.i, c.px, c.py, got, c.want)
		}
		if v.Len(c.a) != c.wantLength {
			t.Errorf("axis %d: %d slices, want %d", c.a, v.Len(c.a), c.wantLength)
		}
	}
	if _, err := v.Slice(AxisY, 2); err == nil {
		t.Fatal("slice past the end accepted")
	}
}
