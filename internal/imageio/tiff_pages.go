package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/aomas/aomas/imaging"
	"golang.org/x/image/tiff"
)

// maxPages bounds the IFD walk so a looping chain in a broken file cannot hang us.
const maxPages = 100000

// decodeTIFFPages decodes every page of a TIFF. x/image/tiff reads only the first IFD, so
// each page is decoded from a copy of the file whose header points at that page's IFD.
func decodeTIFFPages(data []byte) ([]*imaging.Image, error) {
	offsets, err := tiffIFDOffsets(data)
	if err != nil {
		return nil, err
	}
	frames := make([]*imaging.Image, 0, len(offsets))
	page := make([]byte, len(data))
	copy(page, data)
	order := byteOrder(data)
	for i, off := range offsets {
		order.PutUint32(page[4:8], off)
		m, err := tiff.Decode(bytes.NewReader(page))
		if err != nil {
			return nil, fmt.Errorf("tiff page %d: %w", i, err)
		}
		f := FromStdImage(m)
		if len(frames) > 0 && (f.W != frames[0].W || f.H != frames[0].H) {
			return nil, fmt.Errorf("tiff page %d is %dx%d, page 0 is %dx%d", i, f.W, f.H, frames[0].W, frames[0].H)
		}
		frames = append(frames, f)
	}
	return frames, nil
}

func byteOrder(data []byte) binary.ByteOrder {
	if data[0] == 'M' {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// tiffIFDOffsets walks the IFD chain of a classic (not Big) TIFF.
func tiffIFDOffsets(data []byte) ([]uint32, error) {
	if len(data) < 8 {
		return nil, errors.New("tiff: file too short")
	}
	order := byteOrder(data)
	var offs []uint32
	seen := map[uint32]bool{}
	off := order.Uint32(data[4:8])
	for off != 0 {
		if seen[off] || len(offs) >= maxPages {
			return nil, errors.New("tiff: IFD chain loops")
		}
		seen[off] = true
		if int64(off)+2 > int64(len(data)) {
			return nil, fmt.Errorf("tiff: IFD offset %d beyond end of file", off)
		}
		n := int64(order.Uint16(data[off : off+2]))
		next := int64(off) + 2 + 12*n
		if next+4 > int64(len(data)) {
			return nil, fmt.Errorf("tiff: IFD at %d truncated", off)
		}
		offs = append(offs, off)
		off = order.Uint32(data[next : next+4])
	}
	if len(offs) == 0 {
		return nil, errors.New("tiff: no image directory")
	}
	return offs, nil
}

// TIFF tags and types used by EncodeTIFF16.
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagSampleFormat    = 339
	typeShort          = 3
	typeLong           = 4
)

// EncodeTIFF16 writes frames as a little-endian, uncompressed, 16-bit grayscale (BlackIsZero)
// TIFF with one page per frame and one strip per page.
func EncodeTIFF16(w io.Writer, frames []*imaging.Image) error {
	if len(frames) == 0 {
		return errors.New("tiff: no frames to write")
	}
	fw, fh := frames[0].W, frames[0].H
	for i, f := range frames {
		if f.W != fw || f.H != fh {
			return fmt.Errorf("tiff: frame %d is %dx%d, frame 0 is %dx%d", i, f.W, f.H, fw, fh)
		}
	}
	type entry struct{ tag, typ, val uint32 }
	const nEntries = 10
	pixBytes := uint32(2 * fw * fh)
	ifdBytes := uint32(2 + 12*nEntries + 4)
	le := binary.LittleEndian
	var buf bytes.Buffer
	hdr := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	buf.Write(hdr)
	pos := uint32(8)
	for i, f := range frames {
		ifdOff := pos
		pixOff := ifdOff + ifdBytes
		next := uint32(0)
		if i < len(frames)-1 {
			next = pixOff + pixBytes
		}
		entries := []entry{
			{tagImageWidth, typeLong, uint32(fw)},
			{tagImageLength, typeLong, uint32(fh)},
			{tagBitsPerSample, typeShort, 16},
			{tagCompression, typeShort, 1},
			{tagPhotometric, typeShort, 1},
			{tagStripOffsets, typeLong, pixOff},
			{tagSamplesPerPixel, typeShort, 1},
			{tagRowsPerStrip, typeLong, uint32(fh)},
			{tagStripByteCounts, typeLong, pixBytes},
			{tagSampleFormat, typeShort, 1},
		}
		var b [12]byte
		buf.Write(le.AppendUint16(nil, uint16(len(entries))))
		for _, e := range entries {
			le.PutUint16(b[0:2], uint16(e.tag))
			le.PutUint16(b[2:4], uint16(e.typ))
			le.PutUint32(b[4:8], 1)
			le.PutUint32(b[8:12], 0)
			if e.typ == typeShort {
				le.PutUint16(b[8:10], uint16(e.val))
			} else {
				le.PutUint32(b[8:12], e.val)
			}
			buf.Write(b[:])
		}
		buf.Write(le.AppendUint32(nil, next))
		pix := ToGray16(f).Pix // big-endian pairs
		for j := 0; j < len(pix); j += 2 {
			buf.WriteByte(pix[j+1])
			buf.WriteByte(pix[j])
		}
		pos = pixOff + pixBytes
	}
	_, err := w.Write(buf.Bytes())
	return err
}
