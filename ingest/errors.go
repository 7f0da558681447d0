package ingest

import "fmt"

// Rejection codes carried by RejectError.Code. They are stable: callers store them and the
// GraphQL layer maps them to extensions.code values.
const (
	// CodeEmpty: the file has no bytes.
	CodeEmpty = "EMPTY"
	// CodeTooLarge: the file, or the volume it declares, is over the configured limit.
	CodeTooLarge = "TOO_LARGE"
	// CodeNotDICOM: a file named like DICOM (.dcm, .dicom) that is not DICOM.
	CodeNotDICOM = "NOT_DICOM"
	// CodeUnknownFormat: the content matches none of DICOM, TIFF or raw+sidecar.
	CodeUnknownFormat = "UNKNOWN_FORMAT"
	// CodeTruncated: the file ends before the data its headers announce.
	CodeTruncated = "TRUNCATED"
	// CodeCorrupt: the structure is malformed in a way other than a short file.
	CodeCorrupt = "CORRUPT"
	// CodeUnsupportedTransferSyntax: a DICOM whose pixel encoding cannot be decoded here;
	// its header is still read.
	CodeUnsupportedTransferSyntax = "UNSUPPORTED_TRANSFER_SYNTAX"
	// CodeUnsupportedPixelFormat: pixels laid out in a way not decoded here (1-bit, float
	// TIFF, more than one sample per pixel that is not RGB, …).
	CodeUnsupportedPixelFormat = "UNSUPPORTED_PIXEL_FORMAT"
	// CodeDimensionMismatch: the declared dimensions do not match the bytes present.
	CodeDimensionMismatch = "DIMENSION_MISMATCH"
	// CodeMismatchedPages: the pages of a TIFF stack differ in size or sample layout.
	CodeMismatchedPages = "MISMATCHED_PAGES"
	// CodeBadSidecar: a raw volume whose JSON sidecar is missing, malformed or inconsistent.
	CodeBadSidecar = "BAD_SIDECAR"
	// CodeKindConflict: the volume kind stated with the upload contradicts the file or its
	// sidecar (an OCT DICOM stated FRAME_STACK), or is not a kind.
	CodeKindConflict = "KIND_CONFLICT"
)

// RejectError says why a file cannot be ingested. Reason is a precise sentence for a
// human (it names transfer syntaxes, byte counts and offsets) and never contains patient data.
type RejectError struct {
	Code   string
	Reason string
}

// Error returns the reason.
func (e *RejectError) Error() string { return e.Reason }

func reject(code, format string, args ...any) *RejectError {
	return &RejectError{Code: code, Reason: fmt.Sprintf(format, args...)}
}
