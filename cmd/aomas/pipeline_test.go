package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
)

func TestWorkerDeviceFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"worker", "--device", "tpu"},
		envMap(map[string]string{"AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}), &stdout, &stderr)
	require.Equal(t, 2, exitCode(err, &stderr))
	require.Equal(t, `aomas: config: --device: "tpu" is neither cpu, cuda nor auto`, strings.TrimSpace(stderr.String()))
}

// ortLib is the ONNX Runtime library make test names; without it the test fails.
func ortLib(t *testing.T) string {
	t.Helper()
	lib := os.Getenv("AOMAS_ORT_LIB")
	require.NotEmpty(t, lib, "AOMAS_ORT_LIB must name the ONNX Runtime library (make deps installs it; make test sets it)")
	return lib
}

// TestWorkerCUDAWithoutGPU: asked for CUDA on a machine without a GPU or without the CUDA
// provider, the worker exits at once (before it looks for any service) with one line
// naming what is missing.
func TestWorkerCUDAWithoutGPU(t *testing.T) {
	if _, err := os.Stat("/dev/nvidia0"); err == nil {
		t.Skip("this machine has an NVIDIA GPU: the CUDA path is checked by bench/gpu")
	}
	cmd := exec.Command(os.Args[0], "worker", "--device", "cuda")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "AOMAS_ORT_LIB="+ortLib(t), "AOMAS_S3_ACCESS_KEY=a", "AOMAS_S3_SECRET_KEY=b",
		"AOMAS_DATABASE_URL=postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	require.Equal(t, 2, ee.ExitCode())
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 1, "%s", out)
	require.Contains(t, lines[0], "aomas: config: --device cuda: cuda unavailable: no NVIDIA GPU")
	t.Logf("%s", lines[0])
}

// TestWorkerAutoFallsBackToCPU: with auto and no GPU the worker runs on the CPU and says
// so in its log and in the record the workers query reads; at start it has registered the
// shipped models.
func TestWorkerAutoFallsBackToCPU(t *testing.T) {
	if _, err := os.Stat("/dev/nvidia0"); err == nil {
		t.Skip("this machine has an NVIDIA GPU: auto would choose it")
	}
	dbURL := testenv.DatabaseURL(t)
	rdb, redisURL := testenv.Redis(t)
	store := testenv.Store(t)
	s3 := testenv.S3Config(t)
	require.Equal(t, 0, runCLI(t, map[string]string{"AOMAS_DATABASE_URL": dbURL}, "", "migrate", "up").code)
	cmd := exec.Command(os.Args[0], "worker", "--device", "auto", "--janitor", "0")
	var logs testenv.LogBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "AOMAS_ORT_LIB="+ortLib(t), "AOMAS_DATABASE_URL="+dbURL,
		"AOMAS_REDIS_URL="+redisURL, "AOMAS_S3_ENDPOINT="+s3.Endpoint, "AOMAS_S3_ACCESS_KEY="+s3.AccessKey,
		"AOMAS_S3_SECRET_KEY="+s3.SecretKey, "AOMAS_S3_BUCKET="+store.Bucket(), "AOMAS_LOG_LEVEL=info")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	var w jobs.WorkerInfo
	require.Eventually(t, func() bool {
		keys, err := rdb.Keys(context.Background(), "aomas:worker:*").Result()
		if err != nil || len(keys) != 1 {
			return false
		}
		b, err := rdb.Get(context.Background(), keys[0]).Bytes()
		return err == nil && json.Unmarshal(b, &w) == nil
	}, 60*time.Second, 50*time.Millisecond, "no worker heartbeat; log:\n%s", logs.String())
	require.Equal(t, "cpu", w.Device)
	require.Equal(t, "auto", w.DeviceAsked)
	require.Contains(t, logs.String(), "device chosen")
	require.Regexp(t, `device chosen.*asked=auto.*device=cpu`, logs.String())
	conn, err := db.Open(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close()
	var shipped int
	require.NoError(t, conn.Get(&shipped, `SELECT count(*) FROM model_versions WHERE stage = 'PRODUCTION'`))
	require.Positive(t, shipped, "the worker registers the shipped models at start")
	t.Logf("auto chose %s; %d shipped model versions deployed", w.Device, shipped)
}
