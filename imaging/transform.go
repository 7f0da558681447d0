package imaging

// RotateImage90 returns img rotated 90° clockwise: the result is H×W and old pixel (x, y)
// lands at (H−1−y, x).
func RotateImage90(img *Image) *Image {
	out := NewImage(img.H, img.W)
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			out.Pix[x*out.W+(img.H-1-y)] = img.Pix[y*img.W+x]
		}
	}
	return out
}

// RotatePoints90 maps points of a w×h image the way RotateImage90 maps its pixels.
func RotatePoints90(pts []Point, w, h int) []Point {
	out := make([]Point, len(pts))
	for i, p := range pts {
		out[i] = Point{X: float64(h-1) - p.Y, Y: p.X}
	}
	return out
}

// FlipImageH mirrors img left to right.
func FlipImageH(img *Image) *Image {
	out := NewImage(img.W, img.H)
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			out.Pix[y*img.W+img.W-1-x] = img.Pix[y*img.W+x]
		}
	}
	return out
}

// FlipPointsH maps points of a w-wide image the way FlipImageH maps its pixels.
func FlipPointsH(pts []Point, w int) []Point {
	out := make([]Point, len(pts))
	for i, p := range pts {
		out[i] = Point{X: float64(w-1) - p.X, Y: p.Y}
	}
	return out
}

// FlipImageV mirrors img top to bottom.
func FlipImageV(img *Image) *Image {
	out := NewImage(img.W, img.H)
	for y := 0; y < img.H; y++ {
		copy(out.Pix[(img.H-1-y)*img.W:(img.H-y)*img.W], img.Pix[y*img.W:(y+1)*img.W])
	}
	return out
}

// FlipPointsV maps points of an h-high image the way FlipImageV maps its pixels.
func FlipPointsV(pts []Point, h int) []Point {
	out := make([]Point, len(pts))
	for i, p := range pts {
		out[i] = Point{X: p.X, Y: float64(h-1) - p.Y}
	}
	return out
}
