package imaging

import (
	"fmt"
	"math"
	"slices"
)

// QC flag codes.
const (
	QCLowSNR            = "LOW_SNR"
	QCResidualMotion    = "RESIDUAL_MOTION"
	QCDensityOutOfRange = "DENSITY_OUT_OF_RANGE"
	QCTooFewCells       = "TOO_FEW_CELLS"
	QCHighUncertainty   = "HIGH_UNCERTAINTY"
	// QCUncalibrated: the pixel size is unknown, so no µm or mm² metric was produced.
	QCUncalibrated = "UNCALIBRATED"
	// QCNotAOImage: the file is not an adaptive-optics retinal image; nothing was measured.
	QCNotAOImage = "NOT_AO_IMAGE"
	// QCSpacingMismatch: the detections' spacing disagrees with the spectrum's (Yellott's
	// ring): the detector found another structure (rods, noise) or missed cones.
	QCSpacingMismatch = "SPACING_MISMATCH"
	// QCNoConeMosaic: a confocal image whose power spectrum has no cone ring: not a cone
	// mosaic (another organ, noise, a blank or defocused frame), so its counts mean nothing.
	QCNoConeMosaic = "NO_CONE_MOSAIC"
	// QCInputOutOfReference: an input feature of the image (DriftFeatures) lies outside
	// what the cone model version was evaluated on (OutsideReference).
	QCInputOutOfReference = "INPUT_OUT_OF_REFERENCE"
	// MinConeRingExcess is the least ConeRingProminence excess of a confocal cone mosaic:
	// the shared set's 200 confocal images give 1.54 and more; CT, MR, PET and CR slices
	// 0.3–0.9, noise and smooth gradients about 0.35 (TestConeRingTellsMosaicsFromOthers).
	MinConeRingExcess = 1.1
	// defaultSpacingTolerance is the largest ratio between detected and spectral spacing
	// taken as agreement in confocal images (the shared set's experts' marks reach 1.12);
	// split-detector spectra are weaker and their experts' marks reach 1.58.
	defaultSpacingTolerance = 1.3
	splitSpacingTolerance   = 1.65
	qcSeverityWarning       = "warning"
	qcSeverityError         = "error"
	defaultMinSNR           = 2
	defaultMaxMotionPx      = 0.5
	defaultMinCells         = 50
	defaultMaxUncertain     = 0.2
)

// QCLimits are the thresholds of QC; zero fields take the defaults.
type QCLimits struct {
	// MinSNR is the lowest acceptable EstimateSNR value (default 2).
	MinSNR float64 `json:"minSnr"`
	// MaxResidualMotionPx is the largest acceptable RMS residual motion after registration,
	// in px (default 0.5).
	MaxResidualMotionPx float64 `json:"maxResidualMotionPx"`
	// MinCells is the fewest cones that give a meaningful mosaic (default 50).
	MinCells int `json:"minCells"`
	// DensityFactor is the tolerance band around the normative density: a density d is in
	// range while normative/DensityFactor ≤ d ≤ normative·DensityFactor (default
	// NormativeDensityFactor at the eccentricity).
	DensityFactor float64 `json:"densityFactor"`
	// MaxUncertainty is the largest acceptable model uncertainty (default 0.2).
	MaxUncertainty float64 `json:"maxUncertainty"`
	// SpacingTolerance is the largest ratio, either way, between the detections' spacing and
	// the spectrum's taken as agreement (default 1.3; SpacingTolerance(modality)).
	SpacingTolerance float64 `json:"spacingTolerance"`
}

// SpacingTolerance is the QC tolerance between detected and spectral cone spacing for a
// modality: 1.3 for confocal, 1.65 for split-detector images, whose spectral ring is weaker
// (TestSpacingAgreesOnSharedImages measures both on the shared set).
func SpacingTolerance(m ConeModality) float64 {
	if m == ConeSplitDetector {
		return splitSpacingTolerance
	}
	return defaultSpacingTolerance
}

// QCInput carries what QC judges. Zero means "not measured" for SNR, density and
// uncertainty.
type QCInput struct {
	SNR              float64 `json:"snr"`
	ResidualMotionPx float64 `json:"residualMotionPx"`
	DensityPerMM2    float64 `json:"densityPerMm2"`
	// EccentricityDeg is the retinal eccentricity of the image; it is used only when
	// HasEccentricity is set.
	EccentricityDeg float64 `json:"eccentricityDeg"`
	HasEccentricity bool    `json:"hasEccentricity"`
	ConeCount       int     `json:"coneCount"`
	// CountCones enables the TOO_FEW_CELLS check (images without a mosaic skip it).
	CountCones bool `json:"countCones"`
	// ModelUncertainty is a detector's uncertainty in [0, 1] (e.g. mean predictive entropy).
	ModelUncertainty float64  `json:"modelUncertainty"`
	Limits           QCLimits `json:"limits"`
	// Uncalibrated: no pixel size is known (density is then not judged).
	Uncalibrated bool `json:"uncalibrated"`
	// DetectedSpacingPx (the detections' mean inter-cell distance) and SpectrumSpacingPx
	// (the power spectrum's ring) are compared when both are above zero.
	DetectedSpacingPx float64 `json:"detectedSpacingPx"`
	SpectrumSpacingPx float64 `json:"spectrumSpacingPx"`
	// CheckRing enables NO_CONE_MOSAIC: RingExcess (ConeRingProminence) below
	// MinConeRingExcess. Confocal images only: split-detector rings are too faint to tell.
	CheckRing  bool    `json:"checkRing"`
	RingExcess float64 `json:"ringExcess"`
}

func (l QCLimits) withDefaults() QCLimits {
	if l.MinSNR <= 0 {
		l.MinSNR = defaultMinSNR
	}
	if l.MaxResidualMotionPx <= 0 {
		l.MaxResidualMotionPx = defaultMaxMotionPx
	}
	if l.MinCells <= 0 {
		l.MinCells = defaultMinCells
	}
	if l.MaxUncertainty <= 0 {
		l.MaxUncertainty = defaultMaxUncertain
	}
	if l.SpacingTolerance <= 1 {
		l.SpacingTolerance = defaultSpacingTolerance
	}
	return l
}

// NormativeConeDensityRange returns the normal range of human cone density (cells/mm²) at an
// eccentricity in degrees: the Curcio et al. (1990) mean (CurcioConeDensity, at MMPerDegree
// mm per degree) divided and multiplied by factor. With factor ≤ 1 the factor is
// NormativeDensityFactor(eccDeg), the between-subject spread published for healthy eyes.
func NormativeConeDensityRange(eccDeg, factor float64) (low, mean, high float64) {
	if factor <= 1 {
		factor = NormativeDensityFactor(eccDeg)
	}
	mean = CurcioConeDensity(eccDeg * MMPerDegree)
	return mean / factor, mean, mean * factor
}

// NormativeDensityFactor is the multiplicative half-width of the normal cone density range at
// an eccentricity in degrees, from published between-subject spread in healthy eyes:
//
//   - at and near the foveal centre (≤ 1°) a factor of 2: Curcio, Sloan, Kalina & Hendrickson,
//     J. Comp. Neurol. 292:497 (1990), found peak densities of 98,200–324,100 cones/mm² around
//     their 199,000 mean in eight eyes, and in vivo AO the range at 1° was 34,900–63,000
//     cones/mm² in ten normal trichromats ("Variability in parafoveal cone mosaic in normal
//     trichromatic individuals", Biomed. Opt. Express 2(5):1351, 2011);
//   - from 3.5° outwards a factor of 1.6: a between-subject coefficient of variation of
//     10–15% (Legras, Gaudric & Woog, PLoS One 13:e0191141, 2018: 28,884 ± 3,692 cones/mm² at
//     2° and 15,843 ± 1,598 at 6° in 109 eyes; Lombardo et al., "Eccentricity dependent changes of
//     density, spacing and packing arrangement of parafoveal cones", Ophthalmic Physiol. Opt.
//     33(4), 2013: 10–15% at 250–1100 µm), so ±3 SD and the histological mean's own error
//     stay inside it;
//   - in between, log-linear in eccentricity.
//
// The shared AOSLO data (Cunefare et al., Sci. Rep. 7:6620, 2017) lie inside this range at
// their eccentricity (TestNormativeRangeContainsSharedNormals).
func NormativeDensityFactor(eccDeg float64) float64 {
	const near, far, e0, e1 = 2.0, 1.6, 1.0, 3.5
	e := math.Abs(eccDeg)
	switch {
	case e <= e0:
		return near
	case e >= e1:
		return far
	}
	t := (e - e0) / (e1 - e0)
	return math.Exp(math.Log(near) + t*(math.Log(far)-math.Log(near)))
}

// QC returns the quality-control flags raised by in, in a stable order (by code).
func QC(in QCInput) []QCFlag {
	l := in.Limits.withDefaults()
	var flags []QCFlag
	if in.SNR > 0 && in.SNR < l.MinSNR {
		flags = append(flags, QCFlag{QCLowSNR, qcSeverityWarning,
			fmt.Sprintf("SNR %.2f is below %.2f", in.SNR, l.MinSNR)})
	}
	if in.ResidualMotionPx > l.MaxResidualMotionPx {
		flags = append(flags, QCFlag{QCResidualMotion, qcSeverityWarning,
			fmt.Sprintf("residual motion %.2f px exceeds %.2f px", in.ResidualMotionPx, l.MaxResidualMotionPx)})
	}
	if in.CountCones && in.ConeCount < l.MinCells {
		flags = append(flags, QCFlag{QCTooFewCells, qcSeverityError,
			fmt.Sprintf("%d cones found, at least %d are needed for mosaic metrics", in.ConeCount, l.MinCells)})
	}
	if in.Uncalibrated {
		flags = append(flags, QCFlag{QCUncalibrated, qcSeverityWarning,
			"the pixel size is unknown: no µm or mm² metric was produced; set it (µm per pixel, or the device's field of view and the eye's axial length)"})
	}
	if in.CheckRing && in.RingExcess < MinConeRingExcess {
		flags = append(flags, QCFlag{QCNoConeMosaic, qcSeverityError,
			fmt.Sprintf("no cone mosaic: the power spectrum has no cone ring (excess %.2f, a cone mosaic gives at least %.2f); is this an AO retinal image?", in.RingExcess, MinConeRingExcess)})
	}
	if in.DetectedSpacingPx > 0 && in.SpectrumSpacingPx > 0 {
		r := in.DetectedSpacingPx / in.SpectrumSpacingPx
		if r > l.SpacingTolerance || r < 1/l.SpacingTolerance {
			flags = append(flags, QCFlag{QCSpacingMismatch, qcSeverityWarning,
				fmt.Sprintf("the detections are %.1f px apart but the spectrum's cone ring says %.1f px", in.DetectedSpacingPx, in.SpectrumSpacingPx)})
		}
	}
	if in.HasEccentricity && in.DensityPerMM2 > 0 && !in.Uncalibrated {
		lo, mean, hi := NormativeConeDensityRange(in.EccentricityDeg, in.Limits.DensityFactor)
		if in.DensityPerMM2 < lo || in.DensityPerMM2 > hi {
			flags = append(flags, QCFlag{QCDensityOutOfRange, qcSeverityWarning,
				fmt.Sprintf("density %.0f cells/mm² is outside the normal range %.0f–%.0f (mean %.0f) at %.1f° eccentricity",
					in.DensityPerMM2, lo, hi, mean, in.EccentricityDeg)})
		}
	}
	if in.ModelUncertainty > l.MaxUncertainty {
		flags = append(flags, QCFlag{QCHighUncertainty, qcSeverityWarning,
			fmt.Sprintf("model uncertainty %.3f exceeds %.3f", in.ModelUncertainty, l.MaxUncertainty)})
	}
	slices.SortFunc(flags, func(a, b QCFlag) int {
		switch {
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	return flags
}

// EstimateSNR returns the image's amplitude signal-to-noise ratio σ_signal/σ_noise. The noise
// σ is estimated robustly from the residual of Immerkær's 3×3 Laplacian-difference mask
// (which cancels any locally planar signal): σ_noise = 1.4826·MAD(residual)/6, the 6 being
// the mask's L2 norm. The signal σ is the image's standard deviation with the noise variance
// removed: σ_signal = √max(var(image) − σ_noise², 0). Fine structure near the pixel scale
// leaks into the residual, so on sharp cone images this is a lower bound on the true SNR;
// it returns MaxSNR for a noise-free image and 0 for one too small to measure.
func EstimateSNR(img *Image) float64 {
	w, h := img.W, img.H
	if w < 3 || h < 3 {
		return 0
	}
	res := make([]float64, 0, (w-2)*(h-2))
	var sum, sum2 float64
	for _, v := range img.Pix {
		sum += float64(v)
		sum2 += float64(v) * float64(v)
	}
	n := float64(len(img.Pix))
	mean := sum / n
	variance := math.Max(sum2/n-mean*mean, 0)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			at := func(dx, dy int) float64 { return float64(img.Pix[(y+dy)*w+x+dx]) }
			r := at(-1, -1) - 2*at(0, -1) + at(1, -1) -
				2*at(-1, 0) + 4*at(0, 0) - 2*at(1, 0) +
				at(-1, 1) - 2*at(0, 1) + at(1, 1)
			res = append(res, r)
		}
	}
	med := qcMedian(res)
	for i, r := range res {
		res[i] = math.Abs(r - med)
	}
	sigma := 1.4826 * qcMedian(res) / 6
	if sigma == 0 {
		if variance == 0 {
			return 0
		}
		return MaxSNR
	}
	return math.Min(math.Sqrt(math.Max(variance-sigma*sigma, 0))/sigma, MaxSNR)
}

// MaxSNR stands for an unmeasurably high SNR (a noise-free image), keeping JSON finite.
const MaxSNR = 1e6

// qcMedian returns the median of v, reordering it.
func qcMedian(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}
