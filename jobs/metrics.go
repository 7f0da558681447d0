package jobs

import (
	"context"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
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
	if err := sc.input(StepPreprocess, &pre); err != nil {
		return nil, err
	}
	if err := sc.input(StepSegment, &seg); err != nil {
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
