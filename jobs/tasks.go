// Package jobs is the pipeline's definition and its API side. The definition — step names,
// task types (steps.go), the DAG, payloads, task constructors, queues, keys and progress
// channels — is shared with the worker runtime in jobs/worker; the API side (Pipeline)
// starts, cancels and retries runs, streams their progress and reports queues and workers.
package jobs

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Queues, from most to least urgent.
const (
	QueueInteractive = "interactive"
	QueueBatch       = "batch"
	QueueMaintenance = "maintenance"
)

// DefaultQueues weights the queues for a worker that is not told otherwise.
func DefaultQueues() map[string]int {
	return map[string]int{QueueInteractive: 6, QueueBatch: 3, QueueMaintenance: 1}
}

// VerifyArtifactPayload names the object to verify.
type VerifyArtifactPayload struct {
	ObjectKey string `json:"object_key"`
}

// VerifyArtifactResult is written as the task's result.
type VerifyArtifactResult struct {
	ObjectKey string `json:"object_key"`
	Recorded  string `json:"recorded_sha256"`
	Actual    string `json:"actual_sha256"`
	OK        bool   `json:"ok"`
}

// NewVerifyArtifactTask returns a task that verifies key; its id makes a second enqueue of
// the same key a no-op while the first is pending.
func NewVerifyArtifactTask(key string) (*asynq.Task, error) {
	b, err := json.Marshal(VerifyArtifactPayload{ObjectKey: key})
	if err != nil {
		return nil, fmt.Errorf("verify task payload: %w", err)
	}
	return asynq.NewTask(TypeVerifyArtifact, b, asynq.Queue(QueueMaintenance), asynq.TaskID("verify:"+key), asynq.MaxRetry(5), asynq.Retention(24*time.Hour)), nil
}

// StepPayload names the step a task runs. Gen is the step's task generation: a task of an
// older generation than the step's (superseded by the janitor or a retry) does nothing.
type StepPayload struct {
	RunID int64  `json:"run_id"`
	Step  string `json:"step"`
	Gen   int    `json:"gen"`
}

// StepTaskID is the asynq task id of a step: one per (run, step, generation), so that a
// second enqueue of the same step is a conflict and not a duplicate.
func StepTaskID(runID int64, step string, gen int) string {
	if gen == 0 {
		return fmt.Sprintf("run:%d:%s", runID, step)
	}
	return fmt.Sprintf("run:%d:%s:%d", runID, step, gen)
}

// QueueFor returns the queue of a run priority: interactive runs overtake batch ones.
func QueueFor(priority string) string {
	if priority == PriorityBatch {
		return QueueBatch
	}
	return QueueInteractive
}

// Run priorities (runs.priority).
const (
	PriorityInteractive = "interactive"
	PriorityBatch       = "batch"
)

// DefaultMaxRetry is how often a failing step is retried before it fails, unless told otherwise.
const DefaultMaxRetry = 10

// NewStepTask returns the task of step (run, step, gen), retried up to maxRetry times.
func NewStepTask(runID int64, step string, gen int, priority string, maxRetry int) (*asynq.Task, error) {
	b, err := json.Marshal(StepPayload{RunID: runID, Step: step, Gen: gen})
	if err != nil {
		return nil, fmt.Errorf("step task payload: %w", err)
	}
	return asynq.NewTask(StepTaskType(step), b, asynq.Queue(QueueFor(priority)), asynq.TaskID(StepTaskID(runID, step, gen)),
		asynq.MaxRetry(maxRetry)), nil
}

// ExportPayload names the export a task writes.
type ExportPayload struct {
	ExportID int64 `json:"export_id"`
}

// NewExportTask returns the task that writes export id; one task per export, retried
// (from the start, the manifest last) after a crash.
func NewExportTask(id int64) (*asynq.Task, error) {
	b, err := json.Marshal(ExportPayload{ExportID: id})
	if err != nil {
		return nil, fmt.Errorf("export task payload: %w", err)
	}
	return asynq.NewTask(TypeExport, b, asynq.Queue(QueueBatch), asynq.TaskID(fmt.Sprintf("export:%d", id)), asynq.MaxRetry(3),
		asynq.Retention(24*time.Hour)), nil
}

// EvaluatePayload names the evaluation a task runs.
type EvaluatePayload struct {
	EvaluationID int64 `json:"evaluation_id"`
}

// NewEvaluateTask returns the task that runs evaluation id: one task per evaluation,
// which resumes after a crash from the images not yet scored.
func NewEvaluateTask(id int64) (*asynq.Task, error) {
	b, err := json.Marshal(EvaluatePayload{EvaluationID: id})
	if err != nil {
		return nil, fmt.Errorf("evaluate task payload: %w", err)
	}
	return asynq.NewTask(TypeEvaluate, b, asynq.Queue(QueueBatch), asynq.TaskID(fmt.Sprintf("evaluation:%d", id)), asynq.MaxRetry(3),
		asynq.Timeout(2*time.Hour), asynq.Retention(24*time.Hour)), nil
}
