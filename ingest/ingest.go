// Package ingest sniffs and parses the volume formats aomas accepts — DICOM (including
// Ophthalmic Tomography and OCT En Face), multi-page TIFF stacks, Heidelberg Spectralis .vol
// raw exports and raw little-endian volumes with a JSON sidecar — into imaging volumes. Parsing is
// defensive: no length field is trusted before it is checked against the file size, every
// rejection is a *RejectError with a stable code, and no input makes it panic or hang.
package ingest

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/aomas/aomas/imaging"
)

// Formats reported in Result.Format.
const (
	FormatDICOM = "dicom"
	FormatTIFF  = "tiff"
	FormatRaw   = "raw"
	FormatVol   = "vol"
)

// Default limits used when Options leaves them zero.
const (
	DefaultMaxBytes  int64 = 8 << 30
	DefaultMaxVoxels int64 = 1 << 30
	// DefaultMaxDecodedBytes bounds what the samples of a volume take once decompressed.
	DefaultMaxDecodedBytes int64 = 1 << 30
	// DefaultMaxPlaneVoxels bounds a plane across any axis (x·y, x·z and y·z): one plane is
	// what a slice decodes and sends at once.
	DefaultMaxPlaneVoxels int64 = 2048 * 2048
	// DefaultMaxCompressionRatio bounds decoded bytes over file bytes for volumes that decode
	// to more than CompressionRatioFloor: a tiny file must not declare a huge volume.
	DefaultMaxCompressionRatio = 100
)

// CompressionRatioFloor is the decoded size under which the compression ratio is not checked.
const CompressionRatioFloor int64 = 16 << 20

// Options tunes Parse.
type Options struct {
	// MaxBytes rejects larger files with TOO_LARGE; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxVoxels rejects volumes declaring more voxels (x·y·z) with TOO_LARGE, which bounds
	// what Volume allocates (4 bytes a voxel); 0 means DefaultMaxVoxels.
	MaxVoxels int64
	// MaxDecodedBytes rejects volumes whose declared samples (x·y·z × samples per pixel ×
	// bytes per sample) are more bytes than this, with TOO_LARGE; 0 means DefaultMaxDecodedBytes.
	MaxDecodedBytes int64
	// MaxPlaneVoxels rejects volumes with a plane, across any axis, of more voxels, with
	// TOO_LARGE; 0 means DefaultMaxPlaneVoxels.
	MaxPlaneVoxels int64
	// MaxCompressionRatio rejects volumes that decode to more than this many times the size
	// of the file (when over CompressionRatioFloor), with TOO_LARGE; 0 means
	// DefaultMaxCompressionRatio.
	MaxCompressionRatio float64
	// Sidecar is the JSON sidecar of a raw volume (see ParseSidecar). It is used only when
	// the content is neither DICOM nor TIFF.
	Sidecar []byte
	// VolumeKind is the kind the caller states (KindFrameStack or KindOCTVolume), "" for
	// none. A file or sidecar that says otherwise is a KIND_CONFLICT rejection.
	VolumeKind string
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func orDefault[T int64 | float64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// checkDecodedSize bounds what the declared dimensions decode to, before anything is
// decoded: the samples' bytes, the largest plane, and the ratio to the file's size.
func checkDecodedSize(res *Result, size int64, opts Options) error {
	bytesPer := int64(max(res.BitsAllocated, 8)+7) / 8 * int64(max(res.SamplesPerPixel, 1))
	// Dims are each below 2³¹; in float64 the products cannot overflow.
	x, y, z := float64(res.Cols), float64(res.Rows), float64(res.Frames)
	decoded := x * y * z * float64(bytesPer)
	if lim := orDefault(opts.MaxDecodedBytes, DefaultMaxDecodedBytes); decoded > float64(lim) {
		return reject(CodeTooLarge, "%d×%d×%d samples of %d bytes decode to %.0f bytes, over the limit of %d",
			res.Cols, res.Rows, res.Frames, bytesPer, decoded, lim)
	}
	if lim := orDefault(opts.MaxPlaneVoxels, DefaultMaxPlaneVoxels); max(x*y, x*z, y*z) > float64(lim) {
		return reject(CodeTooLarge, "a %d×%d×%d volume has planes of up to %.0f voxels, over the limit of %d",
			res.Cols, res.Rows, res.Frames, max(x*y, x*z, y*z), lim)
	}
	ratio := decoded / float64(max(size, 1))
	if lim := orDefault(opts.MaxCompressionRatio, DefaultMaxCompressionRatio); decoded > float64(CompressionRatioFloor) && ratio > lim {
		return reject(CodeTooLarge, "the %d-byte file declares %d×%d×%d samples that decode to %.0f bytes, %.0f times its size; the limit is %g times",
			size, res.Cols, res.Rows, res.Frames, decoded, ratio, lim)
	}
	return nil
}

func (o Options) maxVoxels() int64 {
	if o.MaxVoxels > 0 {
		return o.MaxVoxels
	}
	return DefaultMaxVoxels
}

// Subject holds the identifying patient attributes found in a file. Store only
// SubjectCode(key, PatientID); the rest belongs in the access-controlled identity record.
type Subject struct {
	PatientID   string
	PatientName string
	BirthDate   string // DICOM DA, YYYYMMDD
	Sex         string // M, F or O
}

// Study holds the acquisition attributes found in a file.
type Study struct {
	StudyInstanceUID  string
	SeriesInstanceUID string
	SOPInstanceUID    string
	StudyDate         string // DICOM DA, YYYYMMDD
	Manufacturer      string
	Model             string
	// Laterality is OD (right eye) or OS (left eye) from ImageLaterality or Laterality, or "".
	Laterality string
	// AcquisitionNumber and InstanceNumber order the instances of a series ("" and 0 when absent).
	AcquisitionNumber string
	InstanceNumber    int
}

// Result is what Parse found in a file. Counts are 0 when unknown.
type Result struct {
	Format            string
	Modality          string
	SOPClassUID       string
	TransferSyntaxUID string
	// TransferSyntaxName is the human name of TransferSyntaxUID, when known.
	TransferSyntaxName string
	// The volume's dimensions. For a FRAME_STACK, z is DICOM frames, TIFF pages or raw
	// slices. For an OCT_VOLUME, x is A-scans per B-scan, y B-scans and z depth samples
	// (see KindOCTVolume): a DICOM OCT's frames and a .vol's B-scans count y, not z.
	Frames          int // z
	Rows            int // y
	Cols            int // x
	SamplesPerPixel int
	BitsAllocated   int
	// DataType is the stored sample type: uint8, int8, uint16, int16, uint32, int32 or float32.
	DataType string
	// SpacingUm is the voxel spacing along x, y and z in micrometres; 0 where unknown.
	SpacingUm [3]float64
	// Decodable says whether Volume can decode the pixels.
	Decodable bool
	Size      int64
	Subject   Subject
	Study     Study
	// VolumeKind is KindFrameStack or KindOCTVolume once the file was recognised, and
	// VolumeKindSource says who said so (KindSourceFile, …, KindSourceDefault).
	VolumeKind       string
	VolumeKindSource string
	// FramePositionsMm are a DICOM's per-frame Image Position (Patient) in mm, one per frame
	// (per B-scan of an OCT), when every frame has one; nil otherwise.
	FramePositionsMm [][3]float64
	// Vol is the header of a Heidelberg .vol file (nil for other formats); its SLO image and
	// the device's layer boundaries are read with SLO and Boundaries.
	Vol *VolHeader
	// RawAxes are a raw volume's sidecar axes (nil when the sidecar gives none).
	RawAxes []string

	// plane decodes plane z into dst (Rows·Cols samples).
	plane func(z int, dst []float32) error
	// bscan, when set, decodes B-scan y (Cols·Frames samples) by itself; fill, when set,
	// decodes the whole volume faster than plane by plane.
	bscan func(y int, dst []float32) error
	fill  func(v *imaging.Volume) error
	// frameRow, when set, decodes one row of one DICOM frame (native, one sample a pixel).
	frameRow func(f, row int, dst []float32) error
	// whyNot is returned by Volume when the pixels are not decodable.
	whyNot error
}

// Volume decodes the pixels into a z×y×x volume of float32 holding the stored sample
// values (no rescale slope or intercept applied; RGB is reduced to luma). It reads from
// the io.ReaderAt given to Parse, which must still be readable.
func (r *Result) Volume() (*imaging.Volume, error) {
	if err := r.decodable(); err != nil {
		return nil, err
	}
	v := &imaging.Volume{X: r.Cols, Y: r.Rows, Z: r.Frames, Vox: make([]float32, r.Voxels())}
	v.SpacingUm = r.SpacingUm
	if r.fill != nil {
		if err := r.fill(v); err != nil {
			return nil, err
		}
		return v, nil
	}
	n := r.Rows * r.Cols
	for z := range r.Frames {
		if err := r.plane(z, v.Vox[z*n:(z+1)*n]); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Plane decodes plane z (a frame, page or raw slice: Cols×Rows samples, row-major) into
// dst, which must hold Rows·Cols samples. Only that plane's bytes are read and decoded,
// so a caller that needs one plane, or walks the planes one at a time, holds one plane.
func (r *Result) Plane(z int, dst []float32) error {
	if err := r.decodable(); err != nil {
		return err
	}
	if z < 0 || z >= r.Frames {
		return fmt.Errorf("plane %d is outside 0..%d", z, r.Frames-1)
	}
	if len(dst) != r.Rows*r.Cols {
		return fmt.Errorf("plane buffer holds %d samples, not %d", len(dst), r.Rows*r.Cols)
	}
	return r.plane(z, dst)
}

func (r *Result) decodable() error {
	if r.plane == nil || !r.Decodable {
		if r.whyNot != nil {
			return r.whyNot
		}
		return reject(CodeUnsupportedPixelFormat, "pixels of this %s file are not decodable", r.Format)
	}
	return nil
}

// Voxels returns Cols·Rows·Frames.
func (r *Result) Voxels() int64 { return int64(r.Cols) * int64(r.Rows) * int64(r.Frames) }

// Parse sniffs the format of the size bytes in r by content and reads the header of the
// file. name is used only to word rejections (a non-DICOM file named .dcm is NOT_DICOM).
// Parse always returns a non-nil Result holding whatever could be read; the error is nil,
// a *RejectError, or a wrapped I/O error from r. A valid DICOM whose pixels cannot be
// decoded here (JPEG 2000, JPEG-LS, …) comes back with its header fields filled,
// Decodable false and an UNSUPPORTED_TRANSFER_SYNTAX rejection.
func Parse(r io.ReaderAt, size int64, name string, opts Options) (*Result, error) {
	res := &Result{Size: size}
	if size <= 0 {
		return res, reject(CodeEmpty, "the file is empty")
	}
	if size > opts.maxBytes() {
		return res, reject(CodeTooLarge, "the file is %d bytes, over the limit of %d bytes", size, opts.maxBytes())
	}
	head := make([]byte, min(size, 512))
	if err := readFull(r, head, 0, size); err != nil {
		return res, err
	}
	var err error
	switch {
	case len(head) >= 132 && string(head[128:132]) == "DICM":
		res.Format = FormatDICOM
		err = parseDICOM(res, r, size, 132, opts)
	case isTIFF(head):
		res.Format = FormatTIFF
		err = parseTIFF(res, r, size, opts)
	case isVol(head):
		res.Format = FormatVol
		err = parseVol(res, r, size, opts)
	case opts.Sidecar != nil:
		res.Format = FormatRaw
		err = parseRaw(res, r, size, opts)
	case looksLikeBareDICOM(head):
		res.Format = FormatDICOM
		err = parseDICOM(res, r, size, 0, opts)
	default:
		err = unknownFormat(name)
	}
	if err == nil && res.Decodable {
		err = checkDecodedSize(res, size, opts)
	}
	if err == nil {
		err = settleKind(res, opts.VolumeKind)
	}
	if err == nil && res.VolumeKind == KindOCTVolume && res.VolumeKindSource == KindSourceUploader {
		// A sequence of frames (TIFF pages, DICOM frames, raw slices) stated to be an OCT is
		// a sequence of B-scans, as OCT devices and ImageJ export them.
		asBScans(res)
		if res.Format == FormatRaw {
			res.RawAxes = bscanAxes
		}
	}
	if err != nil {
		res.Decodable = false
		if res.whyNot == nil {
			res.whyNot = err
		}
	}
	return res, err
}

func unknownFormat(name string) error {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".dcm", ".dicom", ".dic":
		return reject(CodeNotDICOM, "no DICM magic at byte 128 and no DICOM data set at byte 0: not a DICOM file")
	case ".raw", ".bin":
		return reject(CodeBadSidecar, "a raw volume needs a JSON sidecar giving dims and dtype")
	}
	return reject(CodeUnknownFormat, "the content is neither DICOM, TIFF, Heidelberg .vol nor a raw volume with a sidecar")
}

// readFull reads len(p) bytes at off, turning a short read into a TRUNCATED rejection.
func readFull(r io.ReaderAt, p []byte, off, size int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return reject(CodeTruncated, "the file ends after %d bytes, before the %d bytes it was said to hold", off+int64(n), size)
	}
	return fmt.Errorf("read %d bytes at %d: %w", len(p), off, err)
}
