package ingest

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/suyashkumar/dicom/pkg/tag"
)

// The DICOM library allocates a value's declared length before reading it and recurses
// without limit, so a hostile length field costs gigabytes and deep nesting costs stack.
// dicomScanner walks the element structure first, exactly as the library will read it,
// checking every length against the bytes that are really there; the library only ever
// sees files that passed. The walk also finds the top-level Pixel Data, which is then read
// by offset instead of through the library's element-by-element path.

const (
	maxNesting   = 32
	undefinedLen = 0xFFFFFFFF
)

// window serves small reads from a cached block of an io.ReaderAt.
type window struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	off  int64
}

const windowSize = 64 << 10

// at returns the n bytes at off.
func (w *window) at(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > w.size {
		return nil, reject(CodeTruncated, "%d bytes at byte %d lie past the end of the file (%d bytes)", n, off, w.size)
	}
	if off >= w.off && off+int64(n) <= w.off+int64(len(w.buf)) {
		return w.buf[off-w.off : off-w.off+int64(n)], nil
	}
	want := int64(max(n, windowSize))
	want = min(want, w.size-off)
	if cap(w.buf) < int(want) {
		w.buf = make([]byte, want)
	}
	w.buf = w.buf[:want]
	w.off = off
	if err := readFull(w.r, w.buf, off, w.size); err != nil {
		w.buf = w.buf[:0]
		return nil, err
	}
	return w.buf[:n], nil
}

// span is a byte range of the file.
type span struct{ off, n int64 }

// pixelLoc is where the top-level Pixel Data lies.
type pixelLoc struct {
	tagOff int64
	valOff int64
	// length is the value length, or -1 for encapsulated (undefined-length) data.
	length int64
	// fragments are the encapsulated items after the Basic Offset Table.
	fragments []span
	// truncated is set when the file ends inside the pixel data; the header before it is
	// still read.
	truncated string
}

type elemHdr struct {
	tag    tag.Tag
	vr     string
	vl     uint32
	valOff int64
	kind   tag.VRKind
}

type dicomScanner struct {
	w        *window
	size     int64
	bo       binary.ByteOrder
	implicit bool
	pixel    *pixelLoc
}

// short words the error for a read of need bytes at off that would pass end.
func (s *dicomScanner) short(what string, off, need, end int64) error {
	if end >= s.size {
		return reject(CodeTruncated, "%s at byte %d needs %d bytes but the file ends at byte %d", what, off, need, s.size)
	}
	return reject(CodeCorrupt, "%s at byte %d needs %d bytes but its enclosing item ends at byte %d", what, off, need, end)
}

// header reads an element header at off the way the library does.
func (s *dicomScanner) header(off, end int64) (elemHdr, error) {
	var h elemHdr
	if off+8 > end {
		return h, s.short("an element header", off, 8, end)
	}
	b, err := s.w.at(off, 8)
	if err != nil {
		return h, err
	}
	h.tag = tag.Tag{Group: s.bo.Uint16(b[0:]), Element: s.bo.Uint16(b[2:])}
	implicit := s.implicit || h.tag == tag.Item
	if implicit {
		h.vr = tag.UnknownVR
		if info, err := tag.Find(h.tag); err == nil {
			h.vr = info.VR
		}
		h.vl = s.bo.Uint32(b[4:])
		h.valOff = off + 8
	} else {
		h.vr = string(b[4:6])
		switch h.vr {
		case "NA", "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT":
			if off+12 > end {
				return h, s.short("an element header", off, 12, end)
			}
			b, err = s.w.at(off, 12)
			if err != nil {
				return h, err
			}
			h.vl = s.bo.Uint32(b[8:])
			h.valOff = off + 12
			if h.vl == undefinedLen && (h.vr == "UC" || h.vr == "UR" || h.vr == "UT") {
				return h, reject(CodeCorrupt, "element %s at byte %d has VR %s with undefined length", h.tag, off, h.vr)
			}
		default:
			h.vl = uint32(s.bo.Uint16(b[6:]))
			if h.vl == 0xFFFF {
				h.vl = undefinedLen
			}
			h.valOff = off + 8
		}
	}
	h.kind = tag.GetVRKind(h.tag, h.vr)
	return h, nil
}

// element checks the element at off, descending into sequences, and returns the offset
// after it. Top-level Pixel Data is recorded, not checked against end, so that a
// truncated file still yields its header.
func (s *dicomScanner) element(off, end int64, depth int) (int64, elemHdr, error) {
	h, err := s.header(off, end)
	if err != nil {
		return 0, h, err
	}
	if depth > maxNesting {
		return 0, h, reject(CodeCorrupt, "sequences nest deeper than %d levels at byte %d", maxNesting, off)
	}
	defined := h.vl != undefinedLen
	valEnd := h.valOff + int64(h.vl)
	if defined && valEnd > end && (h.kind != tag.VRPixelData || depth != 0) {
		return 0, h, s.short(fmt.Sprintf("element %s", h.tag), h.valOff, int64(h.vl), end)
	}
	switch h.kind {
	case tag.VRSequence, tag.VRItem:
		stop := tag.SequenceDelimitationItem
		if h.kind == tag.VRItem {
			stop = tag.ItemDelimitationItem
		}
		p := h.valOff
		limit := end
		if defined {
			limit = valEnd
		}
		for defined && p < limit || !defined {
			np, sub, err := s.element(p, limit, depth+1)
			if err != nil {
				return 0, h, err
			}
			p = np
			if !defined && sub.tag == stop {
				break
			}
			if h.kind == tag.VRSequence && sub.tag != tag.Item {
				return 0, h, reject(CodeCorrupt, "sequence %s holds element %s where an item belongs", h.tag, sub.tag)
			}
		}
		if defined {
			return valEnd, h, nil
		}
		return p, h, nil
	case tag.VRPixelData:
		return s.pixelData(off, h, end, depth)
	}
	if !defined {
		return 0, h, reject(CodeCorrupt, "element %s at byte %d has undefined length but is not a sequence", h.tag, off)
	}
	var unit uint32
	switch h.kind {
	case tag.VRUInt16List, tag.VRInt16List, tag.VRTagList:
		unit = 2
	case tag.VRUInt32List, tag.VRInt32List, tag.VRFloat32List:
		unit = 4
	case tag.VRFloat64List:
		unit = 8
	case tag.VRBytes:
		if h.vr == "OW" {
			unit = 2
		}
	}
	if unit > 0 && h.vl%unit != 0 {
		return 0, h, reject(CodeCorrupt, "element %s at byte %d has VR %s but a length of %d bytes", h.tag, off, h.vr, h.vl)
	}
	return valEnd, h, nil
}

// pixelData checks a Pixel Data element (native or encapsulated) and records the
// top-level one.
func (s *dicomScanner) pixelData(off int64, h elemHdr, end int64, depth int) (int64, elemHdr, error) {
	top := depth == 0
	loc := &pixelLoc{tagOff: off, valOff: h.valOff, length: int64(h.vl)}
	if h.vl != undefinedLen {
		next := h.valOff + int64(h.vl)
		if next > end {
			loc.truncated = fmt.Sprintf("pixel data declares %d bytes from byte %d but the file ends at byte %d", h.vl, h.valOff, s.size)
			next = end
		}
		if top && s.pixel == nil {
			s.pixel = loc
		}
		return next, h, nil
	}
	loc.length = -1
	p := h.valOff
	for i := 0; ; i++ {
		if p+8 > end {
			if !top {
				return 0, h, s.short("an encapsulated pixel data item", p, 8, end)
			}
			loc.truncated = fmt.Sprintf("encapsulated pixel data is cut off at byte %d, before its sequence delimiter", s.size)
			break
		}
		b, err := s.w.at(p, 8)
		if err != nil {
			return 0, h, err
		}
		t := tag.Tag{Group: s.bo.Uint16(b[0:]), Element: s.bo.Uint16(b[2:])}
		vl := s.bo.Uint32(b[4:])
		p += 8
		if t == tag.SequenceDelimitationItem && i > 0 {
			break
		}
		if t != tag.Item || vl == undefinedLen {
			return 0, h, reject(CodeCorrupt, "encapsulated pixel data holds %s with length %d at byte %d where a defined-length item belongs", t, vl, p-8)
		}
		if p+int64(vl) > end {
			if !top {
				return 0, h, s.short("an encapsulated pixel data item", p, int64(vl), end)
			}
			loc.truncated = fmt.Sprintf("pixel data fragment %d declares %d bytes from byte %d but the file ends at byte %d", i, vl, p, s.size)
			p = end
			break
		}
		if i > 0 {
			loc.fragments = append(loc.fragments, span{p, int64(vl)})
		}
		p += int64(vl)
	}
	if top && s.pixel == nil {
		s.pixel = loc
	}
	return p, h, nil
}

// meta is what dicomScanner.meta found in the file meta group.
type meta struct {
	end            int64
	transferSyntax string
	hasTS          bool
}

// meta scans the group 2 elements from off (just after "DICM"), always explicit VR little
// endian, mirroring the library's handling of a present or missing group length.
func (s *dicomScanner) meta(off int64) (meta, error) {
	var m meta
	s.bo, s.implicit = binary.LittleEndian, false
	next, h, err := s.element(off, s.size, 0)
	if err != nil {
		return m, err
	}
	check := func(h elemHdr) error {
		if h.tag != tag.TransferSyntaxUID {
			return nil
		}
		if h.kind != tag.VRStringList || h.vl > 256 {
			return reject(CodeCorrupt, "the transfer syntax UID element has VR %s and length %d", h.vr, h.vl)
		}
		b, err := s.w.at(h.valOff, int(h.vl))
		if err != nil {
			return err
		}
		v := strings.Trim(string(b), " \x00")
		v, _, _ = strings.Cut(v, `\`)
		m.transferSyntax, m.hasTS = v, true
		return nil
	}
	if err := check(h); err != nil {
		return m, err
	}
	if h.tag == tag.FileMetaInformationGroupLength && h.vr == "UL" && h.vl == 4 {
		b, err := s.w.at(h.valOff, 4)
		if err != nil {
			return m, err
		}
		m.end = next + int64(binary.LittleEndian.Uint32(b))
		if m.end > s.size {
			return m, reject(CodeTruncated, "the file meta group declares %d bytes but the file ends at byte %d", m.end-next, s.size)
		}
		for p := next; p < m.end; {
			if p, h, err = s.element(p, m.end, 0); err != nil {
				return m, err
			}
			if err := check(h); err != nil {
				return m, err
			}
		}
		return m, nil
	}
	if h.tag == tag.FileMetaInformationGroupLength {
		return m, reject(CodeCorrupt, "the file meta group length has VR %s and length %d", h.vr, h.vl)
	}
	// No group length: the library reads on while the group is 2.
	p := next
	for {
		if p+2 > s.size {
			return m, reject(CodeTruncated, "the file ends at byte %d inside the file meta group", s.size)
		}
		b, err := s.w.at(p, 2)
		if err != nil {
			return m, err
		}
		if binary.LittleEndian.Uint16(b) != 2 {
			break
		}
		if p, h, err = s.element(p, s.size, 0); err != nil {
			return m, err
		}
		if err := check(h); err != nil {
			return m, err
		}
	}
	m.end = p
	return m, nil
}

// dataset scans top-level elements from off until Pixel Data or the end of the file and
// returns where the library should stop reading.
func (s *dicomScanner) dataset(off int64) (int64, error) {
	p := off
	for p < s.size {
		np, h, err := s.element(p, s.size, 0)
		if err != nil {
			return 0, err
		}
		if h.kind == tag.VRPixelData && s.pixel != nil && s.pixel.tagOff == p {
			return p, nil
		}
		p = np
	}
	return p, nil
}
