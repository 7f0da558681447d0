package ingest

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// tagDictOnce guards the DICOM library's lazily built tag dictionary, which it fills
// without a lock on first use: two first parses in parallel would write one map at once.
var tagDictOnce sync.Once

// tsKind says how the pixels of a transfer syntax are decoded here.
type tsKind int

const (
	tsUnsupported tsKind = iota
	tsNative
	tsJPEGBaseline
	tsDeflated
)

// transferSyntax names a transfer syntax UID and says whether its pixels decode here.
func transferSyntax(tsUID string) (string, tsKind) {
	switch tsUID {
	case "1.2.840.10008.1.2":
		return "Implicit VR Little Endian", tsNative
	case "1.2.840.10008.1.2.1":
		return "Explicit VR Little Endian", tsNative
	case "1.2.840.10008.1.2.2":
		return "Explicit VR Big Endian", tsNative
	case "1.2.840.10008.1.2.1.99":
		return "Deflated Explicit VR Little Endian", tsDeflated
	case "1.2.840.10008.1.2.4.50":
		return "JPEG Baseline", tsJPEGBaseline
	case "1.2.840.10008.1.2.4.51":
		return "JPEG Extended 12-bit", tsUnsupported
	case "1.2.840.10008.1.2.4.57":
		return "JPEG Lossless", tsUnsupported
	case "1.2.840.10008.1.2.4.70":
		return "JPEG Lossless SV1", tsUnsupported
	case "1.2.840.10008.1.2.4.80":
		return "JPEG-LS Lossless", tsUnsupported
	case "1.2.840.10008.1.2.4.81":
		return "JPEG-LS Near-Lossless", tsUnsupported
	case "1.2.840.10008.1.2.4.90":
		return "JPEG 2000 Lossless", tsUnsupported
	case "1.2.840.10008.1.2.4.91":
		return "JPEG 2000", tsUnsupported
	case "1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.93":
		return "JPEG 2000 Part 2", tsUnsupported
	case "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203":
		return "High-Throughput JPEG 2000", tsUnsupported
	case "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102",
		"1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105",
		"1.2.840.10008.1.2.4.106", "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108":
		return "MPEG video", tsUnsupported
	case "1.2.840.10008.1.2.5":
		return "RLE Lossless", tsUnsupported
	}
	return "", tsUnsupported
}

func describeTS(tsUID, name string) string {
	if name == "" {
		return fmt.Sprintf("transfer syntax %q (unknown)", tsUID)
	}
	return fmt.Sprintf("transfer syntax %s (%s)", tsUID, name)
}

// parseDICOM fills res from a DICOM file whose data (after the preamble and "DICM", or
// from byte 0 for a file without them) starts at start. An Ophthalmic Tomography image's
// frames are B-scans: its dims are remapped to x A-scans, y B-scans, z depth (see
// KindOCTVolume), whether or not its pixels decode here.
func parseDICOM(res *Result, r io.ReaderAt, size, start int64, opts Options) error {
	err := parseDICOMFrames(res, r, size, start, opts)
	if res.SOPClassUID != SOPOphthalmicTomography || res.Rows <= 0 || res.Cols <= 0 || res.Frames <= 0 {
		return err
	}
	if err == nil && res.SamplesPerPixel != 1 {
		res.plane, res.frameRow = nil, nil
		err = reject(CodeUnsupportedPixelFormat, "an Ophthalmic Tomography image with %d samples per pixel (B-scans are grey)", res.SamplesPerPixel)
	}
	if res.plane == nil {
		res.Rows, res.Frames = res.Frames, res.Rows
		return err
	}
	l := bscanLayout{x: res.Cols, y: res.Frames, z: res.Rows, bscan: res.plane, row: res.frameRow}
	l.install(res)
	return err
}

// parseDICOMFrames reads a DICOM frame by frame: plane z is frame z.
func parseDICOMFrames(res *Result, r io.ReaderAt, size, start int64, opts Options) error {
	tagDictOnce.Do(func() { _, _ = tag.Find(tag.PixelData) })
	s := &dicomScanner{w: &window{r: r, size: size}, size: size, bo: binary.LittleEndian, implicit: true}
	kind := tsNative
	dataStart := start
	if start > 0 {
		m, err := s.meta(start)
		if err != nil {
			return err
		}
		dataStart = m.end
		if m.hasTS {
			res.TransferSyntaxUID = m.transferSyntax
			res.TransferSyntaxName, kind = transferSyntax(m.transferSyntax)
			if kind == tsDeflated {
				ir, isize, err := inflateDataSet(r, size, m.end, opts)
				if err != nil {
					return err
				}
				r, size, kind = ir, isize, tsNative
				s = &dicomScanner{w: &window{r: r, size: size}, size: size, bo: binary.LittleEndian}
			}
			if res.TransferSyntaxName == "" {
				// The data set itself cannot be read: only the meta group is known.
				return reject(CodeUnsupportedTransferSyntax, "%s is not decodable here; only the file meta header was read",
					describeTS(res.TransferSyntaxUID, res.TransferSyntaxName))
			}
			// Read the data set exactly as the library will: it maps every compressed syntax
			// it knows to explicit VR little endian.
			bo, implicit, err := uid.ParseTransferSyntaxUID(m.transferSyntax)
			if err != nil {
				return reject(CodeUnsupportedTransferSyntax, "%s is not decodable here; only the file meta header was read",
					describeTS(res.TransferSyntaxUID, res.TransferSyntaxName))
			}
			s.bo, s.implicit = bo, implicit
		} else {
			s.bo, s.implicit = binary.LittleEndian, true
		}
	}
	stop, err := s.dataset(dataStart)
	if err != nil {
		return err
	}
	ds, err := readDataset(r, stop)
	if err != nil {
		return err
	}
	fillDICOM(res, &ds)
	if err := dicomKind(res, &ds); err != nil {
		return err
	}

	px := s.pixel
	if px != nil && px.truncated != "" {
		return reject(CodeTruncated, "%s", px.truncated)
	}
	if kind == tsUnsupported {
		return reject(CodeUnsupportedTransferSyntax, "%s is not decodable here", describeTS(res.TransferSyntaxUID, res.TransferSyntaxName))
	}
	if px == nil && res.Rows > 0 && res.Cols > 0 {
		return reject(CodeTruncated, "the file ends at byte %d without the Pixel Data its %d×%d image attributes announce", size, res.Cols, res.Rows)
	}
	if px == nil {
		return reject(CodeUnsupportedPixelFormat, "the data set has no Pixel Data element")
	}
	return planDICOMPixels(res, &ds, r, size, px, kind, s.bo, opts)
}

// readDataset runs the library over the first n bytes (everything before the top-level
// Pixel Data), turning its errors and panics into rejections.
func readDataset(r io.ReaderAt, n int64) (ds dicom.Dataset, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = reject(CodeCorrupt, "the DICOM data set is malformed: %v", p)
		}
	}()
	ds, err = dicom.Parse(io.NewSectionReader(r, 0, n), n, nil,
		dicom.SkipPixelData(), dicom.AllowMissingMetaElementGroupLength())
	if err != nil {
		return ds, reject(CodeCorrupt, "the DICOM data set is malformed: %v", err)
	}
	return ds, nil
}

// planDICOMPixels checks the pixel layout against the Pixel Data present and sets up
// res.decode.
func planDICOMPixels(res *Result, ds *dicom.Dataset, r io.ReaderAt, size int64, px *pixelLoc, kind tsKind, bo binary.ByteOrder, opts Options) error {
	if res.Rows <= 0 || res.Cols <= 0 {
		return reject(CodeCorrupt, "rows (%d) and columns (%d) must both be positive", res.Rows, res.Cols)
	}
	if res.Frames <= 0 {
		return reject(CodeCorrupt, "number of frames is %d", res.Frames)
	}
	if v := res.Voxels(); v > opts.maxVoxels() {
		return reject(CodeTooLarge, "%d×%d×%d = %d voxels is over the limit of %d", res.Cols, res.Rows, res.Frames, v, opts.maxVoxels())
	}
	if res.SamplesPerPixel != 1 && res.SamplesPerPixel != 3 {
		return reject(CodeUnsupportedPixelFormat, "%d samples per pixel (only 1 and 3 are decoded)", res.SamplesPerPixel)
	}
	signed := firstInt(ds, tag.PixelRepresentation, 0) == 1
	st, ok := sampleTypeFor(res.BitsAllocated, signed)
	if !ok {
		return reject(CodeUnsupportedPixelFormat, "%d bits allocated (only 8, 16 and 32 are decoded)", res.BitsAllocated)
	}
	res.DataType = st.String()
	switch kind {
	case tsNative:
		if px.length < 0 {
			return reject(CodeCorrupt, "pixel data is encapsulated but %s is native", describeTS(res.TransferSyntaxUID, res.TransferSyntaxName))
		}
		want := res.Voxels() * int64(res.SamplesPerPixel) * int64(st.size())
		if px.length != want && (px.length != want+1 || want%2 != 1) {
			return reject(CodeDimensionMismatch, "pixel data holds %d bytes but %d×%d×%d frames × %d samples × %d bytes need %d",
				px.length, res.Cols, res.Rows, res.Frames, res.SamplesPerPixel, st.size(), want)
		}
		planar := firstInt(ds, tag.PlanarConfiguration, 0) == 1
		res.plane = nativePlanes(r, size, px.valOff, res, st, bo, planar)
		if res.SamplesPerPixel == 1 {
			frame := int64(res.Rows) * int64(res.Cols) * int64(st.size())
			line := int64(res.Cols) * int64(st.size())
			res.frameRow = func(f, row int, dst []float32) error {
				return readSamples(r, px.valOff+int64(f)*frame+int64(row)*line, size, dst, st, bo)
			}
		}
	case tsJPEGBaseline:
		if px.length >= 0 {
			return reject(CodeCorrupt, "pixel data is native but %s is encapsulated", describeTS(res.TransferSyntaxUID, res.TransferSyntaxName))
		}
		if res.BitsAllocated != 8 {
			return reject(CodeUnsupportedPixelFormat, "JPEG Baseline with %d bits allocated", res.BitsAllocated)
		}
		frames, err := jpegFrames(r, size, px.fragments, res.Frames)
		if err != nil {
			return err
		}
		res.plane = jpegPlanes(r, size, frames, res)
	}
	res.Decodable = true
	return nil
}

// fillDICOM copies the header attributes aomas uses from ds into res.
func fillDICOM(res *Result, ds *dicom.Dataset) {
	res.Modality = firstString(ds, tag.Modality)
	res.SOPClassUID = firstString(ds, tag.SOPClassUID)
	if res.SOPClassUID == "" {
		res.SOPClassUID = firstString(ds, tag.MediaStorageSOPClassUID)
	}
	res.Rows = firstInt(ds, tag.Rows, 0)
	res.Cols = firstInt(ds, tag.Columns, 0)
	res.SamplesPerPixel = firstInt(ds, tag.SamplesPerPixel, 1)
	res.BitsAllocated = firstInt(ds, tag.BitsAllocated, 0)
	res.Frames = 1
	if f := firstString(ds, tag.NumberOfFrames); f != "" {
		n, err := strconv.Atoi(f)
		if err != nil {
			n = 0
		}
		res.Frames = n
	}
	res.Subject = Subject{
		PatientID:   firstString(ds, tag.PatientID),
		PatientName: firstString(ds, tag.PatientName),
		BirthDate:   firstString(ds, tag.PatientBirthDate),
		Sex:         firstString(ds, tag.PatientSex),
	}
	res.Study = Study{
		StudyInstanceUID:  firstString(ds, tag.StudyInstanceUID),
		SeriesInstanceUID: firstString(ds, tag.SeriesInstanceUID),
		SOPInstanceUID:    firstString(ds, tag.SOPInstanceUID),
		StudyDate:         firstString(ds, tag.StudyDate),
		Manufacturer:      firstString(ds, tag.Manufacturer),
		Model:             firstString(ds, tag.ManufacturerModelName),
		AcquisitionNumber: strings.TrimSpace(firstString(ds, tag.AcquisitionNumber)),
		InstanceNumber:    firstInt(ds, tag.InstanceNumber, 0),
	}
	lat := firstString(ds, tag.ImageLaterality)
	if lat == "" {
		lat = firstString(ds, tag.Laterality)
	}
	switch strings.ToUpper(lat) {
	case "R", "OD":
		res.Study.Laterality = "OD"
	case "L", "OS":
		res.Study.Laterality = "OS"
	}
	res.SpacingUm = dicomSpacing(ds)
}

// dicomSpacing finds the voxel spacing in µm: Pixel Spacing (row, column spacing in mm)
// at the top level, else in the shared or first per-frame Pixel Measures functional group,
// else Imager Pixel Spacing; z from Spacing Between Slices, else Slice Thickness.
func dicomSpacing(ds *dicom.Dataset) [3]float64 {
	sources := []dicom.Dataset{*ds}
	for _, fg := range []tag.Tag{tag.SharedFunctionalGroupsSequence, tag.PerFrameFunctionalGroupsSequence} {
		for _, item := range sequenceItems(ds, fg, 1) {
			sources = append(sources, sequenceItems(&item, tag.PixelMeasuresSequence, 1)...)
		}
	}
	var sp [3]float64
	for i := range sources {
		src := &sources[i]
		if sp[0] == 0 {
			if ps := positiveFloats(src, tag.PixelSpacing); len(ps) >= 2 {
				sp[0], sp[1] = ps[1]*1000, ps[0]*1000
			}
		}
		if sp[2] == 0 {
			if z := positiveFloats(src, tag.SpacingBetweenSlices); len(z) >= 1 {
				sp[2] = z[0] * 1000
			} else if z := positiveFloats(src, tag.SliceThickness); len(z) >= 1 {
				sp[2] = z[0] * 1000
			}
		}
	}
	if sp[0] == 0 {
		if ps := positiveFloats(ds, tag.ImagerPixelSpacing); len(ps) >= 2 {
			sp[0], sp[1] = ps[1]*1000, ps[0]*1000
		}
	}
	return sp
}

// sequenceItems returns up to n items of the sequence t in ds as data sets.
func sequenceItems(ds *dicom.Dataset, t tag.Tag, n int) []dicom.Dataset {
	e, err := ds.FindElementByTag(t)
	if err != nil || e.Value == nil {
		return nil
	}
	items, ok := e.Value.GetValue().([]*dicom.SequenceItemValue)
	if !ok {
		return nil
	}
	var out []dicom.Dataset
	for _, it := range items[:min(n, len(items))] {
		if elems, ok := it.GetValue().([]*dicom.Element); ok {
			out = append(out, dicom.Dataset{Elements: elems})
		}
	}
	return out
}

func firstString(ds *dicom.Dataset, t tag.Tag) string {
	e, err := ds.FindElementByTag(t)
	if err != nil || e.Value == nil {
		return ""
	}
	if v, ok := e.Value.GetValue().([]string); ok && len(v) > 0 {
		return strings.TrimSpace(strings.Trim(v[0], "\x00"))
	}
	return ""
}

func firstInt(ds *dicom.Dataset, t tag.Tag, def int) int {
	e, err := ds.FindElementByTag(t)
	if err != nil || e.Value == nil {
		return def
	}
	switch v := e.Value.GetValue().(type) {
	case []int:
		if len(v) > 0 {
			return v[0]
		}
	case []string:
		if len(v) > 0 {
			if n, err := strconv.Atoi(strings.TrimSpace(v[0])); err == nil {
				return n
			}
		}
	}
	return def
}

// positiveFloats returns the values of a DS, FL or FD element when all are finite and > 0.
func positiveFloats(ds *dicom.Dataset, t tag.Tag) []float64 {
	out := finiteFloats(ds, t)
	for _, f := range out {
		if !(f > 0 && f < 1e6) {
			return nil
		}
	}
	return out
}

// nativePlanes reads native pixel data from off, one frame at a time.
func nativePlanes(r io.ReaderAt, size, off int64, res *Result, st sampleType, bo binary.ByteOrder, planar bool) func(int, []float32) error {
	n := res.Rows * res.Cols
	frame := int64(n) * int64(res.SamplesPerPixel) * int64(st.size())
	return func(z int, dst []float32) error {
		at := off + int64(z)*frame
		if res.SamplesPerPixel == 1 {
			return readSamples(r, at, size, dst, st, bo)
		}
		rgb := make([]float32, 3*n)
		if err := readSamples(r, at, size, rgb, st, bo); err != nil {
			return err
		}
		lumaInto(dst, rgb, planar)
		return nil
	}
}

// lumaInto reduces RGB samples (interleaved, or planar R then G then B) to Rec. 601 luma.
func lumaInto(dst, rgb []float32, planar bool) {
	n := len(dst)
	for i := range dst {
		var r, g, b float32
		if planar {
			r, g, b = rgb[i], rgb[n+i], rgb[2*n+i]
		} else {
			r, g, b = rgb[3*i], rgb[3*i+1], rgb[3*i+2]
		}
		dst[i] = 0.299*r + 0.587*g + 0.114*b
	}
}

// looksLikeBareDICOM reports whether head starts with an implicit VR little endian data
// set (no preamble), as some old scanners write: a group 0008 tag with a small length.
func looksLikeBareDICOM(head []byte) bool {
	if len(head) < 132 {
		return false
	}
	group := binary.LittleEndian.Uint16(head)
	vl := binary.LittleEndian.Uint32(head[4:])
	return group == 0x0008 && vl < 1024 && (!isUpper(head[4]) || !isUpper(head[5]))
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
