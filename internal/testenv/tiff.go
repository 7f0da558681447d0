package testenv

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
)

// DeflateTIFF returns a little-endian, 8-bit grayscale TIFF stack of pages pages of w×h
// pixels, Deflate-compressed, in which every page points at one shared strip holding pix
// (w·h bytes). With a uniform pix it is a file of a few kilobytes that declares a volume of
// any size: the input of a decompression bomb, and, small, a legitimate compressed stack.
func DeflateTIFF(w, h, pages int, pix []byte) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(pix)
	_ = zw.Close()
	le := binary.LittleEndian
	out := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	strip := len(out)
	out = append(out, z.Bytes()...)
	if len(out)%2 == 1 {
		out = append(out, 0)
	}
	type entry struct {
		tag, typ uint16
		val      uint32
	}
	prevNext := 4
	for range pages {
		ents := []entry{
			{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 8}, {262, 3, 1},
			{273, 4, uint32(strip)}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(z.Len())},
		}
		ifd := len(out)
		le.PutUint32(out[prevNext:], uint32(ifd))
		out = le.AppendUint16(out, uint16(len(ents)))
		for _, e := range ents {
			out = le.AppendUint16(out, e.tag)
			out = le.AppendUint16(out, e.typ)
			out = le.AppendUint32(out, 1)
			if e.typ == 3 {
				out = le.AppendUint16(out, uint16(e.val))
				out = le.AppendUint16(out, 0)
			} else {
				out = le.AppendUint32(out, e.val)
			}
		}
		prevNext = len(out)
		out = le.AppendUint32(out, 0)
	}
	return out
}
