package imaging

import (
	"math"
	"slices"
)

// Drift feature names: the keys of DriftFeatures' map, of run_features.features and of
// evaluation_items.features (the drift reference). They are never renamed. The two density
// keys carry different units and are never compared with each other.
const (
	FeatureMeanIntensity = "mean_intensity"
	FeatureContrast      = "contrast"
	FeatureSNR           = "snr"
	FeatureSpacingPx     = "spacing_px"
	FeatureMotionPx      = "motion_px"
	FeatureCount         = "count"
	// FeatureDensityPerMM2 is cones per mm², only with a calibrated pixel size.
	FeatureDensityPerMM2 = "density_per_mm2"
	// FeatureDensityPer10kPx2 is cones per 10⁴ px², only without one.
	FeatureDensityPer10kPx2 = "density_per_10kpx2"
	FeatureMeanUncertainty  = "mean_uncertainty"
)

// DriftFeatureKind says whether a drift feature describes the input image ("input") or the
// model's output ("output").
func DriftFeatureKind(name string) string {
	switch name {
	case FeatureCount, FeatureDensityPerMM2, FeatureDensityPer10kPx2, FeatureMeanUncertainty:
		return "output"
	}
	return "input"
}

// DriftInputs is what DriftFeatures measures one image and its cone marks from.
type DriftInputs struct {
	// Image is the image the marks were found in, BEFORE normalisation: the registered and
	// averaged frames holding the file's stored sample values (ingest's Volume), so that a
	// change of illumination (gain or offset) stays visible. Nil: no input feature.
	Image *Image
	// Modality picks the spacing estimator (ConeSpacingPx); empty means confocal.
	Modality ConeModality
	// MotionRMSPx is the RMS frame displacement registration found; nil when there was no
	// registration (one frame), and motion_px is then absent.
	MotionRMSPx *float64
	// Marks are the cone centres found; W and H the image size they were found in (taken
	// from Image when zero).
	Marks []Point
	W, H  int
	// UmPerPx is the calibrated pixel size; 0 means uncalibrated (density per 10⁴ px²).
	UmPerPx float64
	// MeanUncertainty is the cone model's mean per-mark uncertainty; nil for the classical
	// detector (mean_uncertainty absent).
	MeanUncertainty *float64
}

// DriftFeatures returns the per-image features the drift monitor compares with a model
// version's reference. Input features:
//   - mean_intensity: mean stored sample value;
//   - contrast: RMS contrast, std/mean (absent when the mean is not positive); a gain leaves
//     it unchanged, an offset does not;
//   - snr: EstimateSNR (the QC step's and the phantoms' definition): σ_signal/σ_noise with
//     σ_noise from the median absolute deviation of Immerkær's 3×3 high-pass residual
//     (robust to the mosaic's structure) and σ_signal the image's std with the noise
//     variance removed;
//   - spacing_px: the cone spacing ConeSpacingPx estimates for the modality (the spectrum's);
//   - motion_px: the registration's RMS frame displacement, when registered.
//
// Output features: count (marks), density (per mm² when calibrated, else per 10⁴ px²; over
// the whole frame) and mean_uncertainty when the model gave one. Non-finite values are left
// out, so every value present can be compared.
func DriftFeatures(in DriftInputs) map[string]float64 {
	f := map[string]float64{}
	put := func(k string, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			f[k] = v
		}
	}
	w, h := in.W, in.H
	if img := in.Image; img != nil && len(img.Pix) > 0 {
		if w == 0 && h == 0 {
			w, h = img.W, img.H
		}
		var sum, sum2 float64
		for _, v := range img.Pix {
			sum += float64(v)
			sum2 += float64(v) * float64(v)
		}
		n := float64(len(img.Pix))
		mean := sum / n
		std := math.Sqrt(math.Max(sum2/n-mean*mean, 0))
		put(FeatureMeanIntensity, mean)
		if mean > 0 {
			put(FeatureContrast, std/mean)
		}
		if img.W >= 3 && img.H >= 3 {
			put(FeatureSNR, EstimateSNR(img))
			m := in.Modality
			if m == "" {
				m = ConeConfocal
			}
			put(FeatureSpacingPx, ConeSpacingPx(img, ConeDetectOptions{Modality: m}))
		}
	}
	if in.MotionRMSPx != nil {
		put(FeatureMotionPx, *in.MotionRMSPx)
	}
	put(FeatureCount, float64(len(in.Marks)))
	if area := float64(w) * float64(h); area > 0 {
		if in.UmPerPx > 0 {
			mm2 := area * in.UmPerPx * in.UmPerPx / 1e6
			put(FeatureDensityPerMM2, float64(len(in.Marks))/mm2)
		} else {
			put(FeatureDensityPer10kPx2, float64(len(in.Marks))/area*1e4)
		}
	}
	if in.MeanUncertainty != nil {
		put(FeatureMeanUncertainty, *in.MeanUncertainty)
	}
	return f
}

// ReferenceQuantile is the tail left outside the reference range on each side by
// OutsideReference: an input feature below the reference's 0.5th or above its 99.5th
// percentile is out of it.
const ReferenceQuantile = 0.005

// OutsideReference returns, in name order, the input features of f outside the range
// [p0.5, p99.5] of reference (linearly interpolated percentiles; with fewer than 200
// reference images that is close to [min, max]). Features the reference lacks, or has
// fewer than 10 values of, are not judged.
func OutsideReference(f map[string]float64, reference []map[string]float64) []string {
	var out []string
	for k, v := range f {
		if DriftFeatureKind(k) != "input" {
			continue
		}
		var r []float64
		for _, row := range reference {
			if x, ok := row[k]; ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
				r = append(r, x)
			}
		}
		if len(r) < 10 {
			continue
		}
		slices.Sort(r)
		if v < percentile(r, ReferenceQuantile) || v > percentile(r, 1-ReferenceQuantile) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// percentile interpolates the sorted values linearly at q in [0, 1].
func percentile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}
