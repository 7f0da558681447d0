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
	"github.com/aomas/aomas/inference"
)

// segmentOutput is the detected cone centres and their mask (and an uncertainty grid, kind
// "uncertainty"), the capillary segmentation, and what found them on which device.
type segmentOutput struct {
	PointsKey string  `json:"points_key"` // CSV x,y in px
	MaskKey   string  `json:"mask_key"`
	Count     int     `json:"count"`
	SpacingPx float64 `json:"spacing_px"`
	// Detector is the cone detector's name (Run.detector reads it); Cones says more.
	Detector string        `json:"detector"`
	Cones    *detectorUsed `json:"cones,omitempty"`
	Vessels  *vesselOutput `json:"vessels,omitempty"`
	// MeanUncertainty is the cone model's mean per-mark uncertainty (1 − agreement over the
	// test-time augmentations), for QC; absent for the classical detector.
	MeanUncertainty *float64 `json:"mean_uncertainty,omitempty"`
}

// vesselOutput is the capillary segmentation of the image.
type vesselOutput struct {
	detectorUsed
	// MapKey is a grey PNG: 0 background, 128 vessel, 255 vessel centre line.
	MapKey string `json:"map_key"`
	// SamplesKey is JSON: the centre-line pixels with their diameters (imaging.VesselSample).
	SamplesKey string `json:"samples_key"`
	AreaPx     int    `json:"area_px"`
}

// segmentStep detects cone centres and segments capillaries in the preprocessed image, with
// the detectors its claim planned: the learned models through ONNX Runtime, or the classical
// LoG and Hessian detectors.
func segmentStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	if sc.planErr != nil {
		return nil, sc.planErr
	}
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
	plan := sc.plan
	if err := sc.report(ctx, 0.2, "detecting cones with "+plan.cones.Detector+onDevice(plan.cones.Device)); err != nil {
		return nil, err
	}
	opts := imaging.ConeDetectOptions{Modality: imaging.ConeModality(sc.params.Modality), EccentricityDeg: sc.params.EccentricityDeg}
	if opts.Modality == "" {
		opts.Modality = imaging.ConeConfocal
	}
	if opts.EccentricityDeg > 0 {
		opts.UmPerPx = in.UmPerPx
	}
	cones := plan.cones
	out := segmentOutput{SpacingPx: imaging.ConeSpacingPx(img, opts), Detector: cones.Detector, Cones: &cones}
	// With the spacing known, the pixel size alone lets the detector reject rods.
	opts.SpacingPx, opts.UmPerPx = out.SpacingPx, in.UmPerPx
	// The uncertainty grid (the viewer's "next most uncertain region"): the model's own
	// per-mark disagreement and per-pixel variance, or for the classical detector where its
	// marks are weak or off the count the spacing predicts.
	cell := max(16, int(math.Round(4*out.SpacingPx)))
	g := imaging.ScalarGrid{CellPx: cell}
	var pts []imaging.Point
	var vals []float64
	if plan.coneRef != nil {
		m, err := sc.rt.model(ctx, plan.coneRef)
		if err != nil {
			return nil, err
		}
		res, err := m.Cones(ctx, img, out.SpacingPx, !sc.rt.models.NoTTA)
		if err != nil {
			return nil, fmt.Errorf("cone model %s: %w", cones.Detector, err)
		}
		pts = res.Points
		var mean float64
		g.Cols, g.Rows, vals, mean = modelUncertainty(res, img.W, img.H, cell)
		out.MeanUncertainty = &mean
	} else {
		pts, g.Cols, g.Rows, vals = imaging.DetectConesWithUncertainty(img, opts, cell)
	}
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
	if err := sc.report(ctx, 0.6, "segmenting capillaries with "+plan.vessels.Detector+onDevice(plan.vessels.Device)); err != nil {
		return nil, err
	}
	if out.Vessels, err = segmentVessels(ctx, sc, img); err != nil {
		return nil, err
	}
	return &stepResult{output: out}, nil
}

func onDevice(d string) string {
	if d == "" {
		return ""
	}
	return " on " + d
}

// segmentVessels runs the planned capillary detector and stores its map and centre line.
func segmentVessels(ctx context.Context, sc *stepContext, img *imaging.Image) (*vesselOutput, error) {
	out := &vesselOutput{detectorUsed: sc.plan.vessels}
	var res imaging.VesselResult
	if ref := sc.plan.vesselRef; ref != nil {
		m, err := sc.rt.model(ctx, ref)
		if err != nil {
			return nil, err
		}
		prob, _, err := m.Vessels(ctx, img, false)
		if err != nil {
			return nil, fmt.Errorf("capillary model %s: %w", out.Detector, err)
		}
		res = imaging.VesselsFromMask(inference.Mask(prob, m.Card().Postprocess.Threshold), prob.Pix, prob.W, prob.H, minVesselAreaPx)
	} else {
		res = imaging.DetectVessels(img, imaging.VesselOptions{})
	}
	vmap := image.NewGray(image.Rect(0, 0, res.W, res.H))
	for i, m := range res.Mask {
		switch {
		case res.Skeleton[i]:
			vmap.Pix[i] = 255
		case m:
			vmap.Pix[i] = 128
		}
		if m {
			out.AreaPx++
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, vmap); err != nil {
		return nil, fmt.Errorf("encode vessel map: %w", err)
	}
	var err error
	if out.MapKey, err = sc.put(ctx, "vessels.png", "image/png", "vessels", buf.Bytes()); err != nil {
		return nil, err
	}
	samples := res.Samples
	if samples == nil {
		samples = []imaging.VesselSample{}
	}
	sb, err := json.Marshal(samples)
	if err != nil {
		return nil, fmt.Errorf("encode vessel samples: %w", err)
	}
	if out.SamplesKey, err = sc.put(ctx, "vessel-samples.json", "application/json", "vessel_samples", sb); err != nil {
		return nil, err
	}
	return out, nil
}

// minVesselAreaPx drops specks of the capillary model's mask, as DetectVessels does its own.
const minVesselAreaPx = 30

// decodeVessels reads back what segmentVessels stored into the VesselResult the capillary
// metrics measure.
func decodeVessels(mapPNG, samples []byte) (imaging.VesselResult, error) {
	im, err := png.Decode(bytes.NewReader(mapPNG))
	if err != nil {
		return imaging.VesselResult{}, fmt.Errorf("vessel map: %w: %w", err, asynq.SkipRetry)
	}
	g, ok := im.(*image.Gray)
	if !ok {
		return imaging.VesselResult{}, fmt.Errorf("vessel map is %T, not grey: %w", im, asynq.SkipRetry)
	}
	w, h := g.Rect.Dx(), g.Rect.Dy()
	res := imaging.VesselResult{W: w, H: h, Mask: make([]bool, w*h), Skeleton: make([]bool, w*h)}
	for y := range h {
		for x := range w {
			v := g.Pix[y*g.Stride+x]
			res.Mask[y*w+x], res.Skeleton[y*w+x] = v >= 64, v >= 192
		}
	}
	if err := json.Unmarshal(samples, &res.Samples); err != nil {
		return imaging.VesselResult{}, fmt.Errorf("vessel samples: %w: %w", err, asynq.SkipRetry)
	}
	return res, nil
}

// modelUncertainty is the cone model's uncertainty per cell, 0 (sure) to 1: the larger of
// the mean per-mark uncertainty of the cell's marks (1 − agreement over the augmentations;
// 1 − the heat-map peak without them) and twice the standard deviation of the heat map
// over the augmentations, averaged over the cell (the heat map lies in [0, 1], so its
// standard deviation is at most ½): doubt where marks were found, and where one flip saw a
// cone the others did not. mean is the mean per-mark uncertainty, what QC judges.
func modelUncertainty(res inference.ConeResult, w, h, cell int) (cols, rows int, vals []float64, mean float64) {
	cols, rows = (w+cell-1)/cell, (h+cell-1)/cell
	vals = make([]float64, cols*rows)
	sum, n := make([]float64, cols*rows), make([]int, cols*rows)
	for i, p := range res.Points {
		u := 0.0
		switch {
		case i < len(res.Uncertainty):
			u = res.Uncertainty[i]
		case i < len(res.Confidence):
			u = 1 - res.Confidence[i]
		}
		u = min(1, max(0, u))
		mean += u
		c, r := int(p.X)/cell, int(p.Y)/cell
		if c < 0 || r < 0 || c >= cols || r >= rows {
			continue
		}
		sum[r*cols+c] += u
		n[r*cols+c]++
	}
	if len(res.Points) > 0 {
		mean /= float64(len(res.Points))
	}
	if v := res.Variance; v != nil && v.W == w && v.H == h {
		vs, vn := make([]float64, cols*rows), make([]int, cols*rows)
		for y := range h {
			for x := range w {
				k := (y/cell)*cols + x/cell
				vs[k] += float64(v.Pix[y*w+x])
				vn[k]++
			}
		}
		for k := range vals {
			if vn[k] > 0 {
				vals[k] = min(1, 2*math.Sqrt(max(0, vs[k]/float64(vn[k]))))
			}
		}
	}
	for k := range vals {
		if n[k] > 0 {
			vals[k] = max(vals[k], sum[k]/float64(n[k]))
		}
	}
	return cols, rows, vals, mean
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
