package dicomnet

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/intake"
)

// sortedMembers orders a group's instances by InstanceNumber, then SOP Instance UID.
func sortedMembers(ms map[string]*member) []*member {
	out := make([]*member, 0, len(ms))
	for _, m := range ms {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *member) int {
		return cmp.Or(cmp.Compare(a.res.Study.InstanceNumber, b.res.Study.InstanceNumber), strings.Compare(a.sop, b.sop))
	})
	return out
}

// stackable says whether the instances are frames of one acquisition that make one volume.
func (r *Receiver) stackable(ms []*member) bool {
	if len(ms) < 2 {
		return false
	}
	f := ms[0].res
	switch f.DataType {
	case "uint8", "int8", "uint16", "int16": // exact in the float32 planes ingest decodes
	default:
		return false
	}
	for _, m := range ms {
		x := m.res
		if !x.Decodable || x.Frames != 1 || x.SamplesPerPixel != 1 || x.Rows != f.Rows || x.Cols != f.Cols ||
			x.DataType != f.DataType || x.SpacingUm != f.SpacingUm {
			return false
		}
	}
	decoded := int64(len(ms)) * int64(f.Rows) * int64(f.Cols) * int64(bytesOf(f.DataType))
	limit := r.Limits.MaxDecodedBytes
	if limit <= 0 {
		limit = ingest.DefaultMaxDecodedBytes
	}
	return decoded <= limit
}

func bytesOf(dt string) int {
	if strings.HasSuffix(dt, "8") {
		return 1
	}
	return 2
}

// stackUID derives the assembled instance's UID from its frames' UIDs, so that the same
// frames sent again make the same bytes (and intake's dedupe finds them).
func stackUID(ms []*member) string {
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.sop))
		h.Write([]byte{0})
	}
	return "2.25." + new(big.Int).SetBytes(h.Sum(nil)[:16]).String()
}

// ingestStack writes the frames as one multi-frame explicit VR little endian file and
// ingests it as one volume.
func (r *Receiver) ingestStack(ctx context.Context, caseID int64, ms []*member) error {
	uid := stackUID(ms)
	f, err := os.CreateTemp(r.Dir, "stack-*.dcm")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()); _ = f.Close() }()
	w := bufio.NewWriterSize(f, 256<<10)
	if err := writeStack(w, uid, ms); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	o, err := r.Intake.IngestFile(ctx, f, st.Size(), intake.Input{CaseID: caseID, Filename: uid + ".dcm"})
	if err != nil {
		return err
	}
	return r.settle(ctx, ms, o)
}

func writeStack(w *bufio.Writer, uid string, ms []*member) error {
	first := ms[0].res
	var meta elems
	meta.bytes(2, 0x0001, "OB", []byte{0, 1})
	meta.str(2, 0x0002, "UI", first.SOPClassUID)
	meta.str(2, 0x0003, "UI", uid)
	meta.str(2, 0x0010, "UI", "1.2.840.10008.1.2.1")
	meta.str(2, 0x0012, "UI", "2.25.186521308765342837492016873522937144311")
	_, _ = w.Write(make([]byte, 128))
	_, _ = w.WriteString("DICM")
	var gl elems
	gl.bytes(2, 0x0000, "UL", binary.LittleEndian.AppendUint32(nil, uint32(len(meta.b))))
	_, _ = w.Write(gl.b)
	_, _ = w.Write(meta.b)

	var d elems
	lat := map[string]string{"OD": "R", "OS": "L"}[first.Study.Laterality]
	d.str(8, 0x0016, "UI", first.SOPClassUID)
	d.str(8, 0x0018, "UI", uid)
	d.str(8, 0x0020, "DA", first.Study.StudyDate)
	d.str(8, 0x0060, "CS", first.Modality)
	d.str(8, 0x0070, "LO", first.Study.Manufacturer)
	d.str(8, 0x1090, "LO", first.Study.Model)
	d.str(0x10, 0x0010, "PN", first.Subject.PatientName)
	d.str(0x10, 0x0020, "LO", first.Subject.PatientID)
	d.str(0x10, 0x0030, "DA", first.Subject.BirthDate)
	d.str(0x10, 0x0040, "CS", first.Subject.Sex)
	if z := first.SpacingUm[2]; z > 0 {
		d.str(0x18, 0x0088, "DS", ds(z/1000))
	}
	d.str(0x20, 0x000D, "UI", first.Study.StudyInstanceUID)
	d.str(0x20, 0x000E, "UI", first.Study.SeriesInstanceUID)
	d.str(0x20, 0x0012, "IS", first.Study.AcquisitionNumber)
	d.str(0x20, 0x0062, "CS", lat)
	bits := 8 * bytesOf(first.DataType)
	signed := strings.HasPrefix(first.DataType, "int")
	d.us(0x28, 0x0002, 1)
	d.str(0x28, 0x0004, "CS", "MONOCHROME2")
	d.str(0x28, 0x0008, "IS", strconv.Itoa(len(ms)))
	d.us(0x28, 0x0010, first.Rows)
	d.us(0x28, 0x0011, first.Cols)
	if first.SpacingUm[0] > 0 && first.SpacingUm[1] > 0 {
		d.str(0x28, 0x0030, "DS", ds(first.SpacingUm[1]/1000)+`\`+ds(first.SpacingUm[0]/1000))
	}
	d.us(0x28, 0x0100, bits)
	d.us(0x28, 0x0101, bits)
	d.us(0x28, 0x0102, bits-1)
	d.us(0x28, 0x0103, map[bool]int{false: 0, true: 1}[signed])
	n := first.Rows * first.Cols
	total := len(ms) * n * (bits / 8)
	vr := "OW"
	if bits == 8 {
		vr = "OB"
	}
	d.header(0x7FE0, 0x0010, vr, total+total%2)
	_, _ = w.Write(d.b)

	plane := make([]float32, n)
	buf := make([]byte, n*(bits/8))
	for _, m := range ms {
		if err := framePlane(m, plane); err != nil {
			return err
		}
		for i, v := range plane {
			switch bits {
			case 8:
				buf[i] = byte(int32(v))
			default:
				binary.LittleEndian.PutUint16(buf[2*i:], uint16(int32(v)))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	if total%2 == 1 {
		_ = w.WriteByte(0)
	}
	return nil
}

// framePlane decodes the one frame of m.
func framePlane(m *member, dst []float32) error {
	f, err := os.Open(m.path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	res, err := ingest.Parse(f, st.Size(), m.sop+".dcm", ingest.Options{MaxBytes: st.Size()})
	if err != nil {
		return fmt.Errorf("read frame %s: %w", m.sop, err)
	}
	return res.Plane(0, dst)
}

// ds formats a decimal string of at most 16 characters.
func ds(v float64) string {
	for p := 10; p > 1; p-- {
		s := strconv.FormatFloat(v, 'g', p, 64)
		if len(s) <= 16 {
			return s
		}
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

// elems writes explicit VR little endian elements.
type elems struct{ b []byte }

func (e *elems) header(g, el uint16, vr string, n int) {
	e.b = binary.LittleEndian.AppendUint16(e.b, g)
	e.b = binary.LittleEndian.AppendUint16(e.b, el)
	e.b = append(e.b, vr...)
	switch vr {
	case "OB", "OW", "UN", "SQ", "UT":
		e.b = append(e.b, 0, 0)
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(n))
	default:
		e.b = binary.LittleEndian.AppendUint16(e.b, uint16(n))
	}
}

func (e *elems) bytes(g, el uint16, vr string, v []byte) {
	e.header(g, el, vr, len(v))
	e.b = append(e.b, v...)
}

func (e *elems) str(g, el uint16, vr, s string) {
	if s == "" || len(s) > 1024 {
		return
	}
	if len(s)%2 == 1 {
		if vr == "UI" {
			s += "\x00"
		} else {
			s += " "
		}
	}
	e.bytes(g, el, vr, []byte(s))
}

func (e *elems) us(g, el uint16, v int) {
	e.bytes(g, el, "US", binary.LittleEndian.AppendUint16(nil, uint16(v)))
}
