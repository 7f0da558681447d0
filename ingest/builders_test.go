package ingest

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// This file holds tiny writers for the synthetic DICOM and TIFF files the tests need, so
// that every byte of them is known.

const (
	tsImplicitLE = "1.2.840.10008.1.2"
	tsExplicitLE = "1.2.840.10008.1.2.1"
	tsJPEG       = "1.2.840.10008.1.2.4.50"
	tsJ2K        = "1.2.840.10008.1.2.4.90"
)

// dcmElem is one element to write; items is set for a sequence (VR SQ).
type dcmElem struct {
	group, elem uint16
	vr          string
	val         []byte
	items       [][]dcmElem
}

func dStr(g, e uint16, vr, s string) dcmElem {
	b := []byte(s)
	if len(b)%2 == 1 {
		pad := byte(' ')
		if vr == "UI" {
			pad = 0
		}
		b = append(b, pad)
	}
	return dcmElem{group: g, elem: e, vr: vr, val: b}
}

func dUS(g, e, v uint16) dcmElem {
	return dcmElem{group: g, elem: e, vr: "US", val: binary.LittleEndian.AppendUint16(nil, v)}
}

func longVR(vr string) bool {
	switch vr {
	case "OB", "OW", "SQ", "UN", "UT", "OF", "OD", "OL", "UC", "UR":
		return true
	}
	return false
}

func writeElems(buf *bytes.Buffer, elems []dcmElem, implicit bool) {
	le := binary.LittleEndian
	for _, e := range elems {
		var hdr []byte
		hdr = le.AppendUint16(hdr, e.group)
		hdr = le.AppendUint16(hdr, e.elem)
		val := e.val
		if e.vr == "SQ" {
			var sq bytes.Buffer
			for _, it := range e.items {
				var ib bytes.Buffer
				writeElems(&ib, it, implicit)
				sq.Write([]byte{0xFE, 0xFF, 0x00, 0xE0})
				sq.Write(le.AppendUint32(nil, uint32(ib.Len())))
				sq.Write(ib.Bytes())
			}
			val = sq.Bytes()
		}
		switch {
		case implicit:
			hdr = le.AppendUint32(hdr, uint32(len(val)))
		case longVR(e.vr):
			hdr = append(hdr, e.vr...)
			hdr = append(hdr, 0, 0)
			hdr = le.AppendUint32(hdr, uint32(len(val)))
		default:
			hdr = append(hdr, e.vr...)
			hdr = le.AppendUint16(hdr, uint16(len(val)))
		}
		buf.Write(hdr)
		buf.Write(val)
	}
}

// dicomFile is a synthetic DICOM: header attributes plus native pixels or JPEG fragments.
type dicomFile struct {
	ts           string
	sop          string // Secondary Capture when empty
	modality     string
	rows, cols   int
	frames       int // 0 leaves NumberOfFrames out
	bits         int
	samples      int
	photometric  string
	pixelSpacing string // "row\col" in mm
	sliceSpacing string
	laterality   string
	patientID    string
	extra        []dcmElem
	native       []byte
	fragments    [][]byte
}

func (f dicomFile) bytes() []byte {
	le := binary.LittleEndian
	var out bytes.Buffer
	out.Write(make([]byte, 128))
	out.WriteString("DICM")
	sop := f.sop
	if sop == "" {
		sop = "1.2.840.10008.5.1.4.1.1.7"
	}
	var m bytes.Buffer
	writeElems(&m, []dcmElem{
		{group: 2, elem: 1, vr: "OB", val: []byte{0, 1}},
		dStr(2, 2, "UI", sop),
		dStr(2, 3, "UI", "1.2.826.0.1.3680043.2.1125.1.1"),
		dStr(2, 0x10, "UI", f.ts),
		dStr(2, 0x12, "UI", "1.2.826.0.1.3680043.2.1125.99"),
	}, false)
	writeElems(&out, []dcmElem{{group: 2, elem: 0, vr: "UL", val: le.AppendUint32(nil, uint32(m.Len()))}}, false)
	out.Write(m.Bytes())

	samples := max(f.samples, 1)
	photo := f.photometric
	if photo == "" {
		photo = "MONOCHROME2"
	}
	elems := []dcmElem{
		dStr(8, 0x16, "UI", sop),
		dStr(8, 0x18, "UI", "1.2.826.0.1.3680043.2.1125.1.1"),
		dStr(8, 0x20, "DA", "20240131"),
		dStr(8, 0x60, "CS", f.modality),
		dStr(8, 0x70, "LO", "Acme Optics"),
		dStr(0x10, 0x10, "PN", "Doe^Jane"),
		dStr(0x10, 0x20, "LO", f.patientID),
		dStr(0x20, 0x0D, "UI", "1.2.826.0.1.3680043.2.1125.2"),
		dUS(0x28, 2, uint16(samples)),
		dStr(0x28, 4, "CS", photo),
		dUS(0x28, 0x10, uint16(f.rows)),
		dUS(0x28, 0x11, uint16(f.cols)),
		dUS(0x28, 0x100, uint16(f.bits)),
		dUS(0x28, 0x101, uint16(f.bits)),
		dUS(0x28, 0x102, uint16(f.bits-1)),
		dUS(0x28, 0x103, 0),
	}
	if samples == 3 {
		elems = append(elems, dUS(0x28, 6, 0))
	}
	if f.frames > 0 {
		elems = append(elems, dStr(0x28, 8, "IS", strconv.Itoa(f.frames)))
	}
	if f.pixelSpacing != "" {
		elems = append(elems, dStr(0x28, 0x30, "DS", f.pixelSpacing))
	}
	if f.sliceSpacing != "" {
		elems = append(elems, dStr(0x18, 0x88, "DS", f.sliceSpacing))
	}
	if f.laterality != "" {
		elems = append(elems, dStr(0x20, 0x62, "CS", f.laterality))
	}
	elems = append(elems, f.extra...)
	slices.SortFunc(elems, func(a, b dcmElem) int {
		return int(uint32(a.group)<<16|uint32(a.elem)) - int(uint32(b.group)<<16|uint32(b.elem))
	})
	implicit := f.ts == tsImplicitLE
	writeElems(&out, elems, implicit)

	if f.fragments != nil {
		out.Write([]byte{0xE0, 0x7F, 0x10, 0x00, 'O', 'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF})
		out.Write([]byte{0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0})
		for _, fr := range f.fragments {
			if len(fr)%2 == 1 {
				fr = append(slices.Clone(fr), 0)
			}
			out.Write([]byte{0xFE, 0xFF, 0x00, 0xE0})
			out.Write(le.AppendUint32(nil, uint32(len(fr))))
			out.Write(fr)
		}
		out.Write([]byte{0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0})
		return out.Bytes()
	}
	vr := "OW"
	if f.bits == 8 {
		vr = "OB"
	}
	writeElems(&out, []dcmElem{{group: 0x7FE0, elem: 0x10, vr: vr, val: f.native}}, implicit)
	return out.Bytes()
}

// tiffPageSpec is one page of a synthetic TIFF.
type tiffPageSpec struct {
	w, h, bits int
	pix        []uint16 // row-major samples
}

// buildTIFF writes an uncompressed grayscale TIFF, one strip a page, with a resolution of
// pxPerCm pixels per centimetre (0 leaves the resolution tags out).
func buildTIFF(bo binary.AppendByteOrder, pages []tiffPageSpec, pxPerCm uint32) []byte {
	var out []byte
	if bo == binary.AppendByteOrder(binary.BigEndian) {
		out = append(out, 'M', 'M', 0, 42)
	} else {
		out = append(out, 'I', 'I', 42, 0)
	}
	out = bo.AppendUint32(out, 0) // patched below
	prevNext := 4
	for _, p := range pages {
		dataOff := len(out)
		for _, v := range p.pix {
			if p.bits == 8 {
				out = append(out, byte(v))
			} else {
				out = bo.AppendUint16(out, v)
			}
		}
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
		resOff := len(out)
		out = bo.AppendUint32(out, pxPerCm)
		out = bo.AppendUint32(out, 1)
		type ent struct {
			tag, typ uint16
			val      uint32
		}
		ents := []ent{
			{256, 4, uint32(p.w)}, {257, 4, uint32(p.h)}, {258, 3, uint32(p.bits)}, {259, 3, 1},
			{262, 3, 1}, {273, 4, uint32(dataOff)}, {277, 3, 1}, {278, 4, uint32(p.h)},
			{279, 4, uint32(len(p.pix) * p.bits / 8)},
		}
		if pxPerCm > 0 {
			ents = append(ents, ent{282, 5, uint32(resOff)}, ent{283, 5, uint32(resOff)}, ent{296, 3, 3})
		}
		ifd := len(out)
		bo.(binary.ByteOrder).PutUint32(out[prevNext:], uint32(ifd))
		out = bo.AppendUint16(out, uint16(len(ents)))
		for _, e := range ents {
			out = bo.AppendUint16(out, e.tag)
			out = bo.AppendUint16(out, e.typ)
			out = bo.AppendUint32(out, 1)
			if e.typ == 3 {
				out = bo.AppendUint16(out, uint16(e.val))
				out = bo.AppendUint16(out, 0)
			} else {
				out = bo.AppendUint32(out, e.val)
			}
		}
		prevNext = len(out)
		out = bo.AppendUint32(out, 0)
	}
	return out
}

// ramp returns n samples (i*step) mod modulus.
func ramp(n, step, modulus int) []uint16 {
	out := make([]uint16, n)
	for i := range out {
		out[i] = uint16((i * step) % modulus)
	}
	return out
}

func le16(v []uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

// volSpec is a synthetic Heidelberg .vol file, written from the published layout (see
// vol.go): a 2048-byte header, the SLO image, then per B-scan a header (with the
// boundaries inside it) and SizeZ rows of SizeX float32.
type volSpec struct {
	version           string // "HSF-OCT-103" when empty
	sizeX, nB, sizeZ  int
	scaleX, dist, scZ float64 // mm
	sloW, sloH        int
	bscanHdr          int // 256 when 0; the boundaries, at 256, must fit in it
	pos               string
	patientID         string
	dobDays           float64
	pix               func(b, z, x int) float32 // stored (linear) value
	seg               [][]float32               // seg[s][b·sizeX+x], nil for none
	bscanMagic        string                    // "HSF-BS-103" when empty
	hdrSizeInBScan    int                       // 0 repeats bscanHdr
}

func (v volSpec) bytes() []byte {
	le := binary.LittleEndian
	hdr := v.bscanHdr
	if hdr == 0 {
		hdr = 256
	}
	ver := v.version
	if ver == "" {
		ver = "HSF-OCT-103"
	}
	h := make([]byte, 2048)
	copy(h[0:12], ver)
	le.PutUint32(h[12:], uint32(int32(v.sizeX)))
	le.PutUint32(h[16:], uint32(int32(v.nB)))
	le.PutUint32(h[20:], uint32(int32(v.sizeZ)))
	le.PutUint64(h[24:], math.Float64bits(v.scaleX))
	le.PutUint64(h[32:], math.Float64bits(v.dist))
	le.PutUint64(h[40:], math.Float64bits(v.scZ))
	le.PutUint32(h[48:], uint32(int32(v.sloW)))
	le.PutUint32(h[52:], uint32(int32(v.sloH)))
	le.PutUint64(h[56:], math.Float64bits(0.0114))
	le.PutUint64(h[64:], math.Float64bits(0.0114))
	le.PutUint32(h[72:], 30)
	copy(h[84:88], v.pos)
	le.PutUint32(h[100:], uint32(int32(hdr)))
	copy(h[140:161], v.patientID)
	le.PutUint64(h[164:], math.Float64bits(v.dobDays))
	out := append([]byte(nil), h...)
	for i := range v.sloW * v.sloH {
		out = append(out, byte(i*7))
	}
	for b := range v.nB {
		bh := make([]byte, hdr)
		magic := v.bscanMagic
		if magic == "" {
			magic = "HSF-BS-103"
		}
		copy(bh[0:12], magic)
		inner := v.hdrSizeInBScan
		if inner == 0 {
			inner = hdr
		}
		le.PutUint32(bh[12:], uint32(int32(inner)))
		le.PutUint64(bh[16:], math.Float64bits(float64(b)))
		le.PutUint32(bh[48:], uint32(len(v.seg)))
		le.PutUint32(bh[52:], 256)
		for s, line := range v.seg {
			for x := range v.sizeX {
				le.PutUint32(bh[256+(s*v.sizeX+x)*4:], math.Float32bits(line[b*v.sizeX+x]))
			}
		}
		out = append(out, bh...)
		for z := range v.sizeZ {
			for x := range v.sizeX {
				out = le.AppendUint32(out, math.Float32bits(v.pix(b, z, x)))
			}
		}
	}
	return out
}

// volPix is a ramp of distinct linear values in (0, 1), with the format's invalid marker
// in the first A-scan of every B-scan.
func volPix(b, z, x int) float32 {
	if x == 0 {
		return math.MaxFloat32
	}
	return float32(1+b*1000+z*10+x) / 1e5
}

// octDICOM is a synthetic Ophthalmic Tomography image: 3 frames (B-scans) of 4 rows (depth)
// by 5 columns (A-scans), 16-bit, pixel spacing 3.9 µm (rows) by 11.5 µm (columns) in the
// shared functional groups, and frame positions 0.12 mm apart in the per-frame ones. Frame
// b, row d, column x holds b·100 + d·10 + x.
func octDICOM(ts string) dicomFile {
	pix := make([]uint16, 0, 60)
	for b := range 3 {
		for d := range 4 {
			for x := range 5 {
				pix = append(pix, uint16(b*100+d*10+x))
			}
		}
	}
	var perFrame [][]dcmElem
	for b := range 3 {
		perFrame = append(perFrame, []dcmElem{{group: 0x20, elem: 0x9113, vr: "SQ", items: [][]dcmElem{{
			dStr(0x20, 0x32, "DS", "1.5\\"+strconv.FormatFloat(-0.2+0.12*float64(b), 'f', 2, 64)+"\\0"),
		}}}})
	}
	return dicomFile{ts: ts, sop: SOPOphthalmicTomography, modality: "OPT", rows: 4, cols: 5, frames: 3, bits: 16,
		patientID: "OCT-1", laterality: "R", native: le16(pix),
		extra: []dcmElem{
			{group: 0x5200, elem: 0x9229, vr: "SQ", items: [][]dcmElem{{
				{group: 0x28, elem: 0x9110, vr: "SQ", items: [][]dcmElem{{
					dStr(0x18, 0x50, "DS", "0.02"),
					dStr(0x28, 0x30, "DS", "0.0039\\0.0115"),
				}}},
			}}},
			{group: 0x5200, elem: 0x9230, vr: "SQ", items: perFrame},
		}}
}
