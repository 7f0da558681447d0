package ingest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// The Heidelberg Spectralis .vol raw export, as described publicly by the "Open Heyex Raw
// Files" ImageJ plugin (K. Sheets, https://imagej.nih.gov/ij/plugins/heyex/) and the
// heyexr R package's table of it (github.com/barefootbiology/heyexr,
// inst/exdata/heyex_structure.txt and R/read_bscan_header.R); boundary indices as listed by
// eyepy (github.com/MedVisBonn/eyepy, SEG_MAPPING). Everything is little endian:
//
//	file header, 2048 bytes:
//	  0 Version char[12] "HSF-OCT-10x"   12 SizeX int32 (A-scans per B-scan)
//	 16 NumBScans int32                  20 SizeZ int32 (depth samples per A-scan)
//	 24 ScaleX float64 (mm per A-scan)   32 Distance float64 (mm between B-scans)
//	 40 ScaleZ float64 (mm per sample)   48 SizeXSlo int32   52 SizeYSlo int32
//	 56 ScaleXSlo float64 (mm)           64 ScaleYSlo float64 (mm)
//	 72 FieldSizeSlo int32 (degrees)     76 ScanFocus float64 (dioptres)
//	 84 ScanPosition char[4] "OD"/"OS"   88 ExamTime int64    96 ScanPattern int32
//	100 BScanHdrSize int32              104 ID char[16]      120 ReferenceID char[16]
//	136 PID int32                       140 PatientID char[21], 3 bytes padding
//	164 DOB float64 (days since 1899-12-30)   172 VID int32  176 VisitID char[24]
//	200 VisitDate float64               208 … spare up to 2048
//	SLO image: SizeXSlo·SizeYSlo uint8, row-major, at 2048
//	then NumBScans blocks of BScanHdrSize + SizeX·SizeZ·4 bytes:
//	  B-scan header: 0 Version char[12] "HSF-BS-10x"  12 BScanHdrSize int32
//	    16 StartX 24 StartY 32 EndX 40 EndY float64 (mm on the SLO)
//	    48 NumSeg int32  52 OffSeg int32 (from the block's start)  56 Quality float32
//	    segmentation: NumSeg × SizeX float32 depths (px) at OffSeg, inside the header
//	  B-scan: SizeZ rows of SizeX float32, row-major (depth downwards)
//
// Intensities are Heidelberg's linear float scale (about 0 to 1). The reader returns the
// display scale every public reader applies, the fourth root (v^0.25, so 0 to about 1): the
// range the device shows and the one layer boundaries are found in. The format marks a
// sample or boundary outside the scanned area with a huge value (FLT_MAX, 3.4e38): such
// samples decode to 0 and such boundary points to NaN. A NaN or infinite sample is not
// part of the format and is a CORRUPT rejection.

const (
	volHeaderSize = 2048
	// volBScanHdrMin is where the B-scan header's fields end (Quality, at 56, is the last).
	volBScanHdrMin = 60
	// volMaxBScanHdr bounds BScanHdrSize; the device writes 256.
	volMaxBScanHdr = 1 << 20
	// volMaxDim bounds each of SizeX, NumBScans, SizeZ and the SLO's sides before anything
	// is multiplied; the plane and voxel limits then apply as for every format.
	volMaxDim = 1 << 15
	// volMaxSeg bounds NumSeg; the device writes at most 17.
	volMaxSeg = 64
	// volInvalid is the smallest value read as the format's "not scanned" marker.
	volInvalid = 1e30
)

// VolHeader is what the header of a Heidelberg .vol file holds, less the patient fields
// (PatientID, DOB, the ids), which go to Result.Subject.
type VolHeader struct {
	Version              string
	SizeX, NumBScans     int
	SizeZ                int
	ScaleXMm, DistanceMm float64
	ScaleZMm             float64
	SLOWidth, SLOHeight  int
	SLOScaleXMm          float64
	SLOScaleYMm          float64
	FieldSizeDeg         int
	ScanFocusDpt         float64
	ScanPosition         string // OD or OS
	ScanPattern          int
	BScanHdrSize         int
	NumSeg               int // boundaries in the first B-scan's header
	sloOff, bscanOff     int64
	blockSize            int64
	r                    io.ReaderAt
	size                 int64
}

// Boundary is one of the device's layer boundaries: for every B-scan and A-scan, the depth
// in pixels (0-based, fractional), NaN where the device marked it invalid.
type Boundary struct {
	// Name is the aomas layer name where there is one (ILM, NFL_GCL, IPL_INL, OPL_ONL, ELM,
	// ISOS, COST, RPE_BM), else the device's (GCL_IPL, INL_OPL, RPE, HE_7 …).
	Name string
	// Index is the boundary's position in the .vol segmentation block.
	Index int
	// Depth holds NumBScans·SizeX depths, B-scan by B-scan.
	Depth []float32
}

// volBoundaryNames names the .vol segmentation rows. The device's 0 ILM, 1 BM (Bruch's
// membrane), 2 RNFL (its outer edge), 3 GCL, 4 IPL, 5 INL, 6 OPL, 8 ELM, 14 PR1 (IS/OS,
// ellipsoid zone), 15 PR2 (cone outer-segment tips), 16 RPE each name the layer a boundary
// closes from above.
func volBoundaryName(i int) string {
	switch i {
	case 0:
		return "ILM"
	case 1:
		return "RPE_BM"
	case 2:
		return "NFL_GCL"
	case 3:
		return "GCL_IPL"
	case 4:
		return "IPL_INL"
	case 5:
		return "INL_OPL"
	case 6:
		return "OPL_ONL"
	case 8:
		return "ELM"
	case 14:
		return "ISOS"
	case 15:
		return "COST"
	case 16:
		return "RPE"
	}
	return fmt.Sprintf("HE_%d", i)
}

func isVol(head []byte) bool { return bytes.HasPrefix(head, []byte("HSF-OCT-")) }

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(b), ""))
}

// volDate turns a .vol date (days since 1899-12-30, as OLE automation dates count) into
// DICOM's YYYYMMDD, "" when it is not a plausible date.
func volDate(days float64) string {
	if !(days > 0 && days < 200*366) {
		return ""
	}
	t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days))
	return t.Format("20060102")
}

// mmToUm converts a positive, finite length in mm below 1 m to µm; anything else is
// unknown (0).
func mmToUm(mm float64) float64 {
	if mm > 0 && mm < 1000 {
		return mm * 1000
	}
	return 0
}

func parseVol(res *Result, r io.ReaderAt, size int64, opts Options) error {
	if size < volHeaderSize {
		return reject(CodeTruncated, "a .vol file starts with a %d-byte header but the file has %d bytes", volHeaderSize, size)
	}
	hb := make([]byte, volHeaderSize)
	if err := readFull(r, hb, 0, size); err != nil {
		return err
	}
	le := binary.LittleEndian
	i32 := func(off int) int { return int(int32(le.Uint32(hb[off:]))) }
	f64 := func(off int) float64 { return math.Float64frombits(le.Uint64(hb[off:])) }
	h := &VolHeader{
		Version: cString(hb[0:12]), SizeX: i32(12), NumBScans: i32(16), SizeZ: i32(20),
		ScaleXMm: f64(24), DistanceMm: f64(32), ScaleZMm: f64(40),
		SLOWidth: i32(48), SLOHeight: i32(52), SLOScaleXMm: f64(56), SLOScaleYMm: f64(64),
		FieldSizeDeg: i32(72), ScanFocusDpt: f64(76), ScanPosition: cString(hb[84:88]),
		ScanPattern: i32(96), BScanHdrSize: i32(100), r: r, size: size,
	}
	res.Vol = h
	res.Modality = "OPT"
	res.SamplesPerPixel, res.BitsAllocated, res.DataType = 1, 32, sampleFloat32.String()
	res.Study.Manufacturer = "Heidelberg Engineering"
	res.VolumeKind, res.VolumeKindSource = KindOCTVolume, KindSourceFile
	res.Subject.PatientID = cString(hb[140:161])
	res.Subject.BirthDate = volDate(f64(164))
	switch strings.ToUpper(h.ScanPosition) {
	case "OD", "OS":
		res.Study.Laterality = strings.ToUpper(h.ScanPosition)
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"SizeX", h.SizeX}, {"NumBScans", h.NumBScans}, {"SizeZ", h.SizeZ}} {
		if d.v <= 0 {
			return reject(CodeCorrupt, "the .vol header's %s is %d, not a positive size", d.name, d.v)
		}
		if d.v > volMaxDim {
			return reject(CodeTooLarge, "the .vol header's %s is %d, over the limit of %d", d.name, d.v, volMaxDim)
		}
	}
	res.Cols, res.Rows, res.Frames = h.SizeX, h.NumBScans, h.SizeZ
	if h.SLOWidth < 0 || h.SLOHeight < 0 || h.SLOWidth > volMaxDim || h.SLOHeight > volMaxDim {
		return reject(CodeCorrupt, "the .vol header's SLO image is %d×%d", h.SLOWidth, h.SLOHeight)
	}
	if h.BScanHdrSize < volBScanHdrMin || h.BScanHdrSize > volMaxBScanHdr {
		return reject(CodeCorrupt, "the .vol header's BScanHdrSize is %d; a B-scan header holds %d to %d bytes",
			h.BScanHdrSize, volBScanHdrMin, volMaxBScanHdr)
	}
	if v := res.Voxels(); v > opts.maxVoxels() {
		return reject(CodeTooLarge, "%d×%d×%d = %d voxels is over the limit of %d", res.Cols, res.Rows, res.Frames, v, opts.maxVoxels())
	}
	res.SpacingUm = [3]float64{mmToUm(h.ScaleXMm), mmToUm(h.DistanceMm), mmToUm(h.ScaleZMm)}

	// Each term is below 2³¹ and there are fewer than 2¹⁵ blocks: no int64 overflow.
	h.sloOff = volHeaderSize
	h.bscanOff = h.sloOff + int64(h.SLOWidth)*int64(h.SLOHeight)
	h.blockSize = int64(h.BScanHdrSize) + int64(h.SizeX)*int64(h.SizeZ)*4
	if end := h.bscanOff + int64(h.NumBScans)*h.blockSize; end > size {
		whole := max(size-h.bscanOff, 0) / h.blockSize
		return reject(CodeTruncated, "the .vol header announces %d B-scans of %d bytes from byte %d (to byte %d) but the file ends at byte %d, after %d whole B-scans",
			h.NumBScans, h.blockSize, h.bscanOff, end, size, whole)
	}
	// Only the first B-scan header is read here (a header read must stay cheap: slices of a
	// stored volume re-read it); the others are checked as their B-scans are decoded.
	numSeg, err := h.bscanHeader(0)
	if err != nil {
		return err
	}
	h.NumSeg = numSeg
	l := bscanLayout{x: h.SizeX, y: h.NumBScans, z: h.SizeZ, bscan: h.readBScan, row: h.readRow}
	l.install(res)
	res.Decodable = true
	return nil
}

// bscanHeader checks the header of B-scan b and returns its number of boundaries.
func (h *VolHeader) bscanHeader(b int) (int, error) {
	off := h.bscanOff + int64(b)*h.blockSize
	hb := make([]byte, volBScanHdrMin)
	if err := readFull(h.r, hb, off, h.size); err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	if !bytes.HasPrefix(hb, []byte("HSF-BS-")) {
		return 0, reject(CodeCorrupt, "B-scan %d's header at byte %d does not start with HSF-BS-", b, off)
	}
	if n := int(int32(le.Uint32(hb[12:]))); n != h.BScanHdrSize {
		return 0, reject(CodeCorrupt, "B-scan %d's header says it is %d bytes, the file header %d", b, n, h.BScanHdrSize)
	}
	numSeg, offSeg := int(int32(le.Uint32(hb[48:]))), int64(int32(le.Uint32(hb[52:])))
	if numSeg < 0 || numSeg > volMaxSeg {
		return 0, reject(CodeCorrupt, "B-scan %d holds %d boundaries (at most %d)", b, numSeg, volMaxSeg)
	}
	if numSeg > 0 && (offSeg < volBScanHdrMin || offSeg+int64(numSeg)*int64(h.SizeX)*4 > int64(h.BScanHdrSize)) {
		return 0, reject(CodeCorrupt, "B-scan %d's %d boundaries at offset %d do not fit its %d-byte header", b, numSeg, offSeg, h.BScanHdrSize)
	}
	return numSeg, nil
}

// volSamples turns the stored floats into the display scale, refusing NaN and infinities.
func volSamples(dst []float32, b int) error {
	for i, v := range dst {
		switch {
		case v != v || math.IsInf(float64(v), 0):
			return reject(CodeCorrupt, "B-scan %d holds a %v sample at index %d; the format has no such value", b, v, i)
		case v >= volInvalid || v <= 0:
			dst[i] = 0
		default:
			dst[i] = float32(math.Sqrt(math.Sqrt(float64(v))))
		}
	}
	return nil
}

func (h *VolHeader) readBScan(b int, dst []float32) error {
	if _, err := h.bscanHeader(b); err != nil {
		return err
	}
	off := h.bscanOff + int64(b)*h.blockSize + int64(h.BScanHdrSize)
	if err := readSamples(h.r, off, h.size, dst, sampleFloat32, binary.LittleEndian); err != nil {
		return err
	}
	return volSamples(dst, b)
}

func (h *VolHeader) readRow(b, d int, dst []float32) error {
	off := h.bscanOff + int64(b)*h.blockSize + int64(h.BScanHdrSize) + int64(d)*int64(h.SizeX)*4
	if err := readSamples(h.r, off, h.size, dst, sampleFloat32, binary.LittleEndian); err != nil {
		return err
	}
	return volSamples(dst, b)
}

// BoundaryNames names the boundaries the first B-scan's header holds (see Boundary.Name).
func (h *VolHeader) BoundaryNames() []string {
	out := make([]string, h.NumSeg)
	for i := range out {
		out[i] = volBoundaryName(i)
	}
	return out
}

// SLO reads the scanning laser ophthalmoscope image of a .vol file: SLOWidth·SLOHeight
// grey values, row-major.
func (h *VolHeader) SLO() ([]byte, error) {
	out := make([]byte, h.SLOWidth*h.SLOHeight)
	if err := readFull(h.r, out, h.sloOff, h.size); err != nil {
		return nil, err
	}
	return out, nil
}

// Boundaries reads the device's layer boundaries of every B-scan: NumSeg boundaries of the
// first B-scan's header; a B-scan with another count is a CORRUPT rejection. Depths are
// checked: a finite value outside 0..SizeZ is CORRUPT, the invalid marker becomes NaN.
// They are a reference (what the device found), not what aomas measures.
func (h *VolHeader) Boundaries() ([]Boundary, error) {
	out := make([]Boundary, h.NumSeg)
	for i := range out {
		out[i] = Boundary{Name: volBoundaryName(i), Index: i, Depth: make([]float32, h.NumBScans*h.SizeX)}
	}
	if h.NumSeg == 0 {
		return out, nil
	}
	le := binary.LittleEndian
	buf := make([]byte, h.NumSeg*h.SizeX*4)
	for b := range h.NumBScans {
		n, err := h.bscanHeader(b)
		if err != nil {
			return nil, err
		}
		if n != h.NumSeg {
			return nil, reject(CodeCorrupt, "B-scan %d holds %d boundaries, B-scan 0 %d", b, n, h.NumSeg)
		}
		off := h.bscanOff + int64(b)*h.blockSize
		ob := make([]byte, 4)
		if err := readFull(h.r, ob, off+52, h.size); err != nil {
			return nil, err
		}
		if err := readFull(h.r, buf, off+int64(le.Uint32(ob)), h.size); err != nil {
			return nil, err
		}
		for s := range h.NumSeg {
			row := out[s].Depth[b*h.SizeX : (b+1)*h.SizeX]
			for x := range row {
				v := math.Float32frombits(le.Uint32(buf[(s*h.SizeX+x)*4:]))
				switch {
				case v >= volInvalid:
					row[x] = float32(math.NaN())
				case v != v || v < 0 || v > float32(h.SizeZ):
					return nil, reject(CodeCorrupt, "boundary %d of B-scan %d is %v at A-scan %d, outside 0..%d", s, b, v, x, h.SizeZ)
				default:
					row[x] = v
				}
			}
		}
	}
	return out, nil
}
