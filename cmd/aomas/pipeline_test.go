package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWorkerDeviceFlag(t *testing.T) {
	for _, tc := range []struct {
		device, want string
	}{
		{"cuda", "config: --device cuda: this build has no GPU support yet; use --device cpu"},
		{"tpu", `config: --device: "tpu" is neither cpu nor cuda`},
	} {
		t.Run(tc.device, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"worker", "--device", tc.device},
				envMap(map[string]string{"AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}), &stdout, &stderr)
			require.Equal(t, 2, exitCode(err, &stderr))
			require.Equal(t, "aomas: "+tc.want, strings.TrimSpace(stderr.String()))
		})
	}
}
