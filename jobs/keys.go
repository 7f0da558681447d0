package jobs

import "fmt"

// OutputPrefix is where a step's outputs go: a retried step writes the same keys, and a
// step with other inputs, parameters or model writes elsewhere.
func OutputPrefix(runID int64, step, inputHash string) string {
	return fmt.Sprintf("runs/%d/%s/%s/", runID, step, inputHash[:16])
}

// workerKeyPrefix starts the Redis key of every live worker's entry.
const workerKeyPrefix = "aomas:worker:"

// WorkerKey is the Redis key under which a live worker advertises its WorkerInfo.
func WorkerKey(id string) string { return workerKeyPrefix + id }

// ModelWeightsKey is where a model's weights are stored: by their SHA-256, so that a version
// registered twice, or by several replicas at once, writes one object.
func ModelWeightsKey(sha256hex string) string { return "models/sha256/" + sha256hex + ".onnx" }
