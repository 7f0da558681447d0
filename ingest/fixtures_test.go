package ingest

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixtures are files that other packages' tests (the API tests) upload. They are written by
// this package's builders; the test keeps the committed bytes equal to what the builders
// make (AOMAS_UPDATE_FIXTURES=1 rewrites them).
func fixtures() map[string][]byte {
	j2k := dicomFile{ts: tsJ2K, modality: "OPT", rows: 64, cols: 32, frames: 2, bits: 16, pixelSpacing: "0.001\\0.001",
		patientID: "P9", fragments: [][]byte{{0xFF, 0x4F, 0xFF, 0x51, 1, 2, 3, 4}, {0xFF, 0x4F, 0xFF, 0x51, 5, 6}}}
	stack := []tiffPageSpec{
		{w: 40, h: 30, bits: 16, pix: ramp(1200, 7, 4000)},
		{w: 40, h: 30, bits: 16, pix: ramp(1200, 11, 4000)},
		{w: 40, h: 30, bits: 16, pix: ramp(1200, 13, 4000)},
	}
	mismatched := []tiffPageSpec{
		{w: 4, h: 4, bits: 16, pix: ramp(16, 1, 100)},
		{w: 4, h: 3, bits: 16, pix: ramp(12, 1, 100)},
	}
	return map[string][]byte{
		"j2k.dcm":        j2k.bytes(),
		"stack16.tif":    buildTIFF(binary.LittleEndian, stack, 20000), // 0.5 µm per pixel
		"mismatched.tif": buildTIFF(binary.LittleEndian, mismatched, 0),
	}
}

func TestFixturesUpToDate(t *testing.T) {
	dir := filepath.Join("testdata", "fixtures")
	for name, want := range fixtures() {
		path := filepath.Join(dir, name)
		if os.Getenv("AOMAS_UPDATE_FIXTURES") == "1" {
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(path, want, 0o644))
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err, "run with AOMAS_UPDATE_FIXTURES=1 to write %s", path)
		require.Equal(t, want, got, "%s differs from what the builders make", path)
	}
}
