package worker

import (
	"context"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/jobs"
)

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
			Limits: imaging.QCLimits{SpacingTolerance: imaging.SpacingTolerance(imaging.ConeModality(sc.params.Modality))}}
		flags = imaging.QC(in)
	}
	res := &stepResult{setQC: true, output: qcOutput{Flags: []string{}}}
	for _, f := range flags {
		res.qc = append(res.qc, db.QCFlag{Code: f.Code, Severity: f.Severity, Message: f.Message})
		out := res.output.(qcOutput)
		out.Flags = append(out.Flags, f.Code)
		res.output = out
	}
	return res, nil
}
