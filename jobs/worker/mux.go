package worker

import (
	"time"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/jobs"
)

// NewServeMux routes every task type to its handler.
func NewServeMux(d Deps) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Handle(jobs.TypeVerifyArtifact, &verifyArtifact{d: d})
	if d.Exports != nil {
		mux.Handle(jobs.TypeExport, &exportHandler{s: d.Exports})
	}
	rt := New(d)
	if d.Evaluations != nil {
		mux.Handle(jobs.TypeEvaluate, &evaluateHandler{s: d.Evaluations, rt: rt})
	}
	for name, fn := range map[string]stepFunc{
		jobs.StepValidate:      validateStep,
		jobs.StepPreprocess:    preprocessStep,
		jobs.StepSegment:       segmentStep,
		jobs.StepMetrics:       metricsStep,
		jobs.StepQC:            qcStep,
		jobs.StepLayers:        layersStep,
		jobs.StepShadowSegment: shadowStep,
	} {
		mux.Handle(jobs.StepTaskType(name), &stepHandler{rt: rt, name: name, fn: fn})
	}
	return mux
}

// RetryDelay is the backoff between attempts of a failed step: 250 ms doubling per retry
// up to 8 s, so that a service back within seconds is noticed within seconds.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := 250 * time.Millisecond << min(n, 5)
	return min(d, 8*time.Second)
}
