package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
)

// slab reads one of the layers step's slab images.
func (sc *stepContext) slab(ctx context.Context, oct *layersOutput, name string) (*imaging.Image, error) {
	a, ok := oct.Slabs[name]
	if !ok {
		return nil, fmt.Errorf("the run has no %q slab: %w", name, asynq.SkipRetry)
	}
	b, err := sc.get(ctx, a.Key)
	if err != nil {
		return nil, err
	}
	return decodeFloat32(b, oct.W, oct.H)
}

// isVascularSlab says which slabs hold capillaries: all but the photoreceptor and NFL slabs.
func isVascularSlab(name string) bool {
	return name != imaging.SlabPhotoreceptor && name != imaging.SlabNFL
}

// octMetrics measures what only an OCT volume has: capillary density, length density,
// diameter and tortuosity per vascular slab (classical Hessian vesselness), the nerve-fibre
// bundle width on the NFL slab, and each layer's mean thickness, all with 95% intervals.
// µm and mm figures need the lateral calibration (thicknesses the axial one); without it
// they are recorded in px under names ending in _px.
func octMetrics(ctx context.Context, sc *stepContext, oct *layersOutput, nerve imaging.NerveResult, seed uint64) ([]db.Metric, error) {
	var out []db.Metric
	add := func(name, unit string, e imaging.Estimate) {
		if !finite(e.Value) {
			return
		}
		m := db.Metric{Name: name, Value: e.Value, Unit: unit}
		if finite(e.CI95Low) && finite(e.CI95High) {
			lo, hi := e.CI95Low, e.CI95High
			m.CI95Low, m.CI95High = &lo, &hi
		}
		out = append(out, m)
	}
	lateral := sc.umPerPx > 0
	scale := sc.umPerPx
	if !lateral {
		scale = 1
	}
	for _, s := range sc.slabNames(oct) {
		if !isVascularSlab(s) {
			continue
		}
		img, err := sc.slab(ctx, oct, s)
		if err != nil {
			return nil, err
		}
		res := imaging.DetectSlabVessels(img)
		m := imaging.CapillaryMetrics(res, scale, imaging.CapillaryMetricsOptions{Bootstrap: imaging.BootstrapOptions{Seed: seed}})
		add("capillary_area_density_"+s, "%", m.AreaDensity)
		add("capillary_tortuosity_"+s, "", m.Tortuosity)
		if lateral {
			add("capillary_length_density_"+s, "mm/mm²", m.LengthDensityPerMM)
			add("capillary_diameter_"+s, "µm", m.MeanDiameterUm)
		} else {
			add("capillary_diameter_"+s+"_px", "px", m.MeanDiameterUm)
		}
	}
	w := nerve.BundleWidthPx
	if lateral {
		add("nfl_bundle_width", "µm", imaging.Estimate{Value: w.Value * scale, CI95Low: w.CI95Low * scale, CI95High: w.CI95High * scale})
	} else {
		add("nfl_bundle_width_px", "px", w)
	}
	for _, l := range imaging.RetinalLayers {
		key, ok := oct.ThicknessKeys[l.Name]
		if !ok {
			continue
		}
		b, err := sc.get(ctx, key)
		if err != nil {
			return nil, err
		}
		var g imaging.ScalarGrid
		if err := json.Unmarshal(b, &g); err != nil {
			return nil, fmt.Errorf("thickness grid %s: %w: %w", l.Name, err, asynq.SkipRetry)
		}
		e := imaging.GridMean(g, 4)
		if oct.AxialUm > 0 {
			a := oct.AxialUm
			add("thickness_"+l.Name, "µm", imaging.Estimate{Value: e.Value * a, CI95Low: e.CI95Low * a, CI95High: e.CI95High * a})
		} else {
			add("thickness_"+l.Name+"_px", "px", e)
		}
	}
	return out, nil
}

// slabNames lists the run's slabs in their defined order.
func (sc *stepContext) slabNames(oct *layersOutput) []string {
	slabs := sc.params.Slabs
	if len(slabs) == 0 {
		slabs = imaging.DefaultSlabs()
	}
	var names []string
	for _, s := range slabs {
		if _, ok := oct.Slabs[s.Name]; ok {
			names = append(names, s.Name)
		}
	}
	return names
}
