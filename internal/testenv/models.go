package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"testing/fstest"

	"github.com/aomas/aomas/inference"
)

// ConvModels are small but real ONNX models, in the layout of internal/models/ (<name>.onnx beside
// <name>.card.json): a cone model per modality and a capillary model, each one Gaussian
// convolution of the z-scored image and a sigmoid, so bright blobs and lines become
// probabilities. Tests run the learned-detector path with them without the trained models.
func ConvModels() fstest.MapFS {
	fsys := fstest.MapFS{}
	add := func(name, task, modality, output string, sigma float64, gain, bias float32) {
		onnx := inference.ConvSigmoidGraph(gaussKernel(5, sigma, gain), bias, "image", output)
		sum := sha256.Sum256(onnx)
		kind := "heatmap"
		if task == inference.TaskCapillaries {
			kind = "probability"
		}
		card := map[string]any{
			"name": name, "version": "0.0.1", "task": task, "modality": modality, "format": "onnx", "opset": 17,
			"sha256":        hex.EncodeToString(sum[:]),
			"input":         map[string]any{"name": "image", "layout": "NCHW", "channels": 1, "multiple": 8},
			"output":        map[string]any{"name": output, "kind": kind},
			"normalisation": map[string]any{"method": "zscore"},
			"postprocess":   map[string]any{"threshold": 0.5, "min_distance_rel_spacing": 0.5, "min_distance_px": 2.0},
			"intended_use":  "tests only: a Gaussian filter and a sigmoid",
		}
		cb, _ := json.Marshal(card)
		fsys[name+".onnx"] = &fstest.MapFile{Data: onnx}
		fsys[name+".card.json"] = &fstest.MapFile{Data: cb}
	}
	add("test-cones-confocal", inference.TaskCones, "confocal", "heatmap", 1, 3, -2)
	add("test-cones-split", inference.TaskCones, "split", "heatmap", 1, 3, -2)
	add("test-capillaries", inference.TaskCapillaries, "any", "vessel", 1, 3, -1.5)
	return fsys
}

// gaussKernel is a k×k Gaussian of standard deviation sigma summing to gain.
func gaussKernel(k int, sigma float64, gain float32) []float32 {
	out := make([]float32, k*k)
	var sum float64
	for y := range k {
		for x := range k {
			dx, dy := float64(x-k/2), float64(y-k/2)
			v := math.Exp(-(dx*dx + dy*dy) / (2 * sigma * sigma))
			out[y*k+x] = float32(v)
			sum += v
		}
	}
	for i := range out {
		out[i] *= gain / float32(sum)
	}
	return out
}
