package inference

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"

	ort "github.com/yalue/onnxruntime_go"
)

// ErrContract marks a network that does not meet its task's contract: one float input
// [N,1,H,W] and one float output of the same shape (a cone heat map or a vessel probability).
var ErrContract = errors.New("model does not meet the task's contract")

// probeSide is the side of the images CheckContract runs the network on: small, so that the
// check costs milliseconds, and a multiple of every card's multiple up to 64 × 2.
const probeSide = 128

// CheckContract loads onnx (whose card is card) in ONNX Runtime on the initialised device
// and checks it meets the task's contract: the graph's one input and one output carry the
// card's names, are float tensors of rank 4 with one channel, and a run on a batch of two
// probe images returns finite values of the input's shape. Init must have succeeded.
func CheckContract(ctx context.Context, card Card, onnx []byte) error {
	if err := card.Validate(); err != nil {
		return err
	}
	if len(onnx) > MaxModelBytes {
		return fmt.Errorf("%w: %d bytes exceed %d", ErrContract, len(onnx), MaxModelBytes)
	}
	if _, ok := Initialized(); !ok {
		return errors.New("onnxruntime is not initialised (call inference.Init)")
	}
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(onnx)
	if err != nil {
		return fmt.Errorf("%w: not a readable ONNX model: %w", ErrContract, err)
	}
	if len(ins) != 1 || len(outs) != 1 {
		return fmt.Errorf("%w: %d inputs and %d outputs, want 1 and 1", ErrContract, len(ins), len(outs))
	}
	for _, io := range []struct {
		what, want string
		info       ort.InputOutputInfo
	}{{"input", card.Input.Name, ins[0]}, {"output", card.Output.Name, outs[0]}} {
		if io.info.Name != io.want {
			return fmt.Errorf("%w: the graph's %s is %q, the card says %q", ErrContract, io.what, io.info.Name, io.want)
		}
		if io.info.OrtValueType != ort.ONNXTypeTensor || io.info.DataType != ort.TensorElementDataTypeFloat {
			return fmt.Errorf("%w: %s %q is not a float tensor", ErrContract, io.what, io.info.Name)
		}
		d := io.info.Dimensions
		if len(d) != 4 || (d[1] != 1 && d[1] > 0) {
			return fmt.Errorf("%w: %s %q has shape %v, want [N,1,H,W]", ErrContract, io.what, io.info.Name, d)
		}
	}
	side := probeSide
	if side%card.Input.Multiple != 0 {
		side = card.Input.Multiple * max(1, probeSide/card.Input.Multiple)
	}
	dir, err := os.MkdirTemp("", "aomas-model-check")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	pool := NewPool(dir, 1)
	pool.SetIntraOpThreads(1)
	defer pool.Close()
	m, err := pool.Model(ctx, card, func(context.Context) ([]byte, error) { return onnx, nil })
	if err != nil {
		return fmt.Errorf("%w: %w", ErrContract, err)
	}
	// Two images, so that a graph with a fixed batch of one fails here and not in a run.
	probe := make([]float32, 2*side*side)
	for i := range probe {
		probe[i] = float32(math.Sin(float64(i) * 0.37)) // zero mean, unit-ish variance, like a z-scored image
	}
	out, err := m.Raw(ctx, probe, 2, side, side)
	if err != nil {
		return fmt.Errorf("%w: a batch of 2x1x%dx%d does not run or returns another shape: %w", ErrContract, side, side, err)
	}
	for _, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: the output on a probe image is not finite", ErrContract)
		}
	}
	return nil
}
