package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/jobs"
)

// evaluateHandler runs an evaluation of a model version on a dataset (jobs.TypeEvaluate).
type evaluateHandler struct {
	s  *evaluation.Service
	rt *Runtime
}

func (h *evaluateHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p jobs.EvaluatePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("evaluate payload: %w: %w", err, asynq.SkipRetry)
	}
	err := h.s.Run(ctx, p.EvaluationID, h.rt)
	if err != nil && !errors.Is(err, asynq.SkipRetry) {
		// The last attempt records the failure: the row must not stay RUNNING.
		n, _ := asynq.GetRetryCount(ctx)
		if m, ok := asynq.GetMaxRetry(ctx); ok && n >= m {
			return h.s.Fail(ctx, p.EvaluationID, "gave up after retries: "+err.Error())
		}
	}
	return err
}

// Detect segments the en-face image of volume v with model version ref, as a run's
// preprocess and segment steps would (frames registered and averaged, normalised, cone
// spacing estimated, the model with the worker's test-time augmentation), and times the
// detection.
func (rt *Runtime) Detect(ctx context.Context, ref db.ModelRef, v db.Volume) (evaluation.Detection, error) {
	if rt.models == nil {
		return evaluation.Detection{}, fmt.Errorf("this worker runs no models (it has no ONNX Runtime): %w", asynq.SkipRetry)
	}
	if v.ObjectKey == nil || v.Status != "READY" {
		return evaluation.Detection{}, fmt.Errorf("the volume is not ready: %w", asynq.SkipRetry)
	}
	img, err := rt.enFace(ctx, v)
	if err != nil {
		return evaluation.Detection{}, err
	}
	m, err := rt.model(ctx, &ref)
	if err != nil {
		return evaluation.Detection{}, err
	}
	start := time.Now()
	norm := imaging.Normalize(img, imaging.NormalizeOptions{FlatFieldSigma: float64(max(img.W, img.H)) / 10})
	opts := imaging.ConeDetectOptions{Modality: coneModality(v.Modality)}
	res, err := m.Cones(ctx, norm, imaging.ConeSpacingPx(norm, opts), !rt.models.NoTTA)
	if err != nil {
		return evaluation.Detection{}, fmt.Errorf("cone model %s %s: %w", ref.Name, ref.Version, err)
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	return evaluation.Detection{Points: res.Points, W: img.W, H: img.H, Milliseconds: ms}, nil
}

// coneModality maps a volume's modality to the detector's; confocal when unstated.
func coneModality(m string) imaging.ConeModality {
	if m == "split-detector" || m == "split_detector" || m == "split" {
		return imaging.ConeSplitDetector
	}
	return imaging.ConeConfocal
}

// enFace decodes volume v and registers and averages its frames when there are several.
func (rt *Runtime) enFace(ctx context.Context, v db.Volume) (*imaging.Image, error) {
	sc := stepContext{rt: rt}
	raw, err := sc.get(ctx, *v.ObjectKey)
	if err != nil {
		return nil, err
	}
	opts := ingest.Options{VolumeKind: v.StatedKind()}
	if v.SourceFormat == ingest.FormatRaw {
		if opts.Sidecar, err = ingest.RecordedSidecar([3]int{v.DimZ, v.DimY, v.DimX}, v.DataType,
			[3]*float64{v.SpacingXUm, v.SpacingYUm, v.SpacingZUm}, v.Axes()); err != nil {
			return nil, fmt.Errorf("sidecar of volume %d: %w: %w", v.ID, err, asynq.SkipRetry)
		}
	}
	res, err := ingest.Parse(bytes.NewReader(raw), int64(len(raw)), v.Filename, opts)
	if err == nil {
		if rej := ingest.CheckRetinal(res); rej != nil {
			return nil, fmt.Errorf("not an AO retinal image: %s: %w", rej.Reason, asynq.SkipRetry)
		}
	}
	var vol *imaging.Volume
	if err == nil {
		vol, err = res.Volume()
	}
	if err != nil {
		return nil, fmt.Errorf("decode volume %d: %w: %w", v.ID, err, asynq.SkipRetry)
	}
	n := vol.X * vol.Y
	frames := make([]*imaging.Image, vol.Z)
	for z := range frames {
		frames[z] = &imaging.Image{W: vol.X, H: vol.Y, Pix: vol.Vox[z*n : (z+1)*n]}
	}
	if len(frames) == 1 {
		return frames[0], nil
	}
	motion, err := imaging.RegisterStack(frames, imaging.RegisterOptions{Workers: 1})
	if err != nil {
		return nil, fmt.Errorf("register frames: %w: %w", err, asynq.SkipRetry)
	}
	return imaging.AverageFrames(frames, motion), nil
}
