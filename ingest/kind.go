package ingest

// Volume kinds (Result.VolumeKind). In memory every volume is z×y×x (imaging.Volume,
// Vox[(z·Y+y)·X+x]); what z means depends on the kind:
//
//   - FRAME_STACK (AOSLO video): z is time. Plane z is one en-face frame, x by y.
//   - OCT_VOLUME: z is depth. x is the A-scans of a B-scan, y the B-scans, z the depth
//     samples of an A-scan; B-scan b is the plane y = b, an x by z image with depth
//     downwards (imaging.Volume.Slice(imaging.AxisY, b), or Result.BScan), and plane z
//     is the en-face plane at depth z.
//
// A kind is never guessed: it is read from the file (a .vol is an OCT volume; a DICOM's SOP
// class says it), stated by the sidecar or by the uploader, or, for a file that says
// nothing and a caller that states nothing, FRAME_STACK with the source DEFAULT, so that
// the choice stays visible.
const (
	KindFrameStack = "FRAME_STACK"
	KindOCTVolume  = "OCT_VOLUME"
)

// Where a volume's kind came from (Result.VolumeKindSource).
const (
	// KindSourceFile: the file's own structure (.vol, a DICOM SOP class).
	KindSourceFile = "FILE"
	// KindSourceSidecar: the raw volume's JSON sidecar ("volumeKind" or "axes").
	KindSourceSidecar = "SIDECAR"
	// KindSourceUploader: stated with the upload (Options.VolumeKind).
	KindSourceUploader = "UPLOADER"
	// KindSourceDefault: nobody said; FRAME_STACK, the format aomas reads by default.
	KindSourceDefault = "DEFAULT"
)

// bscanAxes are the sidecar axes of a raw OCT stored B-scan by B-scan.
var bscanAxes = []string{"bscan", "depth", "ascan"}

// ValidVolumeKind reports whether k is one of the kinds.
func ValidVolumeKind(k string) bool { return k == KindFrameStack || k == KindOCTVolume }

// SOP classes whose kind the class itself states.
const (
	SOPOphthalmicTomography = "1.2.840.10008.5.1.4.1.1.77.1.5.4"
	SOPOCTEnFace            = "1.2.840.10008.5.1.4.1.1.77.1.5.7"
)

// sopKind returns the kind a DICOM SOP class states, or "" when it says nothing (secondary
// capture, CT, …). En-face ophthalmic classes are frame stacks: their frames are en-face
// images, never depth.
func sopKind(sop string) string {
	switch sop {
	case SOPOphthalmicTomography:
		return KindOCTVolume
	case SOPOCTEnFace,
		"1.2.840.10008.5.1.4.1.1.77.1.5.1", // Ophthalmic Photography 8 Bit
		"1.2.840.10008.5.1.4.1.1.77.1.5.2", // Ophthalmic Photography 16 Bit
		"1.2.840.10008.5.1.4.1.1.77.1.5.8", // Wide Field Ophthalmic Photography Stereographic Projection
		"1.2.840.10008.5.1.4.1.1.77.1.5.6", // Wide Field Ophthalmic Photography 3D Coordinates
		"1.2.840.10008.5.1.4.1.1.77.1.4",   // VL Photographic
		"1.2.840.10008.5.1.4.1.1.77.1.4.1": // Video Photographic
		return KindFrameStack
	}
	return ""
}

// settleKind decides res.VolumeKind from what the file said (already in res when it said
// anything) and what the caller states; a statement that contradicts the file is refused.
func settleKind(res *Result, stated string) error {
	if stated != "" && !ValidVolumeKind(stated) {
		return reject(CodeKindConflict, "volume kind %q is neither %s nor %s", stated, KindFrameStack, KindOCTVolume)
	}
	switch {
	case res.VolumeKind != "":
		if stated != "" && stated != res.VolumeKind {
			what := "the file"
			if res.VolumeKindSource == KindSourceSidecar {
				what = "the sidecar"
			}
			return reject(CodeKindConflict, "the upload states %s but %s says %s", stated, what, res.VolumeKind)
		}
	case stated != "":
		res.VolumeKind, res.VolumeKindSource = stated, KindSourceUploader
	default:
		res.VolumeKind, res.VolumeKindSource = KindFrameStack, KindSourceDefault
	}
	return nil
}
