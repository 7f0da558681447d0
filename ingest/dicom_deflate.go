package ingest

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
)

// Deflated Explicit VR Little Endian compresses the whole data set after the file meta
// group with raw deflate (RFC 1951). It is inflated into memory, bounded before it is read
// by the same ratio as every other decompression here, and then read as explicit VR little
// endian — which is what the DICOM library, which does not inflate, assumes it to be.

// inflateDataSet inflates the data set that starts at off and returns a reader over the
// meta group followed by the inflated data set, and its size.
func inflateDataSet(r io.ReaderAt, size, off int64, opts Options) (io.ReaderAt, int64, error) {
	compressed := size - off
	limit := int64(orDefault(opts.MaxCompressionRatio, DefaultMaxCompressionRatio) * float64(max(compressed, 1)))
	limit = min(max(limit, CompressionRatioFloor), opts.maxBytes())
	zr := flate.NewReader(io.NewSectionReader(r, off, compressed))
	defer func() { _ = zr.Close() }()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(zr, limit+1))
	switch {
	case err != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)):
		return nil, 0, reject(CodeTruncated, "the deflated data set at byte %d ends before its deflate stream does", off)
	case err != nil:
		var ce flate.CorruptInputError
		if errors.As(err, &ce) {
			return nil, 0, reject(CodeCorrupt, "the deflated data set at byte %d is not a valid deflate stream: %v", off, err)
		}
		return nil, 0, err
	case n > limit:
		return nil, 0, reject(CodeTooLarge, "the %d-byte deflated data set inflates to more than %d bytes, the limit for its size", compressed, limit)
	}
	return &joinedReaderAt{head: r, split: off, tail: buf.Bytes()}, off + n, nil
}

// joinedReaderAt reads the first split bytes from head and the rest from tail.
type joinedReaderAt struct {
	head  io.ReaderAt
	split int64
	tail  []byte
}

func (j *joinedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < j.split {
		k := min(int64(len(p)), j.split-off)
		m, err := j.head.ReadAt(p[:k], off)
		n += m
		if err != nil && (!errors.Is(err, io.EOF) || int64(m) != k) {
			return n, err
		}
		p, off = p[k:], off+k
	}
	if len(p) == 0 {
		return n, nil
	}
	t := off - j.split
	if t >= int64(len(j.tail)) {
		return n, io.EOF
	}
	m := copy(p, j.tail[t:])
	n += m
	if m < len(p) {
		return n, io.EOF
	}
	return n, nil
}
