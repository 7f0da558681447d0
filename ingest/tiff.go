package ingest

import (
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"math"
	"strconv"
	"strings"

	"golang.org/x/image/tiff"
)

// TIFF tags read here.
const (
	tiffNewSubfileType  = 254
	tiffImageWidth      = 256
	tiffImageLength     = 257
	tiffBitsPerSample   = 258
	tiffCompression     = 259
	tiffPhotometric     = 262
	tiffImageDesc       = 270
	tiffStripOffsets    = 273
	tiffSamplesPerPixel = 277
	tiffStripByteCounts = 279
	tiffXResolution     = 282
	tiffYResolution     = 283
	tiffResolutionUnit  = 296
	tiffTileOffsets     = 324
	tiffTileByteCounts  = 325
	tiffSampleFormat    = 339
)

// maxTIFFPages bounds the IFD chain; a longer one is treated as corrupt.
const maxTIFFPages = 1 << 16

func isTIFF(head []byte) bool {
	return len(head) >= 8 && (string(head[:4]) == "II*\x00" || string(head[:4]) == "MM\x00*")
}

// tiffEntry is one raw IFD entry.
type tiffEntry struct {
	typ   uint16
	count uint32
	// valOff is where the values are: inside the entry when they fit in 4 bytes.
	valOff int64
}

// tiffPage is what is needed of one IFD.
type tiffPage struct {
	ifd                   int64
	width, height         int
	bits, samples         int
	compression, photo    int
	sampleFormat, subtype int
	xres, yres            float64
	resUnit               int
	desc                  string
}

type tiffReader struct {
	w    *window
	size int64
	bo   binary.ByteOrder
	// work counts IFD entries and strips visited. In a well-formed file each takes bytes of
	// its own, so a count past the file size means overlapping IFDs built to make the walk
	// quadratic.
	work int64
}

func (t *tiffReader) spend(n int64) error {
	t.work += n
	if t.work > t.size+1024 {
		return reject(CodeCorrupt, "the IFDs describe more entries and strips than %d bytes can hold", t.size)
	}
	return nil
}

var tiffTypeSize = [...]int64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8}

func (t *tiffReader) entries(off int64) (map[uint16]tiffEntry, int64, error) {
	if off+2 > t.size {
		return nil, 0, reject(CodeTruncated, "an IFD at byte %d lies past the end of the file (%d bytes)", off, t.size)
	}
	b, err := t.w.at(off, 2)
	if err != nil {
		return nil, 0, err
	}
	n := int64(t.bo.Uint16(b))
	end := off + 2 + 12*n + 4
	if err := t.spend(n); err != nil {
		return nil, 0, err
	}
	if end > t.size {
		return nil, 0, reject(CodeTruncated, "the IFD at byte %d has %d entries but the file ends at byte %d", off, n, t.size)
	}
	es := make(map[uint16]tiffEntry, n)
	for i := range n {
		e, err := t.w.at(off+2+12*i, 12)
		if err != nil {
			return nil, 0, err
		}
		typ := t.bo.Uint16(e[2:])
		ent := tiffEntry{typ: typ, count: t.bo.Uint32(e[4:]), valOff: off + 2 + 12*i + 8}
		if int(typ) < len(tiffTypeSize) && typ > 0 {
			if total := tiffTypeSize[typ] * int64(ent.count); total > 4 {
				ent.valOff = int64(t.bo.Uint32(e[8:]))
				if ent.valOff+total > t.size {
					return nil, 0, reject(CodeTruncated, "tag %d of the IFD at byte %d points at %d bytes from byte %d, past the end of the file (%d bytes)",
						t.bo.Uint16(e), off, total, ent.valOff, t.size)
				}
			}
		}
		es[t.bo.Uint16(e)] = ent
	}
	nb, err := t.w.at(end-4, 4)
	if err != nil {
		return nil, 0, err
	}
	return es, int64(t.bo.Uint32(nb)), nil
}

// uint returns value i of an integer entry, or def when absent.
func (t *tiffReader) uint(es map[uint16]tiffEntry, tg uint16, i uint32, def int64) (int64, error) {
	e, ok := es[tg]
	if !ok || i >= e.count {
		return def, nil
	}
	switch e.typ {
	case 3: // SHORT
		b, err := t.w.at(e.valOff+2*int64(i), 2)
		if err != nil {
			return 0, err
		}
		return int64(t.bo.Uint16(b)), nil
	case 4: // LONG
		b, err := t.w.at(e.valOff+4*int64(i), 4)
		if err != nil {
			return 0, err
		}
		return int64(t.bo.Uint32(b)), nil
	case 1: // BYTE
		b, err := t.w.at(e.valOff+int64(i), 1)
		if err != nil {
			return 0, err
		}
		return int64(b[0]), nil
	}
	return 0, reject(CodeCorrupt, "TIFF tag %d has type %d where an integer belongs", tg, e.typ)
}

func (t *tiffReader) rational(es map[uint16]tiffEntry, tg uint16) float64 {
	e, ok := es[tg]
	if !ok || e.typ != 5 || e.count < 1 {
		return 0
	}
	b, err := t.w.at(e.valOff, 8)
	if err != nil {
		return 0
	}
	num, den := t.bo.Uint32(b), t.bo.Uint32(b[4:])
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

func (t *tiffReader) ascii(es map[uint16]tiffEntry, tg uint16) string {
	e, ok := es[tg]
	if !ok || e.typ != 2 || e.count == 0 {
		return ""
	}
	b, err := t.w.at(e.valOff, int(min(e.count, 4096)))
	if err != nil {
		return ""
	}
	return strings.TrimRight(string(b), "\x00")
}

// page reads the IFD at off and checks that its strips or tiles lie inside the file.
func (t *tiffReader) page(off int64) (tiffPage, int64, error) {
	es, next, err := t.entries(off)
	if err != nil {
		return tiffPage{}, 0, err
	}
	p := tiffPage{ifd: off}
	ints := []struct {
		dst *int
		tag uint16
		def int64
	}{
		{&p.width, tiffImageWidth, 0}, {&p.height, tiffImageLength, 0}, {&p.bits, tiffBitsPerSample, 1},
		{&p.samples, tiffSamplesPerPixel, 1}, {&p.compression, tiffCompression, 1}, {&p.photo, tiffPhotometric, 1},
		{&p.sampleFormat, tiffSampleFormat, 1}, {&p.subtype, tiffNewSubfileType, 0}, {&p.resUnit, tiffResolutionUnit, 2},
	}
	for _, f := range ints {
		v, err := t.uint(es, f.tag, 0, f.def)
		if err != nil {
			return p, 0, err
		}
		*f.dst = int(min(v, math.MaxInt32))
	}
	p.xres, p.yres = t.rational(es, tiffXResolution), t.rational(es, tiffYResolution)
	p.desc = t.ascii(es, tiffImageDesc)
	offTag, cntTag := uint16(tiffStripOffsets), uint16(tiffStripByteCounts)
	if _, tiled := es[tiffTileOffsets]; tiled {
		offTag, cntTag = tiffTileOffsets, tiffTileByteCounts
	}
	blocks := es[offTag].count
	if es[cntTag].count < blocks {
		return p, 0, reject(CodeCorrupt, "the IFD at byte %d lists %d strip offsets but %d byte counts", off, blocks, es[cntTag].count)
	}
	if err := t.spend(int64(blocks)); err != nil {
		return p, 0, err
	}
	for i := range blocks {
		o, err := t.uint(es, offTag, i, 0)
		if err != nil {
			return p, 0, err
		}
		n, err := t.uint(es, cntTag, i, 0)
		if err != nil {
			return p, 0, err
		}
		if o+n > t.size {
			return p, 0, reject(CodeTruncated, "strip %d of the page at byte %d needs bytes %d–%d but the file ends at byte %d", i, off, o, o+n, t.size)
		}
	}
	return p, next, nil
}

func (p tiffPage) layout() string {
	return fmt.Sprintf("%d×%d, %d sample(s) of %d bits", p.width, p.height, p.samples, p.bits)
}

func parseTIFF(res *Result, r io.ReaderAt, size int64, opts Options) error {
	t := &tiffReader{w: &window{r: r, size: size}, size: size, bo: binary.LittleEndian}
	head, err := t.w.at(0, 8)
	if err != nil {
		return err
	}
	if head[0] == 'M' {
		t.bo = binary.BigEndian
	}
	off := int64(t.bo.Uint32(head[4:]))
	seen := map[int64]bool{}
	var pages []tiffPage
	for off != 0 {
		if seen[off] {
			return reject(CodeCorrupt, "the IFD chain loops back to byte %d", off)
		}
		if len(seen) >= maxTIFFPages {
			return reject(CodeCorrupt, "the IFD chain is longer than %d pages", maxTIFFPages)
		}
		seen[off] = true
		p, next, err := t.page(off)
		if err != nil {
			return err
		}
		// Reduced-resolution copies (thumbnails, pyramid levels) are not part of the stack.
		if p.subtype&1 == 0 {
			pages = append(pages, p)
		}
		off = next
	}
	if len(pages) == 0 {
		return reject(CodeCorrupt, "the TIFF holds no full-resolution page")
	}
	first := pages[0]
	res.Frames, res.Rows, res.Cols = len(pages), first.height, first.width
	res.SamplesPerPixel, res.BitsAllocated = first.samples, first.bits
	res.SpacingUm = tiffSpacing(first)
	for i, p := range pages[1:] {
		if p.width != first.width || p.height != first.height || p.bits != first.bits || p.samples != first.samples {
			return reject(CodeMismatchedPages, "page %d is %s but page 0 is %s", i+1, p.layout(), first.layout())
		}
	}
	if first.width <= 0 || first.height <= 0 {
		return reject(CodeCorrupt, "page 0 is %d×%d", first.width, first.height)
	}
	if v := res.Voxels(); v > opts.maxVoxels() {
		return reject(CodeTooLarge, "%d×%d×%d = %d voxels is over the limit of %d", res.Cols, res.Rows, res.Frames, v, opts.maxVoxels())
	}
	if first.samples != 1 || (first.bits != 8 && first.bits != 16) || first.sampleFormat != 1 || first.photo > 1 {
		return reject(CodeUnsupportedPixelFormat, "pages are %s with sample format %d and photometric %d; only 8- and 16-bit unsigned grayscale is decoded",
			first.layout(), first.sampleFormat, first.photo)
	}
	switch first.compression {
	case 1, 5, 8, 32773, 32946:
	default:
		return reject(CodeUnsupportedPixelFormat, "TIFF compression %d is not decoded (only none, LZW, Deflate and PackBits)", first.compression)
	}
	res.DataType = sampleUint8.String()
	if first.bits == 16 {
		res.DataType = sampleUint16.String()
	}
	res.Decodable = true
	res.plane = tiffPlanes(r, size, t.bo, pages, res)
	return nil
}

// tiffSpacing reads the pixel size from the resolution tags, or from an ImageJ
// description ("unit=micron", "spacing=z") when the unit is not physical. A resolution in
// inches or centimetres that is the 72- or 96-dpi default written by image software (and by
// the TIFF specification's own default) says nothing about the retina: it is ignored, so the
// pixel size stays unknown rather than 352.8 µm.
func tiffSpacing(p tiffPage) [3]float64 {
	var sp [3]float64
	imagej := map[string]string{}
	if strings.HasPrefix(p.desc, "ImageJ=") {
		for _, line := range strings.Split(p.desc, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				imagej[k] = v
			}
		}
	}
	unitUm := 0.0
	switch p.resUnit {
	case 2:
		unitUm = 25400
	case 3:
		unitUm = 10000
	}
	switch imagej["unit"] {
	case "micron", "um", "µm", `\u00B5m`:
		unitUm = 1
	}
	if unitUm > 0 && p.xres > 0 && p.yres > 0 && (unitUm == 1 || !defaultDPI(unitUm, p.xres, p.yres)) {
		sp[0], sp[1] = unitUm/p.xres, unitUm/p.yres
	}
	if z, err := strconv.ParseFloat(imagej["spacing"], 64); err == nil && z > 0 && unitUm == 1 {
		sp[2] = z
	}
	for i := range sp {
		if !(sp[i] < 1e9) {
			sp[i] = 0
		}
	}
	return sp
}

// firstIFD presents a TIFF whose header points at one chosen IFD, so that x/image/tiff,
// which decodes only the first page, decodes that one.
type firstIFD struct {
	r   io.ReaderAt
	hdr [8]byte
}

func (f *firstIFD) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.r.ReadAt(p, off)
	for i := off; i < 8 && i-off < int64(n); i++ {
		p[i-off] = f.hdr[i]
	}
	return n, err
}

// tiffPlanes decodes one page at a time.
func tiffPlanes(r io.ReaderAt, size int64, bo binary.ByteOrder, pages []tiffPage, res *Result) func(int, []float32) error {
	// The page size, as read now: an OCT's dims are remapped afterwards.
	cols, rows := res.Cols, res.Rows
	return func(z int, dst []float32) error {
		f := &firstIFD{r: r}
		if _, err := r.ReadAt(f.hdr[:4], 0); err != nil {
			return fmt.Errorf("read TIFF header: %w", err)
		}
		bo.PutUint32(f.hdr[4:], uint32(pages[z].ifd))
		img, err := tiff.Decode(io.NewSectionReader(f, 0, size))
		if err != nil {
			return reject(CodeCorrupt, "page %d does not decode: %v", z, err)
		}
		if b := img.Bounds(); b.Dx() != cols || b.Dy() != rows {
			return reject(CodeMismatchedPages, "page %d decodes to %d×%d, not %d×%d", z, b.Dx(), b.Dy(), cols, rows)
		}
		switch img.(type) {
		case *image.Gray, *image.Gray16:
		default:
			return reject(CodeUnsupportedPixelFormat, "page %d decodes to %T, not grayscale", z, img)
		}
		grayInto(dst, img)
		return nil
	}
}

// defaultDPI reports whether a resolution (pixels per unitUm micrometres) is, in both
// directions, the 72 or 96 dots per inch that software writes when it knows no size.
func defaultDPI(unitUm, xres, yres float64) bool {
	is := func(res float64) bool {
		dpi := res * 25400 / unitUm
		return math.Abs(dpi-72) < 0.01 || math.Abs(dpi-96) < 0.01
	}
	return is(xres) && is(yres)
}
