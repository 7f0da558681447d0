package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aomas/aomas/imaging"
	"golang.org/x/image/tiff"
)

// ErrUnsupportedFormat reports a file whose type is neither PNG nor TIFF.
var ErrUnsupportedFormat = errors.New("unsupported image format")

// ReadFrames reads every frame of a PNG (one frame) or TIFF (one frame per page) file.
// Pixel values are scaled to [0, 1] by the maximum of the file's sample type (255 or 65535);
// colour images are converted to luminance.
func ReadFrames(path string) ([]*imaging.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	frames, err := DecodeFrames(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", filepath.Base(path), err)
	}
	return frames, nil
}

// ReadImage reads the first frame of a PNG or TIFF file, scaled to [0, 1].
func ReadImage(path string) (*imaging.Image, error) {
	frames, err := ReadFrames(path)
	if err != nil {
		return nil, err
	}
	return frames[0], nil
}

// DecodeFrames decodes PNG or (multi-page) TIFF bytes into frames scaled to [0, 1].
func DecodeFrames(data []byte) ([]*imaging.Image, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("png: %w", err)
		}
		return []*imaging.Image{FromStdImage(m)}, nil
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return decodeTIFFPages(data)
	default:
		return nil, ErrUnsupportedFormat
	}
}

// FromStdImage converts a standard library image to a float image in [0, 1].
func FromStdImage(m image.Image) *imaging.Image {
	b := m.Bounds()
	out := imaging.NewImage(b.Dx(), b.Dy())
	switch g := m.(type) {
	case *image.Gray:
		for y := 0; y < out.H; y++ {
			row := g.Pix[y*g.Stride : y*g.Stride+out.W]
			for x, v := range row {
				out.Pix[y*out.W+x] = float32(v) / 255
			}
		}
	case *image.Gray16:
		for y := 0; y < out.H; y++ {
			row := g.Pix[y*g.Stride : y*g.Stride+2*out.W]
			for x := 0; x < out.W; x++ {
				out.Pix[y*out.W+x] = float32(uint16(row[2*x])<<8|uint16(row[2*x+1])) / 65535
			}
		}
	default:
		for y := 0; y < out.H; y++ {
			for x := 0; x < out.W; x++ {
				c := color.Gray16Model.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.Gray16)
				out.Pix[y*out.W+x] = float32(c.Y) / 65535
			}
		}
	}
	return out
}

// ToGray16 converts a float image to 16 bits, clamping to [0, 1] first.
func ToGray16(img *imaging.Image) *image.Gray16 {
	g := image.NewGray16(image.Rect(0, 0, img.W, img.H))
	for i, v := range img.Pix {
		u := uint16(clamp01(float64(v))*65535 + 0.5)
		g.Pix[2*i] = byte(u >> 8)
		g.Pix[2*i+1] = byte(u)
	}
	return g
}

// ToGray8 converts a float image to 8 bits, clamping to [0, 1] first.
func ToGray8(img *imaging.Image) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, img.W, img.H))
	for i, v := range img.Pix {
		g.Pix[i] = uint8(clamp01(float64(v))*255 + 0.5)
	}
	return g
}

func clamp01(v float64) float64 {
	if v != v || v < 0 { // NaN counts as black
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// WritePNG16 writes img as a 16-bit grayscale PNG (values clamped to [0, 1]).
func WritePNG16(path string, img *imaging.Image) error {
	return writeFile(path, func(w io.Writer) error { return png.Encode(w, ToGray16(img)) })
}

// WritePNG8 writes img as an 8-bit grayscale PNG (values clamped to [0, 1]).
func WritePNG8(path string, img *imaging.Image) error {
	return writeFile(path, func(w io.Writer) error { return png.Encode(w, ToGray8(img)) })
}

// WritePNG writes any standard image (for example an RGB overlay) as PNG.
func WritePNG(path string, m image.Image) error {
	return writeFile(path, func(w io.Writer) error { return png.Encode(w, m) })
}

// WriteTIFF8 writes img as a single-page 8-bit grayscale TIFF (values clamped to [0, 1]).
func WriteTIFF8(path string, img *imaging.Image) error {
	return writeFile(path, func(w io.Writer) error {
		return tiff.Encode(w, ToGray8(img), &tiff.Options{Compression: tiff.Uncompressed})
	})
}

// WriteTIFF16 writes the frames as an uncompressed 16-bit grayscale TIFF, one page per frame
// (values clamped to [0, 1]). All frames must have the same size.
func WriteTIFF16(path string, frames []*imaging.Image) error {
	return writeFile(path, func(w io.Writer) error { return EncodeTIFF16(w, frames) })
}

// WriteImage writes one frame, choosing the format from the extension (.png, .tif, .tiff);
// both are 16-bit.
func WriteImage(path string, img *imaging.Image) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return WritePNG16(path, img)
	case ".tif", ".tiff":
		return WriteTIFF16(path, []*imaging.Image{img})
	default:
		return fmt.Errorf("write %s: %w", filepath.Base(path), ErrUnsupportedFormat)
	}
}

func writeFile(path string, encode func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := encode(&buf); err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write image: %w", err)
	}
	return nil
}
