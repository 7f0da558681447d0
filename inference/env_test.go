package inference

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]Device{"cpu": CPU, "CUDA": CUDA, " auto ": Auto} {
		d, err := ParseDevice(in)
		require.NoError(t, err)
		require.Equal(t, want, d)
	}
	_, err := ParseDevice("gpu")
	require.ErrorContains(t, err, `unknown device "gpu"`)
}

func TestCheckCUDANamesEverythingMissingInOneError(t *testing.T) {
	lib := "/opt/ort/libonnxruntime.so.1"
	files := func(present ...string) func(string) bool {
		return func(p string) bool {
			for _, f := range present {
				if p == f {
					return true
				}
			}
			return false
		}
	}
	loads := func(ok bool) func(string) bool { return func(string) bool { return ok } }
	cudaLib, sharedLib := "/opt/ort/"+cudaProviderLib, "/opt/ort/"+sharedProviderLib

	err := checkCUDA(lib, files(), loads(false))
	require.EqualError(t, err, "cuda unavailable: no NVIDIA GPU (no /dev/nvidia0, no libcuda.so.1); "+
		"libonnxruntime_providers_cuda.so not found beside /opt/ort/libonnxruntime.so.1; "+
		"libonnxruntime_providers_shared.so not found beside /opt/ort/libonnxruntime.so.1")

	err = checkCUDA(lib, files("/dev/nvidia0", sharedLib), loads(true))
	require.EqualError(t, err, "cuda unavailable: libonnxruntime_providers_cuda.so not found beside /opt/ort/libonnxruntime.so.1")

	err = checkCUDA(lib, files("/dev/nvidia3", cudaLib, sharedLib), loads(false))
	require.EqualError(t, err, "cuda unavailable: no NVIDIA driver library (libcuda.so.1 does not load)")

	err = checkCUDA(lib, files(cudaLib, sharedLib), loads(true))
	require.EqualError(t, err, "cuda unavailable: no NVIDIA GPU (no /dev/nvidia0)")

	require.NoError(t, checkCUDA(lib, files("/dev/nvidia0", cudaLib, sharedLib), loads(true)))
}

// initInChild runs Init(lib, want) in a fresh test process and returns what it printed.
func initInChild(t *testing.T, lib string, want Device) map[string]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envInitHelper+"="+string(want), "AOMAS_ORT_LIB="+lib)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	res := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			res[k] = v
		}
	}
	return res
}

// libWithoutProviders is a directory holding only the core library (a link to it), the way
// a CPU worker is installed.
func libWithoutProviders(t *testing.T) string {
	dir := t.TempDir()
	lib := filepath.Join(dir, "libonnxruntime.so.1")
	require.NoError(t, os.Symlink(ortLib(t), lib))
	return lib
}

func hasNVIDIAGPU() bool { return statFile("/dev/nvidia0") && dlopenable("libcuda.so.1") }

func TestInitCUDAFailsAtOnceNamingWhatIsMissing(t *testing.T) {
	lib := libWithoutProviders(t)
	res := initInChild(t, lib, CUDA)
	require.Empty(t, res["device"])
	require.Contains(t, res["err"], "cuda unavailable: ")
	require.Contains(t, res["err"], "libonnxruntime_providers_cuda.so not found beside "+lib)
	if hasNVIDIAGPU() {
		require.NotContains(t, res["err"], "no NVIDIA GPU")
	} else {
		require.Contains(t, res["err"], "no NVIDIA GPU (no /dev/nvidia0")
	}
	require.Equal(t, 1, strings.Count(res["err"], "cuda unavailable"), "one error: %q", res["err"])
	// Init is once per process: a second call returns the first failure.
	require.Equal(t, "|"+res["err"], res["again"])
}

func TestInitAutoFallsBackToCPUAndSaysWhy(t *testing.T) {
	lib := libWithoutProviders(t)
	res := initInChild(t, lib, Auto)
	require.Equal(t, "cpu", res["device"])
	require.Equal(t, "<nil>", res["err"])
	require.Contains(t, res["describe"], "cpu (onnxruntime 1.29.0, chosen by auto; CUDA not used: cuda unavailable: ")
	require.Contains(t, res["describe"], cudaProviderLib+" not found beside "+lib)
	// The second Init (asking for the CPU) returns the first result.
	require.Equal(t, "cpu|<nil>", res["again"])
}

func TestInitOncePerProcess(t *testing.T) {
	initCPU(t)
	dev, err := Init("/nonexistent/libonnxruntime.so.1", CUDA)
	require.NoError(t, err, "a second Init returns the first result")
	require.Equal(t, CPU, dev)
	require.Equal(t, "cpu (onnxruntime 1.29.0)", Describe())
}
