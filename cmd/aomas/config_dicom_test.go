package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDicomConfig(t *testing.T) {
	bad := []struct{ env, val, want string }{
		{"AOMAS_DICOM_ALLOW", "SCANNER1", `"SCANNER1" is not CALLING_AE=PROJECT`},
		{"AOMAS_DICOM_ALLOW", `BAD\AE=eyes`, "is not an AE title"},
		{"AOMAS_DICOM_ALLOW", "SEVENTEEN_CHARS_X=eyes", "is not an AE title"},
		{"AOMAS_DICOM_ALLOW", "SCANNER1=Eyes!", "is not a project name"},
		{"AOMAS_DICOM_ALLOW", "A=x,A=y", "listed twice"},
		{"AOMAS_DICOM_AE_TITLE", " AOMAS", "not an AE title"},
		{"AOMAS_DICOM_LISTEN", "11112", "is not HOST:PORT"},
		{"AOMAS_DICOM_MAX_ASSOCIATIONS", "0", "not a positive whole number"},
		{"AOMAS_DICOM_IDLE_TIMEOUT", "soon", "not a positive duration"},
	}
	for _, tc := range bad {
		t.Run(tc.env+"="+tc.val, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), []string{"serve"}, envMap(map[string]string{tc.env: tc.val}), io.Discard, &stderr)
			require.Equal(t, 2, exitCode(err, &stderr))
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			require.Len(t, lines, 1, stderr.String())
			require.Contains(t, lines[0], "config: "+tc.env+": ")
			require.Contains(t, lines[0], tc.want)
		})
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cf := newConfigFlags(fs, needAll)
	require.NoError(t, fs.Parse([]string{"--dicom-listen", "127.0.0.1:11112", "--dicom-ae-title", "AOMAS", "--dicom-allow", "SCANNER1=eyes, PACS_2=ward"}))
	c, err := cf.load(envMap(map[string]string{"AOMAS_DICOM_QUIET": "2s"}))
	require.NoError(t, err)
	require.Equal(t, dicomConfig{Listen: "127.0.0.1:11112", AETitle: "AOMAS", Allow: map[string]string{"SCANNER1": "eyes", "PACS_2": "ward"},
		MaxAssociations: 16, MaxInstanceBytes: 2 << 30, Idle: 5 * time.Minute, ARTIM: 30 * time.Second, Quiet: 2 * time.Second}, c.DICOM)
}
