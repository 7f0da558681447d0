package jobs

import (
	"slices"

	"github.com/aomas/aomas/ingest"
)

// Pipeline step names, in run order.
const (
	StepValidate   = "validate"
	StepPreprocess = "preprocess"
	StepSegment    = "segment"
	StepMetrics    = "metrics"
	StepQC         = "qc"
	// StepLayers replaces preprocess for OCT volumes: it registers the B-scans, segments
	// the retinal layers and projects the slabs (see jobs/worker/layers.go).
	StepLayers = "layers"
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
	// TypeEvaluate evaluates a model version on a dataset (the model registry).
	TypeEvaluate = "evaluation:run"

	// Pipeline step task types: stepTypePrefix and the step's name.
	TypeStepValidate      = stepTypePrefix + StepValidate
	TypeStepPreprocess    = stepTypePrefix + StepPreprocess
	TypeStepSegment       = stepTypePrefix + StepSegment
	TypeStepMetrics       = stepTypePrefix + StepMetrics
	TypeStepQC            = stepTypePrefix + StepQC
	TypeStepLayers        = stepTypePrefix + StepLayers
	TypeStepShadowSegment = stepTypePrefix + StepShadowSegment
)

const stepTypePrefix = "step:"

// StepTaskType is the task type of a pipeline step (TypeStepValidate for StepValidate).
func StepTaskType(step string) string { return stepTypePrefix + step }

// stepDeps is the DAG: each step and the steps whose outputs it reads. A run holds either
// preprocess (FRAME_STACK) or layers (OCT_VOLUME); a dependency the run lacks is ignored.
var stepDeps = map[string][]string{
	StepValidate:      nil,
	StepPreprocess:    {StepValidate},
	StepLayers:        {StepValidate},
	StepSegment:       {StepPreprocess, StepLayers},
	// The shadow compares its marks with the segment step's: it runs after it.
	StepShadowSegment: {StepSegment, StepPreprocess, StepLayers},
	StepMetrics:       {StepSegment, StepPreprocess, StepLayers},
	StepQC:            {StepMetrics, StepPreprocess, StepLayers},
}

// Inputs returns the steps whose outputs step reads.
func Inputs(step string) []string { return slices.Clone(stepDeps[step]) }

// Volume kinds (the volumes.volume_kind column, the volumeKind run parameter).
const (
	KindFrameStack = ingest.KindFrameStack
	KindOCTVolume  = ingest.KindOCTVolume
)

// stepsOf returns the steps of a new run on a volume of the given kind: an OCT volume is
// registered, segmented into layers and projected into slabs (layers) where a frame stack
// is registered and averaged (preprocess). shadow adds the shadow model's segmentation.
func stepsOf(kind string, shadow bool) []string {
	first := StepPreprocess
	if kind == KindOCTVolume {
		first = StepLayers
	}
	s := []string{StepValidate, first, StepSegment, StepMetrics, StepQC}
	if shadow {
		s = append(s, StepShadowSegment)
	}
	return s
}
