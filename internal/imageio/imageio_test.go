package imageio

import (
	"bytes"
	"github.com/aomas/aomas/internal/testenv/shared"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/stretchr/testify/require"
)

func ramp(w, h int, off float32) *imaging.Image {
	img := imaging.NewImage(w, h)
	for i := range img.Pix {
		img.Pix[i] = float32(i%997)/996*0.9 + off
	}
	return img
}

func TestImageRoundTrip(t *testing.T) {
	dir := t.TempDir()
	img := ramp(37, 23, 0.05)
	tests := []struct {
		name  string
		write func(string) error
		tol   float64
	}{
		{"png16", func(p string) error { return WritePNG16(p, img) }, 1.0 / 65535},
		{"png8", func(p string) error { return WritePNG8(p, img) }, 1.0 / 255},
		{"tif16", func(p string) error { return WriteTIFF16(p, []*imaging.Image{img}) }, 1.0 / 65535},
		{"tif8", func(p string) error { return WriteTIFF8(p, img) }, 1.0 / 255},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			require.NoError(t, tc.write(p))
			got, err := ReadImage(p)
			require.NoError(t, err)
			require.Equal(t, []int{img.W, img.H}, []int{got.W, got.H})
			for i := range img.Pix {
				require.InDelta(t, img.Pix[i], got.Pix[i], tc.tol)
			}
		})
	}
}

func TestMultiPageTIFF(t *testing.T) {
	frames := []*imaging.Image{ramp(20, 10, 0), ramp(20, 10, 0.05), ramp(20, 10, 0.1)}
	var buf bytes.Buffer
	require.NoError(t, EncodeTIFF16(&buf, frames))
	got, err := DecodeFrames(buf.Bytes())
	require.NoError(t, err)
	require.Len(t, got, 3)
	for k := range frames {
		for i := range frames[k].Pix {
			require.InDelta(t, frames[k].Pix[i], got[k].Pix[i], 1.0/65535)
		}
	}
	require.Error(t, EncodeTIFF16(&buf, []*imaging.Image{ramp(2, 2, 0), ramp(3, 2, 0)}))
	_, err = DecodeFrames([]byte("GIF89a"))
	require.ErrorIs(t, err, ErrUnsupportedFormat)
	_, err = DecodeFrames(buf.Bytes()[:12])
	require.Error(t, err)
}

// TestReadRealPackBitsTIFF reads a PackBits-compressed 8-bit confocal image of the shared
// Cunefare data set and its 1-based manual marks.
func TestReadRealPackBitsTIFF(t *testing.T) {
	root := shared.Dir(t)
	base := filepath.Join(root, "data", "ao-cunefare-2017-train", "confocal")
	img, err := ReadImage(filepath.Join(base, "images", "JC_0007_BL_0.08_aligned_CenterCropped.tif"))
	require.NoError(t, err, "the shared data folder is needed (set AOMAS_SHARED_DIR)")
	require.Equal(t, []int{150, 150}, []int{img.W, img.H})
	pts, err := ReadPoints(filepath.Join(base, "manual_coords", "JC_0007_BL_0.08_aligned_CenterCropped_manualcoord.txt"), true)
	require.NoError(t, err)
	require.Len(t, pts, 275)
	// Cones are bright: the marked pixels are brighter than the image on average.
	var atMarks, all float64
	for _, p := range pts {
		x, y := int(p.X), int(p.Y)
		if x >= 0 && y >= 0 && x < img.W && y < img.H {
			atMarks += float64(img.At(x, y))
		}
	}
	for _, v := range img.Pix {
		all += float64(v)
	}
	require.Greater(t, atMarks/float64(len(pts)), 1.3*all/float64(len(img.Pix)))
}

func TestPoints(t *testing.T) {
	tests := []struct {
		name, in string
		oneBased bool
		want     []imaging.Point
	}{
		{"csv with header", "x,y\n1.5,2\n3,4.25\n", false, []imaging.Point{{X: 1.5, Y: 2}, {X: 3, Y: 4.25}}},
		{"tabs one-based", "2\t79\n10\t3\n", true, []imaging.Point{{X: 1, Y: 78}, {X: 9, Y: 2}}},
		{"no header, blank lines", "13.25,24.25\n\n189.3006023282522,3\n", false, []imaging.Point{{X: 13.25, Y: 24.25}, {X: 189.3006023282522, Y: 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePoints(strings.NewReader(tc.in), tc.oneBased)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := ParsePoints(strings.NewReader("1,2\nx,y\n"), false)
	require.Error(t, err)
	_, err = ParsePoints(strings.NewReader("1\n"), false)
	require.Error(t, err)
	var buf bytes.Buffer
	pts := []imaging.Point{{X: 1.25, Y: 2}, {X: 0, Y: 7.5}}
	require.NoError(t, EncodePoints(&buf, pts))
	require.Equal(t, "x,y\n1.250,2.000\n0.000,7.500\n", buf.String())
	back, err := ParsePoints(&buf, false)
	require.NoError(t, err)
	require.Equal(t, pts, back)
}
