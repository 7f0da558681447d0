package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/imaging"
)

// segmentOutput is the detected cone centres and their mask (and an uncertainty grid, kind "uncertainty").
type segmentOutput struct {
	PointsKey string  `json:"points_key"` // CSV x,y in px
	MaskKey   string  `json:"mask_key"`
	Count     int     `json:"count"`
	SpacingPx float64 `json:"spacing_px"`
	Detector  string  `json:"detector"`
}

// segmentStep detects cone centres in the preprocessed image. Until the model registry
// lands it runs the classical detector whatever model version the run names; the inference
// issue swaps the model in here.
func segmentStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	var in preprocessOutput
	if _, err := sc.enFace(&in); err != nil {
		return nil, err
	}
	if in.NotAOImage != "" {
		return &stepResult{output: segmentOutput{Detector: "none: not an AO retinal image"}}, nil
	}
	b, err := sc.get(ctx, in.ImageKey)
	if err != nil {
		return nil, err
	}
	img, err := decodeFloat32(b, in.W, in.H)
	if err != nil {
		return nil, err
	}
	if err := sc.report(ctx, 0.3, "detecting cones"); err != nil {
		return nil, err
	}
	opts := imaging.ConeDetectOptions{Modality: imaging.ConeModality(sc.params.Modality), EccentricityDeg: sc.params.EccentricityDeg}
	if opts.Modality == "" {
		opts.Modality = imaging.ConeConfocal
	}
	if opts.EccentricityDeg > 0 {
		opts.UmPerPx = in.UmPerPx
	}
	out := segmentOutput{SpacingPx: imaging.ConeSpacingPx(img, opts), Detector: "classical-log"}
	// With the spacing known, the pixel size alone lets the detector reject rods.
	opts.SpacingPx, opts.UmPerPx = out.SpacingPx, in.UmPerPx
	// The uncertainty grid (where the marks are doubtful: weak, or off the count the spacing
	// predicts) comes from the same blob response: the viewer's "next most uncertain region".
	cell := max(16, int(math.Round(4*out.SpacingPx)))
	g := imaging.ScalarGrid{CellPx: cell}
	pts, cols, rows, vals := imaging.DetectConesWithUncertainty(img, opts, cell)
	g.Cols, g.Rows = cols, rows
	out.Count = len(pts)
	if out.PointsKey, err = sc.put(ctx, "points.csv", "text/csv", "points", encodePoints(pts)); err != nil {
		return nil, err
	}
	mask, err := encodeMask(pts, in.W, in.H)
	if err != nil {
		return nil, err
	}
	if out.MaskKey, err = sc.put(ctx, "mask.png", "image/png", "mask", mask); err != nil {
		return nil, err
	}
	g.Values = make([]float64, len(vals))
	for i, v := range vals {
		g.Values[i] = math.Round(v*1000) / 1000
	}
	unc, err := encodeGrid("uncertainty", g)
	if err != nil {
		return nil, err
	}
	if _, err := sc.put(ctx, "uncertainty.json", "application/json", "uncertainty", unc); err != nil {
		return nil, err
	}
	return &stepResult{output: out}, nil
}

func encodePoints(pts []imaging.Point) []byte {
	var buf bytes.Buffer
	buf.WriteString("x,y\n")
	for _, p := range pts {
		fmt.Fprintf(&buf, "%.3f,%.3f\n", p.X, p.Y)
	}
	return buf.Bytes()
}

func decodePoints(b []byte) ([]imaging.Point, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var pts []imaging.Point
	for i, l := range lines[1:] {
		xs, ys, ok := strings.Cut(l, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		y, err2 := strconv.ParseFloat(ys, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("points line %d: %q: %w", i+2, l, asynq.SkipRetry)
		}
		pts = append(pts, imaging.Point{X: x, Y: y})
	}
	return pts, nil
}

// encodeMask marks each centre's pixel and its four neighbours.
func encodeMask(pts []imaging.Point, w, h int) ([]byte, error) {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for _, p := range pts {
		x, y := int(math.Round(p.X)), int(math.Round(p.Y))
		for _, d := range [][2]int{{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			if xx, yy := x+d[0], y+d[1]; xx >= 0 && yy >= 0 && xx < w && yy < h {
				g.Pix[yy*w+xx] = 255
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		return nil, fmt.Errorf("encode mask: %w", err)
	}
	return buf.Bytes(), nil
}

// encodeGrid writes a grid artifact (imaging.FibreOrientation, imaging.ScalarGrid) as JSON.
func encodeGrid(what string, g any) ([]byte, error) {
	b, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", what, err)
	}
	return b, nil
}
