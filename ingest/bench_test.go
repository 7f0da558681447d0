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

// BenchmarkParseVol parses and decodes a 128 B-scan × 496 × 512 Heidelberg .vol (the
// device's 20°×15° macular raster at high speed) from disk, as the ingester does: header,
// every B-scan header, the fourth-root display scale, and the z×y×x layout.
func BenchmarkParseVol(b *testing.B) {
	spec := volSpec{sizeX: 512, nB: 128, sizeZ: 496, scaleX: 0.0116, dist: 0.047, scZ: 0.0039,
		sloW: 768, sloH: 768, pix: func(bs, z, x int) float32 { return float32((bs*7+z*3+x)%1000+1) / 1000 }}
	data := spec.bytes()
	path := filepath.Join(b.TempDir(), "scan.vol")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
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
		if v.X != 512 || v.Y != 128 || v.Z != 496 {
			b.Fatalf("decoded %dx%dx%d", v.X, v.Y, v.Z)
		}
		f.Close()
	}
	b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}
