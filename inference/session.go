package inference

import (
	"errors"
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// maxShapes bounds the input/output tensor pairs one session keeps for reuse; tiling makes
// the shapes of one image few (full tiles, edge tiles, partial batches).
const maxShapes = 8

// session is one ONNX Runtime session with its input and output tensors kept per shape, so
// that a steady stream of same-sized tiles allocates nothing per call. It is used by one
// goroutine at a time (the pool hands it out).
type session struct {
	s             *ort.DynamicAdvancedSession
	input, output string
	tensors       map[[3]int]*tensorPair
}

type tensorPair struct {
	in, out *ort.Tensor[float32]
}

// newSession builds a session on the given device from ONNX bytes with one input and one
// output; names are read from the graph.
func newSession(onnx []byte, dev Device, cfg sessionConfig) (*session, error) {
	if !ort.IsInitialized() {
		return nil, errors.New("onnxruntime is not initialised (call inference.Init)")
	}
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(onnx)
	if err != nil {
		return nil, fmt.Errorf("read model inputs: %w", err)
	}
	if len(ins) != 1 || len(outs) != 1 {
		return nil, fmt.Errorf("model has %d inputs and %d outputs, want 1 and 1", len(ins), len(outs))
	}
	opts, err := sessionOptions(dev, cfg)
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(onnx, []string{ins[0].Name}, []string{outs[0].Name}, opts)
	if err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	return &session{s: s, input: ins[0].Name, output: outs[0].Name, tensors: map[[3]int]*tensorPair{}}, nil
}

// sessionConfig is how sessions use the CPU.
type sessionConfig struct {
	threads int  // intra-op threads; 0 is ONNX Runtime's default (one per core)
	noSpin  bool // idle intra-op threads sleep instead of spinning
}

func sessionOptions(dev Device, cfg sessionConfig) (*ort.SessionOptions, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	fail := func(what string, err error) (*ort.SessionOptions, error) {
		opts.Destroy()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return fail("graph optimisation level", err)
	}
	if err := opts.SetExecutionMode(ort.ExecutionModeSequential); err != nil {
		return fail("execution mode", err)
	}
	if cfg.threads > 0 {
		if err := opts.SetIntraOpNumThreads(cfg.threads); err != nil {
			return fail("intra-op threads", err)
		}
	}
	if cfg.noSpin {
		if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
			return fail("intra-op spinning", err)
		}
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return fail("inter-op threads", err)
	}
	if dev == CUDA {
		cuda, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return fail("CUDA provider options", err)
		}
		defer cuda.Destroy()
		if err := opts.AppendExecutionProviderCUDA(cuda); err != nil {
			return fail("append the CUDA execution provider", err)
		}
	}
	return opts, nil
}

// buffers returns the input and output tensors' data for a batch of n single-channel h×w
// images; the caller fills the input, calls exec and reads the output before the next call.
func (s *session) buffers(n, h, w int) (in, out []float32, err error) {
	p, err := s.pair(n, h, w)
	if err != nil {
		return nil, nil, err
	}
	return p.in.GetData(), p.out.GetData(), nil
}

// exec runs the network on the tensors of shape n×1×h×w.
func (s *session) exec(n, h, w int) error {
	p, err := s.pair(n, h, w)
	if err != nil {
		return err
	}
	if err := s.s.Run([]ort.Value{p.in}, []ort.Value{p.out}); err != nil {
		return fmt.Errorf("run %dx1x%dx%d: %w", n, h, w, err)
	}
	return nil
}

// run copies data into the input, runs, and returns the output (valid until the next call).
func (s *session) run(data []float32, n, h, w int) ([]float32, error) {
	in, out, err := s.buffers(n, h, w)
	if err != nil {
		return nil, err
	}
	copy(in, data)
	if err := s.exec(n, h, w); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *session) pair(n, h, w int) (*tensorPair, error) {
	key := [3]int{n, h, w}
	if p, ok := s.tensors[key]; ok {
		return p, nil
	}
	if len(s.tensors) >= maxShapes {
		s.dropTensors()
	}
	shape := ort.NewShape(int64(n), 1, int64(h), int64(w))
	in, err := ort.NewEmptyTensor[float32](shape)
	if err != nil {
		return nil, fmt.Errorf("input tensor: %w", err)
	}
	out, err := ort.NewEmptyTensor[float32](shape)
	if err != nil {
		in.Destroy()
		return nil, fmt.Errorf("output tensor: %w", err)
	}
	p := &tensorPair{in: in, out: out}
	s.tensors[key] = p
	return p, nil
}

func (s *session) dropTensors() {
	for k, p := range s.tensors {
		p.in.Destroy()
		p.out.Destroy()
		delete(s.tensors, k)
	}
}

func (s *session) destroy() {
	s.dropTensors()
	s.s.Destroy()
}
