package ingest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

const tsDeflatedLE = "1.2.840.10008.1.2.1.99"

// deflateAfterMeta turns an explicit VR little endian file whose meta group names the
// deflated syntax into a real deflated file: the data set after the meta group is deflated.
func deflateAfterMeta(t testing.TB, b []byte) []byte {
	t.Helper()
	end := 144 + int(binary.LittleEndian.Uint32(b[140:144]))
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, flate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(b[end:])
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return append(append([]byte(nil), b[:end]...), z.Bytes()...)
}

// TestDeflatedExplicitLittleEndian: a deflated data set reads as the same header and
// voxels as the explicit VR little endian file it was made from.
func TestDeflatedExplicitLittleEndian(t *testing.T) {
	pix := le16(ramp(4*5*3, 1000, 65536))
	plain := dicomFile{ts: tsExplicitLE, modality: "OPT", rows: 4, cols: 5, frames: 3, bits: 16, pixelSpacing: "0.002\\0.001",
		laterality: "R", patientID: "P1", native: pix}
	defl := plain
	defl.ts = tsDeflatedLE
	file := deflateAfterMeta(t, defl.bytes())

	want, err := Parse(bytes.NewReader(plain.bytes()), int64(len(plain.bytes())), "a.dcm", Options{})
	require.NoError(t, err)
	got, err := Parse(bytes.NewReader(file), int64(len(file)), "a.dcm", Options{})
	require.NoError(t, err)
	require.Equal(t, tsDeflatedLE, got.TransferSyntaxUID)
	require.Equal(t, "Deflated Explicit VR Little Endian", got.TransferSyntaxName)
	require.Equal(t, int64(len(file)), got.Size)
	require.Equal(t, want.SpacingUm, got.SpacingUm)
	require.Equal(t, want.Subject, got.Subject)
	wv, err := want.Volume()
	require.NoError(t, err)
	gv, err := got.Volume()
	require.NoError(t, err)
	require.Equal(t, wv.Vox, gv.Vox)

	// Truncated and corrupt deflate streams are typed rejections.
	_, err = Parse(bytes.NewReader(file[:len(file)-4]), int64(len(file)-4), "a.dcm", Options{})
	_ = requireCode(t, err, CodeTruncated)
	bad := append([]byte(nil), file...)
	for i := len(bad) - 40; i < len(bad); i++ {
		bad[i] = 0xFF
	}
	_, err = Parse(bytes.NewReader(bad), int64(len(bad)), "a.dcm", Options{})
	require.Error(t, err)
}

// TestDeflateBomb: a data set that inflates past the ratio limit is refused before it is
// all inflated.
func TestDeflateBomb(t *testing.T) {
	big := dicomFile{ts: tsDeflatedLE, modality: "OPT", rows: 2048, cols: 2048, frames: 8, bits: 16, patientID: "P1",
		native: make([]byte, 2048*2048*8*2)}
	file := deflateAfterMeta(t, big.bytes())
	require.Less(t, len(file), 200<<10)
	_, err := Parse(bytes.NewReader(file), int64(len(file)), "bomb.dcm", Options{})
	rej := requireCode(t, err, CodeTooLarge)
	require.Contains(t, rej.Reason, "inflates to more than")
}
