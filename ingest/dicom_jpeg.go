package ingest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"io"
)

// jpegFrames groups encapsulated fragments into frames: one fragment a frame when the
// counts agree, else a new frame at each fragment that opens with a JPEG SOI marker.
func jpegFrames(r io.ReaderAt, size int64, frags []span, frames int) ([][]span, error) {
	if len(frags) == frames {
		out := make([][]span, frames)
		for i, f := range frags {
			out[i] = []span{f}
		}
		return out, nil
	}
	if frames == 1 && len(frags) > 0 {
		return [][]span{frags}, nil
	}
	var out [][]span
	soi := make([]byte, 2)
	for _, f := range frags {
		isStart := false
		if f.n >= 2 {
			if err := readFull(r, soi, f.off, size); err != nil {
				return nil, err
			}
			isStart = soi[0] == 0xFF && soi[1] == 0xD8
		}
		switch {
		case isStart:
			out = append(out, []span{f})
		case len(out) > 0:
			out[len(out)-1] = append(out[len(out)-1], f)
		}
	}
	if len(out) != frames {
		return nil, reject(CodeDimensionMismatch, "%d frames are declared but the encapsulated pixel data holds %d JPEG streams in %d fragments",
			frames, len(out), len(frags))
	}
	return out, nil
}

// jpegPlanes decodes JPEG Baseline frames, one at a time, reducing colour to luma.
func jpegPlanes(r io.ReaderAt, size int64, frames [][]span, res *Result) func(int, []float32) error {
	// The frame size, as the header states it now: an OCT's dims are remapped afterwards.
	cols, rows := res.Cols, res.Rows
	return func(z int, dst []float32) error {
		var buf []byte
		for _, f := range frames[z] {
			start := len(buf)
			buf = append(buf, make([]byte, f.n)...)
			if err := readFull(r, buf[start:], f.off, size); err != nil {
				return err
			}
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(buf))
		if err != nil {
			return reject(CodeCorrupt, "frame %d is not a decodable JPEG: %v", z, err)
		}
		if cfg.Width != cols || cfg.Height != rows {
			return reject(CodeDimensionMismatch, "frame %d is a %d×%d JPEG but the header says %d×%d",
				z, cfg.Width, cfg.Height, cols, rows)
		}
		img, err := jpeg.Decode(bytes.NewReader(buf))
		if err != nil {
			return reject(CodeCorrupt, "frame %d is not a decodable JPEG: %v", z, err)
		}
		grayInto(dst, img)
		return nil
	}
}

// grayInto writes the luma of img, row-major, into dst.
func grayInto(dst []float32, img image.Image) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			for x, p := range row {
				dst[y*w+x] = float32(p)
			}
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			row := m.Y[y*m.YStride : y*m.YStride+w]
			for x, p := range row {
				dst[y*w+x] = float32(p)
			}
		}
	case *image.Gray16:
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < w; x++ {
				i := y*m.Stride + 2*x
				dst[y*w+x] = float32(uint16(m.Pix[i])<<8 | uint16(m.Pix[i+1]))
			}
		}
	default:
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < w; x++ {
				dst[y*w+x] = float32(color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y)
			}
		}
	}
}
