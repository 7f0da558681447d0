package ingest

import (
	"encoding/binary"
	"io"
	"math"
)

// sampleType is the stored type of one pixel sample.
type sampleType int

const (
	sampleUint8 sampleType = iota
	sampleInt8
	sampleUint16
	sampleInt16
	sampleUint32
	sampleInt32
	sampleFloat32
)

func (t sampleType) size() int {
	switch t {
	case sampleUint8, sampleInt8:
		return 1
	case sampleUint16, sampleInt16:
		return 2
	}
	return 4
}

func (t sampleType) String() string {
	return [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32"}[t]
}

// sampleTypeFor maps an integer layout (bits, signed) to a sampleType.
func sampleTypeFor(bits int, signed bool) (sampleType, bool) {
	switch {
	case bits == 8 && !signed:
		return sampleUint8, true
	case bits == 8:
		return sampleInt8, true
	case bits == 16 && !signed:
		return sampleUint16, true
	case bits == 16:
		return sampleInt16, true
	case bits == 32 && !signed:
		return sampleUint32, true
	case bits == 32:
		return sampleInt32, true
	}
	return 0, false
}

// convertSamples widens len(dst) samples of type t from src into dst.
func convertSamples(dst []float32, src []byte, t sampleType, bo binary.ByteOrder) {
	n := len(dst)
	src = src[:n*t.size()]
	le := bo == binary.LittleEndian
	switch {
	case t == sampleUint8:
		for i, b := range src {
			dst[i] = float32(b)
		}
	case t == sampleInt8:
		for i, b := range src {
			dst[i] = float32(int8(b))
		}
	case t == sampleUint16 && le:
		// Indexing pairs explicitly lets the compiler drop the bounds checks.
		for i := range dst {
			s := src[2*i : 2*i+2 : 2*i+2]
			dst[i] = float32(uint16(s[0]) | uint16(s[1])<<8)
		}
	case t == sampleInt16 && le:
		for i := range dst {
			s := src[2*i : 2*i+2 : 2*i+2]
			dst[i] = float32(int16(uint16(s[0]) | uint16(s[1])<<8))
		}
	case t == sampleUint16:
		for i := range dst {
			dst[i] = float32(bo.Uint16(src[2*i:]))
		}
	case t == sampleInt16:
		for i := range dst {
			dst[i] = float32(int16(bo.Uint16(src[2*i:])))
		}
	case t == sampleUint32:
		for i := range dst {
			dst[i] = float32(bo.Uint32(src[4*i:]))
		}
	case t == sampleInt32:
		for i := range dst {
			dst[i] = float32(int32(bo.Uint32(src[4*i:])))
		}
	case t == sampleFloat32:
		for i := range dst {
			dst[i] = math.Float32frombits(bo.Uint32(src[4*i:]))
		}
	}
}

// readChunk is how many bytes readSamples converts at a time: small enough to stay in
// cache, large enough that the ReadAt calls do not dominate.
const readChunk = 256 << 10

// readSamples fills dst with samples of type t stored contiguously from off in r.
func readSamples(r io.ReaderAt, off, size int64, dst []float32, t sampleType, bo binary.ByteOrder) error {
	ss := t.size()
	per := readChunk / ss
	buf := make([]byte, min(len(dst), per)*ss)
	for len(dst) > 0 {
		n := min(len(dst), per)
		b := buf[:n*ss]
		if err := readFull(r, b, off, size); err != nil {
			return err
		}
		convertSamples(dst[:n], b, t, bo)
		dst = dst[n:]
		off += int64(len(b))
	}
	return nil
}
