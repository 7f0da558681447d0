package ingest

import "strings"

// CodeNotAOImage is the code of a file whose DICOM header says it is not an ophthalmic image
// (a CT or MR slice, an X-ray, ultrasound …): it is flagged, never measured.
const CodeNotAOImage = "NOT_AO_IMAGE"

// aoModalities are the DICOM Modality values (PS3.3 C.7.3.1.1.1) an adaptive-optics retinal
// image may carry: ophthalmic photography and tomography, secondary capture and "other"
// (how research AO systems export), external-camera photography.
var aoModalities = map[string]bool{"": true, "OP": true, "OPT": true, "SC": true, "OT": true, "XC": true}

// nonRetinalSOPClasses are storage SOP classes (PS3.4 B.5) of cross-sectional radiology
// images, refused even when the Modality attribute is missing or generic.
var nonRetinalSOPClasses = map[string]string{
	"1.2.840.10008.5.1.4.1.1.2":     "CT Image Storage",
	"1.2.840.10008.5.1.4.1.1.2.1":   "Enhanced CT Image Storage",
	"1.2.840.10008.5.1.4.1.1.2.2":   "Legacy Converted Enhanced CT Image Storage",
	"1.2.840.10008.5.1.4.1.1.4":     "MR Image Storage",
	"1.2.840.10008.5.1.4.1.1.4.1":   "Enhanced MR Image Storage",
	"1.2.840.10008.5.1.4.1.1.4.3":   "Enhanced MR Color Image Storage",
	"1.2.840.10008.5.1.4.1.1.4.4":   "Legacy Converted Enhanced MR Image Storage",
	"1.2.840.10008.5.1.4.1.1.128":   "Positron Emission Tomography Image Storage",
	"1.2.840.10008.5.1.4.1.1.20":    "Nuclear Medicine Image Storage",
	"1.2.840.10008.5.1.4.1.1.1":     "Computed Radiography Image Storage",
	"1.2.840.10008.5.1.4.1.1.1.1":   "Digital X-Ray Image Storage - For Presentation",
	"1.2.840.10008.5.1.4.1.1.6.1":   "Ultrasound Image Storage",
	"1.2.840.10008.5.1.4.1.1.3.1":   "Ultrasound Multi-frame Image Storage",
	"1.2.840.10008.5.1.4.1.1.12.1":  "X-Ray Angiographic Image Storage",
	"1.2.840.10008.5.1.4.1.1.1.2":   "Digital Mammography X-Ray Image Storage - For Presentation",
	"1.2.840.10008.5.1.4.1.1.481.1": "RT Image Storage",
}

// CheckRetinal refuses a parsed file whose header says it is not an ophthalmic image: a
// DICOM Modality other than OP, OPT, SC, OT or XC, or a radiology SOP class. TIFF and raw
// files carry no such statement and pass; the pipeline's spectral check judges their pixels.
func CheckRetinal(res *Result) *RejectError {
	if res == nil || res.Format != FormatDICOM {
		return nil
	}
	if name, ok := nonRetinalSOPClasses[res.SOPClassUID]; ok {
		return reject(CodeNotAOImage, "the DICOM SOP class is %s (%s), not an ophthalmic image; aomas measures adaptive-optics retinal images only",
			name, res.SOPClassUID)
	}
	m := strings.ToUpper(strings.TrimSpace(res.Modality))
	if !aoModalities[m] {
		return reject(CodeNotAOImage, "the DICOM modality is %s, not ophthalmic (OP, OPT) or a secondary capture; aomas measures adaptive-optics retinal images only", m)
	}
	return nil
}
