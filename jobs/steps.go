package jobs

import "slices"

// Pipeline step names, in run order.
const (
	StepValidate   = "validate"
	StepPreprocess = "preprocess"
	StepSegment    = "segment"
	StepMetrics    = "metrics"
	StepQC         = "qc"
	// StepShadowSegment runs a shadow model beside segment; it is added to a run only when
	// a shadow model is deployed (the model registry hooks in at stepsOf).
	StepShadowSegment = "shadow-segment"
)

// Task types. They are stored in Redis with queued tasks: never rename them.
const (
	// TypeVerifyArtifact re-reads a stored object and checks it against its recorded SHA-256.
	TypeVerifyArtifact = "maintenance:verify-artifact"
	// TypeExport writes an export of metrics or marks to the export store.
	TypeExport = "export:write"

	// Pipeline step task types: stepTypePrefix and the step's name.
	TypeStepValidate      = stepTypePrefix + StepValidate
	TypeStepPreprocess    = stepTypePrefix + StepPreprocess
	TypeStepSegment       = stepTypePrefix + StepSegment
	TypeStepMetrics       = stepTypePrefix + StepMetrics
	TypeStepQC            = stepTypePrefix + StepQC
	TypeStepShadowSegment = stepTypePrefix + StepShadowSegment
)

const stepTypePrefix = "step:"

// StepTaskType is the task type of a pipeline step (TypeStepValidate for StepValidate).
func StepTaskType(step string) string { return stepTypePrefix + step }

// stepDeps is the DAG: each step and the steps whose outputs it reads.
var stepDeps = map[string][]string{
	StepValidate:      nil,
	StepPreprocess:    {StepValidate},
	StepSegment:       {StepPreprocess},
	StepShadowSegment: {StepPreprocess},
	StepMetrics:       {StepSegment, StepPreprocess},
	StepQC:            {StepMetrics, StepPreprocess},
}

// Inputs returns the steps whose outputs step reads.
func Inputs(step string) []string { return slices.Clone(stepDeps[step]) }

// stepsOf returns the steps of a new run. shadow adds the shadow model's segmentation.
func stepsOf(shadow bool) []string {
	s := []string{StepValidate, StepPreprocess, StepSegment, StepMetrics, StepQC}
	if shadow {
		s = append(s, StepShadowSegment)
	}
	return s
}
