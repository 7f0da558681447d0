// Package inference runs the segmentation networks through ONNX Runtime: the runtime is
// initialised once per process, sessions are pooled per model version (keyed by the weights'
// SHA-256 and cached on disk), large images are tiled with overlap and stitched seamlessly,
// tiles are batched, and outputs become cone points or capillary probability maps, optionally
// with test-time-augmentation uncertainty.
package inference

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Device is where the networks run.
type Device string

// Devices a worker can ask for.
const (
	CPU  Device = "cpu"
	CUDA Device = "cuda"
	// Auto uses CUDA when its execution provider loads and runs, CPU otherwise.
	Auto Device = "auto"
)

// ParseDevice checks a device name as given on a command line.
func ParseDevice(s string) (Device, error) {
	switch d := Device(strings.ToLower(strings.TrimSpace(s))); d {
	case CPU, CUDA, Auto:
		return d, nil
	}
	return "", fmt.Errorf("unknown device %q (want cpu, cuda or auto)", s)
}

// Provider library names ONNX Runtime loads for CUDA; they must sit beside the core library.
const (
	cudaProviderLib   = "libonnxruntime_providers_cuda.so"
	sharedProviderLib = "libonnxruntime_providers_shared.so"
)

// runtimeState is what Init decided, once per process (ONNX Runtime's environment cannot be
// created twice).
type runtimeState struct {
	once      sync.Once
	device    Device
	requested Device
	fallback  string // why auto did not pick CUDA
	lib       string
	err       error
}

// rt is the process's one ONNX Runtime environment. It is state by necessity: the C library
// keeps a single global environment, and a second InitializeEnvironment fails.
var rt runtimeState

// Init loads the ONNX Runtime shared library once per process and picks the device: "cuda"
// fails with one error naming what is missing (no GPU, no provider library, or the provider
// failing to load); "auto" uses CUDA when it loads and runs, CPU otherwise. It returns the
// device actually used. Later calls return the first call's result whatever they ask for.
func Init(libPath string, want Device) (Device, error) {
	rt.once.Do(func() {
		rt.requested, rt.lib = want, libPath
		rt.device, rt.fallback, rt.err = initRuntime(libPath, want)
	})
	return rt.device, rt.err
}

// Initialized reports whether Init succeeded, and on which device.
func Initialized() (Device, bool) {
	if rt.err != nil || rt.device == "" {
		return "", false
	}
	return rt.device, true
}

// Describe is one line for logs and worker records: the device in use, the runtime version
// and, when auto fell back to the CPU, why.
func Describe() string {
	switch {
	case rt.device == "" && rt.err == nil:
		return "onnxruntime not initialised"
	case rt.err != nil:
		return fmt.Sprintf("onnxruntime unavailable (%s requested): %v", rt.requested, rt.err)
	}
	s := fmt.Sprintf("%s (onnxruntime %s", rt.device, ort.GetVersion())
	if rt.device == CUDA {
		s += ", CUDA execution provider"
	}
	if rt.requested == Auto {
		s += ", chosen by auto"
	}
	if rt.fallback != "" {
		s += "; CUDA not used: " + rt.fallback
	}
	return s + ")"
}

func initRuntime(libPath string, want Device) (Device, string, error) {
	if want != CPU && want != CUDA && want != Auto {
		return "", "", fmt.Errorf("unknown device %q (want cpu, cuda or auto)", want)
	}
	if libPath == "" {
		return "", "", errors.New("onnxruntime library path is empty (set AOMAS_ORT_LIB)")
	}
	if _, err := os.Stat(libPath); err != nil {
		return "", "", fmt.Errorf("onnxruntime library: %w", err)
	}
	// Check what CUDA needs before touching the runtime: "cuda" must fail with the reason,
	// not with whatever the provider's loader prints.
	var cudaErr error
	if want != CPU {
		cudaErr = checkCUDA(libPath, statFile, dlopenable)
		if want == CUDA && cudaErr != nil {
			return "", "", cudaErr
		}
	}
	ort.SetSharedLibraryPath(libPath)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return "", "", fmt.Errorf("initialise onnxruntime from %s: %w", libPath, err)
	}
	if want == CPU {
		return CPU, "", nil
	}
	if cudaErr == nil {
		cudaErr = probeCUDA()
	}
	switch {
	case cudaErr == nil:
		return CUDA, "", nil
	case want == CUDA:
		return "", "", cudaErr
	default:
		return CPU, cudaErr.Error(), nil
	}
}

// checkCUDA names everything CUDA inference lacks on this machine, in one error: the NVIDIA
// device and driver, and the provider libraries beside the core library.
func checkCUDA(libPath string, exists func(string) bool, loads func(string) bool) error {
	var missing []string
	gpu := false
	for i := 0; i < 16 && !gpu; i++ {
		gpu = exists(fmt.Sprintf("/dev/nvidia%d", i))
	}
	driver := loads("libcuda.so.1")
	switch {
	case !gpu && !driver:
		missing = append(missing, "no NVIDIA GPU (no /dev/nvidia0, no libcuda.so.1)")
	case !gpu:
		missing = append(missing, "no NVIDIA GPU (no /dev/nvidia0)")
	case !driver:
		missing = append(missing, "no NVIDIA driver library (libcuda.so.1 does not load)")
	}
	dir := filepath.Dir(libPath)
	for _, lib := range []string{cudaProviderLib, sharedProviderLib} {
		if !exists(filepath.Join(dir, lib)) {
			missing = append(missing, fmt.Sprintf("%s not found beside %s", lib, libPath))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("cuda unavailable: %s", strings.Join(missing, "; "))
	}
	return nil
}

func statFile(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// probeCUDA builds a session on the CUDA provider and runs a one-layer network, so that a
// provider which loads but cannot run (driver/cuDNN mismatch) is caught at start.
func probeCUDA() error {
	s, err := newSession(probeGraph(), CUDA, sessionConfig{threads: 1})
	if err != nil {
		return fmt.Errorf("cuda unavailable: %w", err)
	}
	defer s.destroy()
	in := make([]float32, 16*16)
	if _, err := s.run(in, 1, 16, 16); err != nil {
		return fmt.Errorf("cuda unavailable: run on the CUDA provider: %w", err)
	}
	return nil
}
