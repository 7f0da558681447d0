package worker

import (
	"context"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/jobs"
)

// MaxModelUncertainty is the highest mean per-mark uncertainty (soft TTA disagreement) of
// the shipped cone model for modality that QC accepts without HIGH_UNCERTAINTY. Measured on
// the validation subjects the models never saw (BenchmarkUncertaintyThreshold):
//   - confocal: the 80 validation images give 0.094–0.147 (all Dice ≥ 0.98); the model gives
//     0.21 on a nerve-fibre phantom, 0.34 on noise and 0.38 on a capillary phantom. 0.18
//     passes every real mosaic and flags what is not one.
//   - split-detector: the 43 validation images give 0.18–0.49; the two above 0.42 are the two
//     worst (Dice 0.90, against 0.96 and more for the rest, the target being 0.955),
//     and non-mosaic content gives 0.54 and more. 0.42 flags those.
func MaxModelUncertainty(modality imaging.ConeModality) float64 {
	if modality == imaging.ConeSplitDetector {
		return 0.42
	}
	return 0.18
}

// qcOutput lists the codes raised.
type qcOutput struct {
	Flags []string `json:"flags"`
}

// qcStep judges the run: not an AO retinal image, no calibrated pixel size, signal-to-noise,
// residual motion, cone count, density against the normative range at the run's
// eccentricity, and the detections' spacing against the spectrum's.
func qcStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	var pre preprocessOutput
	var met metricsOutput
	if _, err := sc.enFace(&pre); err != nil {
		return nil, err
	}
	if err := sc.input(jobs.StepMetrics, &met); err != nil {
		return nil, err
	}
	if err := sc.report(ctx, 0.5, "quality control"); err != nil {
		return nil, err
	}
	var flags []imaging.QCFlag
	if pre.NotAOImage != "" || met.NotAOImage {
		flags = []imaging.QCFlag{{Code: imaging.QCNotAOImage, Severity: "error",
			Message: "not measured: " + pre.NotAOImage}}
	} else {
		in := imaging.QCInput{SNR: pre.SNR, ConeCount: met.Count, CountCones: true, DensityPerMM2: met.DensityPerMM2,
			EccentricityDeg: sc.params.EccentricityDeg, HasEccentricity: sc.params.EccentricityDeg > 0,
			Uncalibrated: !(met.UmPerPx > 0), DetectedSpacingPx: met.DetectedSpacingPx, SpectrumSpacingPx: met.SpectrumSpacingPx,
			CheckRing: met.CheckRing, RingExcess: met.RingExcess,
			Limits: imaging.QCLimits{SpacingTolerance: imaging.SpacingTolerance(imaging.ConeModality(sc.params.Modality)),
				MaxUncertainty: MaxModelUncertainty(imaging.ConeModality(sc.params.Modality))}}
		if met.ModelUncertainty != nil {
			in.ModelUncertainty = *met.ModelUncertainty
		}
		flags = imaging.QC(in)
	}
	res := &stepResult{setQC: true, output: qcOutput{Flags: []string{}}}
	if len(met.Features) > 0 {
		f, err := driftFeatures(ctx, sc, met)
		if err != nil {
			return nil, err
		}
		res.features = f.rf
		if len(f.outside) > 0 {
			flags = append(flags, imaging.QCFlag{Code: imaging.QCInputOutOfReference, Severity: "warning",
				Message: "outside what the model was evaluated on (0.5th–99.5th percentile): " + strings.Join(f.outside, ", ")})
		}
	}
	for _, f := range flags {
		res.qc = append(res.qc, db.QCFlag{Code: f.Code, Severity: f.Severity, Message: f.Message})
		out := res.output.(qcOutput)
		out.Flags = append(out.Flags, f.Code)
		res.output = out
	}
	return res, nil
}

type qcFeatures struct {
	rf      *runFeatures
	outside []string
}

// driftFeatures are the run's drift features for the record, and the input features outside
// the reference of the cone model version that produced the outputs (its latest succeeded
// evaluation in the run's project); the classical detector has no reference.
func driftFeatures(ctx context.Context, sc *stepContext, met metricsOutput) (qcFeatures, error) {
	f := qcFeatures{rf: &runFeatures{features: met.Features}}
	if met.ModelVersionID == 0 {
		return f, nil
	}
	id := met.ModelVersionID
	f.rf.versionID = &id
	ref, err := db.ReferenceFeaturesForRun(ctx, sc.rt.db, id, sc.run.ID)
	if err != nil {
		return f, err
	}
	rows := make([]map[string]float64, len(ref))
	for i, r := range ref {
		rows[i] = r
	}
	f.outside = imaging.OutsideReference(met.Features, rows)
	return f, nil
}
