package testenv

import (
	"encoding/binary"
	"math"
	"slices"
)

// VolFile returns a Heidelberg Spectralis .vol raw export (see ingest/vol.go for the
// layout) of nB B-scans of sizeZ depth samples by sizeX A-scans, spaced scaleXMm between
// A-scans, distMm between B-scans and scaleZMm in depth, with a 4×4 SLO, an ILM boundary at
// depth 1, and pix(b, z, x) as the stored linear intensity.
func VolFile(sizeX, nB, sizeZ int, scaleXMm, distMm, scaleZMm float64, pix func(b, z, x int) float32) []byte {
	le := binary.LittleEndian
	const hdr = 256 + 4096
	h := make([]byte, 2048)
	copy(h, "HSF-OCT-103")
	le.PutUint32(h[12:], uint32(sizeX))
	le.PutUint32(h[16:], uint32(nB))
	le.PutUint32(h[20:], uint32(sizeZ))
	le.PutUint64(h[24:], math.Float64bits(scaleXMm))
	le.PutUint64(h[32:], math.Float64bits(distMm))
	le.PutUint64(h[40:], math.Float64bits(scaleZMm))
	le.PutUint32(h[48:], 4)
	le.PutUint32(h[52:], 4)
	copy(h[84:], "OD")
	le.PutUint32(h[100:], hdr)
	out := slices.Concat(h, make([]byte, 16))
	for b := range nB {
		bh := make([]byte, hdr)
		copy(bh, "HSF-BS-103")
		le.PutUint32(bh[12:], hdr)
		seg := 0
		if sizeX <= 1024 {
			seg = 1
			for x := range sizeX {
				le.PutUint32(bh[256+4*x:], math.Float32bits(1))
			}
		}
		le.PutUint32(bh[48:], uint32(seg))
		le.PutUint32(bh[52:], 256)
		out = append(out, bh...)
		for z := range sizeZ {
			for x := range sizeX {
				out = le.AppendUint32(out, math.Float32bits(pix(b, z, x)))
			}
		}
	}
	return out
}
