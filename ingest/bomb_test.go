package ingest_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/testenv"
)

// TestDecodedSizeIsBoundedBeforeDecoding: the declared volume is weighed against the limits
// on decoded bytes, plane size and compression ratio from the header alone.
func TestDecodedSizeIsBoundedBeforeDecoding(t *testing.T) {
	bomb := testenv.DeflateTIFF(1024, 1024, 64, make([]byte, 1024*1024))
	require.Less(t, len(bomb), 12<<10, "an ~8 KB file")
	tests := []struct {
		name string
		file []byte
		opts ingest.Options
		says string
	}{
		{"compression ratio", bomb, ingest.Options{}, "times its size"},
		{"decoded bytes", bomb, ingest.Options{MaxDecodedBytes: 32 << 20, MaxCompressionRatio: 1e9}, "decode to 67108864 bytes"},
		{"plane size", bomb, ingest.Options{MaxPlaneVoxels: 512 * 512}, "planes of up to 1048576 voxels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ingest.Parse(bytes.NewReader(tc.file), int64(len(tc.file)), "bomb.tif", tc.opts)
			var rej *ingest.RejectError
			require.ErrorAs(t, err, &rej)
			require.Equal(t, ingest.CodeTooLarge, rej.Code)
			require.Contains(t, rej.Reason, tc.says)
		})
	}
	// A small compressed stack, under the ratio floor, is read plane by plane.
	pix := make([]byte, 64*48)
	for i := range pix {
		pix[i] = byte(i)
	}
	small := testenv.DeflateTIFF(64, 48, 3, pix)
	res, err := ingest.Parse(bytes.NewReader(small), int64(len(small)), "small.tif", ingest.Options{})
	require.NoError(t, err)
	plane := make([]float32, 64*48)
	require.NoError(t, res.Plane(2, plane))
	require.Equal(t, float32(pix[100]), plane[100])
	require.Error(t, res.Plane(3, plane))
}
