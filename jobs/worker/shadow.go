package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/jobs"
)

// shadowOutput is what the shadow step records: the shadow version's agreement with the
// run's own marks, or why there is none. Its marks are never the run's results.
type shadowOutput struct {
	ModelVersionID  int64   `json:"model_version_id,omitempty"`
	Detector        string  `json:"detector,omitempty"`
	MarksKey        string  `json:"marks_key,omitempty"`
	Dice            float64 `json:"dice"`
	ProductionCount int     `json:"production_count"`
	ShadowCount     int     `json:"shadow_count"`
	// Error says why the shadow did not run; the run goes on regardless.
	Error string `json:"error,omitempty"`
}

// shadowStep runs the project's SHADOW cone version on the run's preprocessed image, stores
// its marks content-addressed, and records their agreement with the segment step's marks
// (imaging.ScoreDetections with those as the reference) in shadow_results. It never fails
// the run: whatever goes wrong is logged and recorded in its output, and the step succeeds.
func shadowStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	out, err := runShadow(ctx, sc)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx) // canceled or no longer ours: not the shadow's fault
		}
		sc.log.WarnContext(ctx, "shadow model failed; the run goes on", "run_id", sc.run.ID, "err", err)
		out.Error = err.Error()
	}
	return &stepResult{output: out}, nil
}

func runShadow(ctx context.Context, sc *stepContext) (shadowOutput, error) {
	var out shadowOutput
	var pre preprocessOutput
	if _, err := sc.enFace(&pre); err != nil {
		return out, err
	}
	if pre.NotAOImage != "" {
		return out, errors.New("not an AO retinal image")
	}
	var seg segmentOutput
	if err := sc.input(jobs.StepSegment, &seg); err != nil {
		return out, err
	}
	if seg.PointsKey == "" {
		return out, errors.New("the segment step found no cones to compare with")
	}
	project, err := db.ProjectOfRun(ctx, sc.rt.db, sc.run.ID)
	if err != nil {
		return out, err
	}
	modality := sc.params.Modality
	if modality == "" {
		modality = "confocal"
	}
	ref, err := db.StagedModel(ctx, sc.rt.db, jobs.TaskCones, modality, project, db.StageShadow)
	if err != nil {
		return out, fmt.Errorf("shadow version: %w", err)
	}
	out.ModelVersionID, out.Detector = ref.ID, ref.Name+" "+ref.Version
	if sc.rt.models == nil {
		return out, errors.New("this worker runs no models (no ONNX Runtime)")
	}
	b, err := sc.get(ctx, pre.ImageKey)
	if err != nil {
		return out, err
	}
	img, err := decodeFloat32(b, pre.W, pre.H)
	if err != nil {
		return out, err
	}
	pb, err := sc.get(ctx, seg.PointsKey)
	if err != nil {
		return out, err
	}
	prod, err := decodePoints(pb)
	if err != nil {
		return out, err
	}
	m, err := sc.rt.model(ctx, &ref)
	if err != nil {
		return out, err
	}
	res, err := m.Cones(ctx, img, seg.SpacingPx, false)
	if err != nil {
		return out, fmt.Errorf("shadow model %s: %w", out.Detector, err)
	}
	marks := encodePoints(res.Points)
	sum := sha256.Sum256(marks)
	out.MarksKey = "shadow/sha256/" + hex.EncodeToString(sum[:]) + ".csv"
	if _, err := sc.rt.store.Put(ctx, out.MarksKey, bytes.NewReader(marks), int64(len(marks)), "text/csv"); err != nil {
		return out, fmt.Errorf("store shadow marks: %w", err)
	}
	score := imaging.ScoreDetections(res.Points, prod, pre.W, pre.H)
	out.Dice, out.ProductionCount, out.ShadowCount = score.Dice, len(prod), len(res.Points)
	var prodVersion *int64
	if seg.Cones != nil && seg.Cones.ModelVersionID != 0 {
		id := seg.Cones.ModelVersionID
		prodVersion = &id
	}
	err = db.PutShadowResult(ctx, sc.rt.db, db.ShadowResult{RunID: sc.run.ID, ModelVersionID: ref.ID, ProductionVersionID: prodVersion,
		MarksKey: out.MarksKey, Dice: out.Dice, ProductionCount: out.ProductionCount, ShadowCount: out.ShadowCount})
	return out, err
}
