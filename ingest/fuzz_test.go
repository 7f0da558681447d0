package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary bytes (and an arbitrary sidecar) to Parse and, for small
// decodable results, to Volume. Neither may panic, hang, or fail with anything but a
// *RejectError, and a decoded volume must have the announced size.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"1.dcm", "3.dcm"} {
		f.Add(readTestdata(f, name), []byte(nil))
	}
	f.Add(readTestdata(f, "5.dcm")[:8192], []byte(nil))
	f.Add(dicomFile{ts: tsExplicitLE, modality: "OPT", rows: 4, cols: 5, frames: 3, bits: 16, pixelSpacing: "0.002\\0.001",
		native: le16(ramp(60, 1000, 65536))}.bytes(), []byte(nil))
	f.Add(dicomFile{ts: tsImplicitLE, modality: "OP", rows: 2, cols: 2, bits: 8, native: []byte{1, 2, 3, 4}}.bytes(), []byte(nil))
	f.Add(dicomFile{ts: tsJPEG, modality: "OP", rows: 8, cols: 8, frames: 1, bits: 8,
		fragments: [][]byte{{0xFF, 0xD8, 0xFF, 0xD9}}}.bytes(), []byte(nil))
	f.Add(dicomFile{ts: tsJ2K, modality: "OPT", rows: 4, cols: 4, frames: 1, bits: 16,
		fragments: [][]byte{{0xFF, 0x4F, 0xFF, 0x51}}}.bytes(), []byte(nil))
	f.Add(buildTIFF(binary.LittleEndian, []tiffPageSpec{
		{w: 3, h: 2, bits: 8, pix: ramp(6, 9, 256)}, {w: 3, h: 2, bits: 8, pix: ramp(6, 5, 256)}}, 1000), []byte(nil))
	f.Add(buildTIFF(binary.BigEndian, []tiffPageSpec{{w: 2, h: 2, bits: 16, pix: ramp(4, 999, 65536)}}, 0), []byte(nil))
	f.Add(le16(ramp(24, 7, 65536)), []byte(`{"dims":[2,3,4],"dtype":"uint16","spacingUm":[1,1,2]}`))
	f.Add([]byte{}, []byte(nil))
	f.Add(volFixture().bytes(), []byte(nil))
	f.Add(octDICOM(tsExplicitLE).bytes(), []byte(nil))
	f.Add(le16(ramp(24, 7, 65536)), []byte(`{"dims":[2,3,4],"dtype":"uint16","axes":["bscan","depth","ascan"]}`))

	f.Fuzz(func(t *testing.T, data, sidecar []byte) {
		opts := Options{MaxVoxels: 1 << 22}
		if len(sidecar) > 0 {
			opts.Sidecar = sidecar
		}
		res, err := Parse(bytes.NewReader(data), int64(len(data)), "fuzz.dcm", opts)
		if res == nil {
			t.Fatal("Parse returned a nil Result")
		}
		var rej *RejectError
		if err != nil && !errors.As(err, &rej) {
			t.Fatalf("Parse returned %T %v, not a *RejectError", err, err)
		}
		if err != nil || !res.Decodable {
			return
		}
		v, err := res.Volume()
		if err != nil {
			if !errors.As(err, &rej) {
				t.Fatalf("Volume returned %T %v, not a *RejectError", err, err)
			}
			return
		}
		if int64(len(v.Vox)) != res.Voxels() || v.X != res.Cols || v.Y != res.Rows || v.Z != res.Frames {
			t.Fatalf("volume %dx%dx%d (%d voxels) for a %dx%dx%d header", v.X, v.Y, v.Z, len(v.Vox), res.Cols, res.Rows, res.Frames)
		}
	})
}

// FuzzVol mutates a valid Heidelberg .vol (and truncations of it) through Parse, Volume,
// BScan and Boundaries: nothing may panic, hang or fail with anything but a *RejectError,
// and a decoded volume has the announced size.
func FuzzVol(f *testing.F) {
	good := volFixture().bytes()
	f.Add(good)
	f.Add(good[:2048])
	f.Add(good[:len(good)-7])
	noSeg := volFixture()
	noSeg.seg = nil
	f.Add(noSeg.bytes())
	big := volSpec{sizeX: 16, nB: 4, sizeZ: 8, scaleX: 0.01, dist: 0.1, scZ: 0.004, pix: volPix}
	f.Add(big.bytes())

	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(bytes.NewReader(data), int64(len(data)), "fuzz.vol", Options{MaxVoxels: 1 << 20})
		if res == nil {
			t.Fatal("Parse returned a nil Result")
		}
		var rej *RejectError
		if err != nil {
			if !errors.As(err, &rej) {
				t.Fatalf("Parse returned %T %v, not a *RejectError", err, err)
			}
			return
		}
		if res.Vol != nil {
			if _, err := res.Vol.Boundaries(); err != nil && !errors.As(err, &rej) {
				t.Fatalf("Boundaries returned %T %v, not a *RejectError", err, err)
			}
			if _, err := res.Vol.SLO(); err != nil && !errors.As(err, &rej) {
				t.Fatalf("SLO returned %T %v", err, err)
			}
		}
		if !res.Decodable {
			return
		}
		if err := res.BScan(res.Rows-1, make([]float32, res.Cols*res.Frames)); err != nil && !errors.As(err, &rej) {
			t.Fatalf("BScan returned %T %v, not a *RejectError", err, err)
		}
		v, err := res.Volume()
		if err != nil {
			if !errors.As(err, &rej) {
				t.Fatalf("Volume returned %T %v, not a *RejectError", err, err)
			}
			return
		}
		if int64(len(v.Vox)) != res.Voxels() || v.X != res.Cols || v.Y != res.Rows || v.Z != res.Frames {
			t.Fatalf("volume %dx%dx%d (%d voxels) for a %dx%dx%d header", v.X, v.Y, v.Z, len(v.Vox), res.Cols, res.Rows, res.Frames)
		}
		for _, x := range v.Vox {
			if x != x || x < 0 {
				t.Fatalf("decoded sample %v", x)
			}
		}
	})
}
