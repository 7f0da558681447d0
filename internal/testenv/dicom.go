package testenv

import (
	"encoding/binary"
	"strconv"
)

// DICOMImage describes a synthetic explicit VR little endian image instance (uint16 pixels).
type DICOMImage struct {
	SOPClassUID, SOPInstanceUID, StudyUID, SeriesUID string
	PatientID, Laterality                            string // Laterality: R or L
	Acquisition, Instance                            int
	Frames, Rows, Cols                               int
	// Seed varies the pixels.
	Seed int
}

// DICOM writes the instance as a Part 10 file.
func (d DICOMImage) DICOM() []byte {
	var meta, ds dcmBuf
	meta.el(2, 1, "OB", []byte{0, 1})
	meta.str(2, 2, "UI", d.SOPClassUID)
	meta.str(2, 3, "UI", d.SOPInstanceUID)
	meta.str(2, 0x10, "UI", "1.2.840.10008.1.2.1")
	meta.str(2, 0x12, "UI", "1.2.826.0.1.3680043.2.1125.99")
	out := make([]byte, 128, 128+4+12+len(meta.b))
	out = append(out, "DICM"...)
	var gl dcmBuf
	gl.el(2, 0, "UL", binary.LittleEndian.AppendUint32(nil, uint32(len(meta.b))))
	out = append(append(out, gl.b...), meta.b...)

	ds.str(8, 0x16, "UI", d.SOPClassUID)
	ds.str(8, 0x18, "UI", d.SOPInstanceUID)
	ds.str(8, 0x20, "DA", "20261201")
	ds.str(8, 0x60, "CS", "OPT")
	ds.str(8, 0x70, "LO", "Test Optics")
	ds.str(0x10, 0x10, "PN", "Doe^Jane")
	ds.str(0x10, 0x20, "LO", d.PatientID)
	ds.str(0x20, 0x0D, "UI", d.StudyUID)
	ds.str(0x20, 0x0E, "UI", d.SeriesUID)
	ds.str(0x20, 0x12, "IS", strconv.Itoa(d.Acquisition))
	ds.str(0x20, 0x13, "IS", strconv.Itoa(d.Instance))
	ds.str(0x20, 0x62, "CS", d.Laterality)
	ds.el(0x28, 2, "US", binary.LittleEndian.AppendUint16(nil, 1))
	ds.str(0x28, 4, "CS", "MONOCHROME2")
	if d.Frames > 1 {
		ds.str(0x28, 8, "IS", strconv.Itoa(d.Frames))
	}
	ds.el(0x28, 0x10, "US", binary.LittleEndian.AppendUint16(nil, uint16(d.Rows)))
	ds.el(0x28, 0x11, "US", binary.LittleEndian.AppendUint16(nil, uint16(d.Cols)))
	ds.str(0x28, 0x30, "DS", `0.001\0.001`)
	ds.el(0x28, 0x100, "US", binary.LittleEndian.AppendUint16(nil, 16))
	ds.el(0x28, 0x101, "US", binary.LittleEndian.AppendUint16(nil, 16))
	ds.el(0x28, 0x102, "US", binary.LittleEndian.AppendUint16(nil, 15))
	ds.el(0x28, 0x103, "US", binary.LittleEndian.AppendUint16(nil, 0))
	frames := max(d.Frames, 1)
	pix := make([]byte, 2*frames*d.Rows*d.Cols)
	for i := range frames * d.Rows * d.Cols {
		binary.LittleEndian.PutUint16(pix[2*i:], uint16((i*7+d.Seed*131+d.Instance*17)%4096))
	}
	ds.el(0x7FE0, 0x10, "OW", pix)
	return append(out, ds.b...)
}

type dcmBuf struct{ b []byte }

func (e *dcmBuf) el(g, el uint16, vr string, v []byte) {
	e.b = binary.LittleEndian.AppendUint16(e.b, g)
	e.b = binary.LittleEndian.AppendUint16(e.b, el)
	e.b = append(e.b, vr...)
	switch vr {
	case "OB", "OW", "SQ", "UN", "UT":
		e.b = append(e.b, 0, 0)
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(len(v)))
	default:
		e.b = binary.LittleEndian.AppendUint16(e.b, uint16(len(v)))
	}
	e.b = append(e.b, v...)
}

func (e *dcmBuf) str(g, el uint16, vr, s string) {
	if len(s)%2 == 1 {
		if vr == "UI" {
			s += "\x00"
		} else {
			s += " "
		}
	}
	e.el(g, el, vr, []byte(s))
}
