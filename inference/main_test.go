package inference

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// envInitHelper makes the test binary a child process that calls Init with the device
// named in it and prints the outcome: Init is once per process, so each device choice is
// tested in a process of its own.
const envInitHelper = "AOMAS_INFERENCE_INIT_HELPER"

func TestMain(m *testing.M) {
	if want := os.Getenv(envInitHelper); want != "" {
		dev, err := Init(os.Getenv("AOMAS_ORT_LIB"), Device(want))
		again, err2 := Init(os.Getenv("AOMAS_ORT_LIB"), CPU)
		fmt.Printf("device=%s\nerr=%v\nagain=%s|%v\ndescribe=%s\n", dev, err, again, err2, Describe())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// repoRoot is the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		require.NotEqual(t, dir, filepath.Dir(dir), "no go.mod above %s", wd)
	}
}

// ortLib is $AOMAS_ORT_LIB, else the library `make deps` installs; missing is a failure.
func ortLib(t testing.TB) string {
	t.Helper()
	lib := os.Getenv("AOMAS_ORT_LIB")
	if lib == "" {
		lib = filepath.Join(repoRoot(t), ".local", "onnxruntime", "libonnxruntime.so.1")
	}
	_, err := os.Stat(lib)
	require.NoError(t, err, "the ONNX Runtime library is missing (scripts/ort.sh installs it; or set AOMAS_ORT_LIB)")
	return lib
}

// initCPU initialises the runtime on the CPU for this test process.
func initCPU(t testing.TB) {
	t.Helper()
	dev, err := Init(ortLib(t), CPU)
	require.NoError(t, err)
	require.Equal(t, CPU, dev)
}
