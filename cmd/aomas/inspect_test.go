//go:build !foundation_only

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
)

func inspectExitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exitError
	require.True(t, errors.As(err, &ee), "want an exit error, got %v", err)
	return ee.code
}

func TestRunInspect(t *testing.T) {
	dir := t.TempDir()
	dcm, err := os.ReadFile(filepath.Join("..", "..", "ingest", "testdata", "dicom", "3.dcm"))
	require.NoError(t, err)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	good := write("mr.dcm", dcm)
	cut := write("cut.dcm", dcm[:40000])
	raw := make([]byte, 0, 2*3*4*2)
	for i := range 24 {
		raw = binary.LittleEndian.AppendUint16(raw, uint16(i))
	}
	rawPath := write("vol.raw", raw)
	write("vol.json", []byte(`{"dims":[2,3,4],"dtype":"uint16","spacingUm":[0.5,0.5,2]}`))
	bad := write("bad.raw", raw)
	write("bad.raw.json", []byte(`{"dims":[20,30,40],"dtype":"uint16"}`))
	empty := write("empty.dcm", nil)

	volPath := write("scan.vol", testenv.VolFile(8, 3, 5, 0.0115, 0.12, 0.0039, func(b, z, x int) float32 { return float32(b+z+x+1) / 100 }))
	keys := []string{"bitsAllocated", "cols", "decodable", "deviceBoundaries", "dims", "error", "file", "format", "frames", "modality",
		"rows", "samplesPerPixel", "sopClassUid", "spacing", "spacingUm", "transferSyntaxUid", "volumeKind", "volumeKindSource"}
	tests := []struct {
		name   string
		files  []string
		exit   int
		checks func(t *testing.T, recs []map[string]any)
	}{
		{"accepted DICOM and raw", []string{good, rawPath}, 0, func(t *testing.T, recs []map[string]any) {
			require.Equal(t, "dicom", recs[0]["format"])
			require.Equal(t, "MR", recs[0]["modality"])
			require.Equal(t, "1.2.840.10008.5.1.4.1.1.4", recs[0]["sopClassUid"])
			require.Equal(t, "1.2.840.10008.1.2.1", recs[0]["transferSyntaxUid"])
			require.Equal(t, []any{176.0, 176.0, 1.0, 16.0}, []any{recs[0]["rows"], recs[0]["cols"], recs[0]["frames"], recs[0]["bitsAllocated"]})
			require.Equal(t, true, recs[0]["decodable"])
			require.Nil(t, recs[0]["error"])
			require.Equal(t, "raw", recs[1]["format"])
			require.Equal(t, []any{0.5, 0.5, 2.0}, recs[1]["spacingUm"])
			require.Equal(t, []any{3.0, 4.0, 2.0}, []any{recs[1]["rows"], recs[1]["cols"], recs[1]["frames"]})
			require.Equal(t, "FRAME_STACK", recs[1]["volumeKind"])
			require.Equal(t, "DEFAULT", recs[1]["volumeKindSource"], "nobody said: the default, recorded as such")
			require.Equal(t, map[string]any{"x": 4.0, "y": 3.0, "z": 2.0}, recs[1]["dims"])
		}},
		{"Heidelberg .vol is an OCT volume", []string{volPath}, 0, func(t *testing.T, recs []map[string]any) {
			require.Equal(t, "vol", recs[0]["format"])
			require.Equal(t, "OCT_VOLUME", recs[0]["volumeKind"])
			require.Equal(t, "FILE", recs[0]["volumeKindSource"])
			require.Equal(t, map[string]any{"x": 8.0, "y": 3.0, "z": 5.0}, recs[0]["dims"], "x A-scans, y B-scans, z depth")
			sp := recs[0]["spacing"].(map[string]any)
			require.InDelta(t, 11.5, sp["x"], 1e-9)
			require.InDelta(t, 120, sp["y"], 1e-9)
			require.InDelta(t, 3.9, sp["z"], 1e-9)
			require.Equal(t, "um", sp["unit"])
			require.Equal(t, []any{"ILM"}, recs[0]["deviceBoundaries"])
			require.Equal(t, true, recs[0]["decodable"])
		}},
		{"rejected files", []string{good, cut, bad, empty, filepath.Join(dir, "missing.dcm")}, 2, func(t *testing.T, recs []map[string]any) {
			require.Nil(t, recs[0]["error"])
			require.Contains(t, recs[1]["error"], "TRUNCATED: pixel data declares")
			require.Equal(t, 176.0, recs[1]["rows"], "a truncated file still shows its header")
			require.Equal(t, false, recs[1]["decodable"])
			require.Contains(t, recs[2]["error"], "DIMENSION_MISMATCH")
			require.Contains(t, recs[3]["error"], "EMPTY")
			require.Contains(t, recs[4]["error"], "no such file")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runInspect(context.Background(), append([]string{"--json"}, tc.files...), &out, &errOut)
			require.Equal(t, tc.exit, inspectExitCode(t, err))
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			require.Len(t, lines, len(tc.files))
			var recs []map[string]any
			for i, line := range lines {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec))
				got := make([]string, 0, len(rec))
				for k := range rec {
					got = append(got, k)
				}
				slices.Sort(got)
				require.Equal(t, keys, got)
				require.Equal(t, tc.files[i], rec["file"])
				recs = append(recs, rec)
			}
			tc.checks(t, recs)
		})
	}

	var out bytes.Buffer
	err = runInspect(context.Background(), []string{good, cut}, &out, &bytes.Buffer{})
	require.Equal(t, 2, inspectExitCode(t, err))
	require.Contains(t, out.String(), "TRANSFER SYNTAX")
	require.Contains(t, out.String(), "1025.64,1025.64,3000")
	t.Logf("table output:\n%s", out.String())

	require.Equal(t, 2, inspectExitCode(t, runInspect(context.Background(), nil, &bytes.Buffer{}, &bytes.Buffer{})))

	// A stated kind the file contradicts is a rejection, not an override.
	out.Reset()
	err = runInspect(context.Background(), []string{"--json", "--volume-kind", "FRAME_STACK", volPath}, &out, &bytes.Buffer{})
	require.Equal(t, 2, inspectExitCode(t, err))
	require.Contains(t, out.String(), "KIND_CONFLICT")
}
