package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseDICOMMultiFrame parses and decodes a native 64×512×512 uint16 multi-frame
// DICOM from disk, as the ingester does. The file is also written to
// $AOMAS_BENCH_DICOM_OUT when set, so that bench/pydicom_bench.py can time pydicom on the
// same bytes.
func BenchmarkParseDICOMMultiFrame(b *testing.B) {
	const frames, rows, cols = 64, 512, 512
	data := dicomFile{ts: tsExplicitLE, modality: "OPT", rows: rows, cols: cols, frames: frames, bits: 16,
		pixelSpacing: "0.001\\0.001", sliceSpacing: "0.002", patientID: "BENCH",
		native: le16(ramp(frames*rows*cols, 7, 4096))}.bytes()
	path := filepath.Join(b.TempDir(), "multiframe.dcm")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	if out := os.Getenv("AOMAS_BENCH_DICOM_OUT"); out != "" {
		if err := os.WriteFile(out, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Parse(f, int64(len(data)), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		v, err := res.Volume()
		if err != nil {
			b.Fatal(err)
		}
		if len(v.Vox) != frames*rows*cols {
			b.Fatalf("decoded %d voxels", len(v.Vox))
		}
		f.Close()
	}
	b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}
