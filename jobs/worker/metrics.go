package worker

import (
	"context"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/jobs"
)

// metricsOutput carries the figures QC judges.
type metricsOutput struct {
	Count         int     `json:"count"`
	DensityPerMM2 float64 `json:"density_per_mm2"`
}

// metricsStep measures the cone mosaic, each figure with a bootstrap 95% interval.
func metricsStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	var pre preprocessOutput
	var seg segmentOutput
	if err := sc.input(jobs.StepPreprocess, &pre); err != nil {
		return nil, err
	}
	if err := sc.input(jobs.StepSegment, &seg); err != nil {
		return nil, err
	}
	b, err := sc.get(ctx, seg.PointsKey)
	if err != nil {
		return nil, err
	}
	pts, err := decodePoints(b)
	if err != nil {
		return nil, err
	}
	if err := sc.report(ctx, 0.3, "measuring the mosaic"); err != nil {
		return nil, err
	}
	seed := sc.params.Seed
	if seed == 0 {
		seed = 1
	}
	m := imaging.ConeMetrics(pts, pre.W, pre.H, pre.UmPerPx, imaging.ConeMetricsOptions{Bootstrap: imaging.BootstrapOptions{Seed: seed}})
	res := &stepResult{output: metricsOutput{Count: m.Count, DensityPerMM2: m.DensityPerMM2.Value}}
	res.metrics = append(res.metrics, db.Metric{Name: "cone_count", Value: float64(m.Count), Unit: "cells"})

	// Nerve-fibre orientation of the same image: a field for the viewer, the dominant angle
	// and the mean coherence (near 0 on a cone mosaic, which has no striation).
	if err := sc.report(ctx, 0.7, "measuring nerve-fibre orientation"); err != nil {
		return nil, err
	}
	b, err = sc.get(ctx, pre.ImageKey)
	if err != nil {
		return nil, err
	}
	img, err := decodeFloat32(b, pre.W, pre.H)
	if err != nil {
		return nil, err
	}
	nerve := imaging.NerveFibreOrientation(img, imaging.NerveOptions{Bootstrap: imaging.BootstrapOptions{Seed: seed}})
	field, err := encodeGrid("orientation", imaging.OrientationGrid(nerve))
	if err != nil {
		return nil, err
	}
	if _, err := sc.put(ctx, "orientation.json", "application/json", "orientation", field); err != nil {
		return nil, err
	}
	res.metrics = append(res.metrics, db.Metric{Name: "nfl_coherence", Value: nerve.MeanCoherence, Unit: ""})

	for _, e := range []struct {
		name string
		est  imaging.Estimate
		unit string
	}{
		{"cone_density", m.DensityPerMM2, "cells/mm²"},
		{"nnd", m.NNDUm, "µm"},
		{"icd", m.ICDUm, "µm"},
		{"percent_hex", m.PercentHex, "%"},
		{"regularity_index", m.RegularityIndex, ""},
		{"nfl_orientation", nerve.DominantOrientationDeg, "°"},
	} {
		if !finite(e.est.Value) {
			continue
		}
		mt := db.Metric{Name: e.name, Value: e.est.Value, Unit: e.unit}
		if e.unit == "" {
			mt.Unit = e.est.Unit
		}
		if finite(e.est.CI95Low) && finite(e.est.CI95High) {
			lo, hi := e.est.CI95Low, e.est.CI95High
			mt.CI95Low, mt.CI95High = &lo, &hi
		}
		res.metrics = append(res.metrics, mt)
	}
	return res, nil
}

func finite(v float64) bool { return v == v && v < 1e308 && v > -1e308 }
