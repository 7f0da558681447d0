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
	// UmPerPx and PixelSizeSource are the calibration measured with; NONE means no µm or
	// mm² metric was produced (QC raises UNCALIBRATED).
	UmPerPx         float64 `json:"um_per_px"`
	PixelSizeSource string  `json:"pixel_size_source"`
	// DetectedSpacingPx is the detections' modal spacing (from their mean inter-cell
	// distance) and SpectrumSpacingPx the spectrum's (segment), for QC to compare.
	DetectedSpacingPx float64 `json:"detected_spacing_px"`
	SpectrumSpacingPx float64 `json:"spectrum_spacing_px"`
	// RingExcess is how far the cone ring stands out of the spectrum (confocal images,
	// imaging.ConeRingProminence); CheckRing says it was measured.
	RingExcess float64 `json:"ring_excess"`
	CheckRing  bool    `json:"check_ring"`
	// ModelUncertainty is the cone model's mean per-mark uncertainty (segment), for QC;
	// absent for the classical detector.
	ModelUncertainty *float64 `json:"model_uncertainty,omitempty"`
	// Features are the run's drift features: the image's (preprocess) and the marks'; the
	// cone model version that found the marks (0: the classical detector) goes with them.
	Features       map[string]float64 `json:"features,omitempty"`
	ModelVersionID int64              `json:"model_version_id,omitempty"`
	// NotAOImage: nothing was measured (see preprocessOutput.NotAOImage).
	NotAOImage bool `json:"not_ao_image,omitempty"`
}

// metricsStep measures the cone mosaic, each figure with a bootstrap 95% interval.
func metricsStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	var pre preprocessOutput
	var seg segmentOutput
	oct, err := sc.enFace(&pre)
	if err != nil {
		return nil, err
	}
	var b []byte
	if err := sc.input(jobs.StepSegment, &seg); err != nil {
		return nil, err
	}
	if pre.NotAOImage != "" {
		// Not an AO retinal image: nothing is measured, QC says why.
		return &stepResult{output: metricsOutput{NotAOImage: true, PixelSizeSource: sc.pixelSource}, replaceMetrics: true}, nil
	}
	b, err = sc.get(ctx, seg.PointsKey)
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
	// Without a calibrated pixel size the mosaic is measured in pixels (1 µm per px stands
	// for 1 px) and no µm or mm² figure is recorded.
	calibrated := sc.umPerPx > 0
	scale := sc.umPerPx
	if !calibrated {
		scale = 1
	}
	m := imaging.ConeMetrics(pts, pre.W, pre.H, scale, imaging.ConeMetricsOptions{Bootstrap: imaging.BootstrapOptions{Seed: seed}})
	out := metricsOutput{Count: m.Count, UmPerPx: sc.umPerPx, PixelSizeSource: sc.pixelSource, ModelUncertainty: seg.MeanUncertainty}
	out.Features = imaging.DriftFeatures(imaging.DriftInputs{Marks: pts, W: pre.W, H: pre.H, UmPerPx: sc.umPerPx,
		MeanUncertainty: seg.MeanUncertainty})
	for k, v := range pre.InputFeatures {
		out.Features[k] = v
	}
	if seg.Cones != nil {
		out.ModelVersionID = seg.Cones.ModelVersionID
	}
	if finite(m.ICDUm.Value) {
		out.DetectedSpacingPx = m.ICDUm.Value / scale
	}
	if calibrated {
		out.DensityPerMM2 = m.DensityPerMM2.Value
	}
	res := &stepResult{output: out, replaceMetrics: true}
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
	// The spectrum's own spacing (Yellott's ring), whatever the eccentricity hint: QC
	// compares it with the detections'.
	modality := imaging.ConeModality(sc.params.Modality)
	if modality == "" {
		modality = imaging.ConeConfocal
	}
	out.SpectrumSpacingPx = imaging.ConeSpacingPx(img, imaging.ConeDetectOptions{Modality: modality})
	if modality == imaging.ConeConfocal {
		_, out.RingExcess = imaging.ConeRingProminence(img)
		out.CheckRing = true
	}
	res.output = out
	nerveOpts := imaging.NerveOptions{Bootstrap: imaging.BootstrapOptions{Seed: seed}}
	var nerve imaging.NerveResult
	if oct != nil {
		// Nerve fibres are measured on the NFL slab of an OCT volume, its speckle reduced
		// for the orientation.
		nfl, err := sc.slab(ctx, oct, imaging.SlabNFL)
		if err != nil {
			return nil, err
		}
		nerve = imaging.SlabNerveFibreOrientation(nfl, nerveOpts)
	} else {
		nerve = imaging.NerveFibreOrientation(img, nerveOpts)
	}
	field, err := encodeGrid("orientation", imaging.OrientationGrid(nerve))
	if err != nil {
		return nil, err
	}
	if _, err := sc.put(ctx, "orientation.json", "application/json", "orientation", field); err != nil {
		return nil, err
	}
	res.metrics = append(res.metrics, db.Metric{Name: "nfl_coherence", Value: nerve.MeanCoherence, Unit: ""})

	type metric struct {
		name string
		est  imaging.Estimate
		unit string
	}
	all := []metric{
		{"percent_hex", m.PercentHex, "%"},
		{"regularity_index", m.RegularityIndex, ""},
		{"nfl_orientation", nerve.DominantOrientationDeg, "°"},
	}
	if calibrated {
		all = append(all, metric{"cone_density", m.DensityPerMM2, "cells/mm²"}, metric{"nnd", m.NNDUm, "µm"}, metric{"icd", m.ICDUm, "µm"})
	} else {
		all = append(all, metric{"nnd_px", m.NNDUm, "px"}, metric{"icd_px", m.ICDUm, "px"})
	}
	// The capillary network the segment step found, measured at the same calibration.
	if seg.Vessels != nil {
		if err := sc.report(ctx, 0.85, "measuring capillaries"); err != nil {
			return nil, err
		}
		vm, err := sc.get(ctx, seg.Vessels.MapKey)
		if err != nil {
			return nil, err
		}
		vs, err := sc.get(ctx, seg.Vessels.SamplesKey)
		if err != nil {
			return nil, err
		}
		vres, err := decodeVessels(vm, vs)
		if err != nil {
			return nil, err
		}
		cm := imaging.CapillaryMetrics(vres, scale, imaging.CapillaryMetricsOptions{Bootstrap: imaging.BootstrapOptions{Seed: seed}})
		// With no branch or no centre line, tortuosity and diameter are undefined (CapillaryMetrics
		// answers 0): not recorded.
		all = append(all, metric{"capillary_area_density", cm.AreaDensity, "%"})
		if cm.Branches > 0 {
			all = append(all, metric{"capillary_tortuosity", cm.Tortuosity, ""})
		}
		switch {
		case len(vres.Samples) == 0:
		case calibrated:
			all = append(all, metric{"capillary_length_density", cm.LengthDensityPerMM, "mm/mm²"}, metric{"capillary_diameter", cm.MeanDiameterUm, "µm"})
		default:
			all = append(all, metric{"capillary_diameter_px", cm.MeanDiameterUm, "px"})
		}
	}
	for _, e := range all {
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
	if oct != nil {
		if err := sc.report(ctx, 0.85, "measuring capillaries and layer thickness"); err != nil {
			return nil, err
		}
		more, err := octMetrics(ctx, sc, oct, nerve, seed)
		if err != nil {
			return nil, err
		}
		res.metrics = append(res.metrics, more...)
	}
	return res, nil
}

func finite(v float64) bool { return v == v && v < 1e308 && v > -1e308 }
