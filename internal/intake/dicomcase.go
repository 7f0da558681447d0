package intake

import (
	"context"
	"fmt"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
)

// CaseForDICOM finds or makes the case, in project, of a DICOM file that was read into res:
// by the subject code (HMAC of the patient ID), the laterality and the study date, as for
// the drop folder. A file without a patient ID or laterality has no case (ErrNoCase): an eye
// is never guessed.
func CaseForDICOM(ctx context.Context, d db.DB, subjectKey []byte, project string, res *ingest.Result, tag string) (int64, error) {
	if res.Format != ingest.FormatDICOM || strings.TrimSpace(res.Subject.PatientID) == "" || res.Study.Laterality == "" {
		return 0, fmt.Errorf("%w: a DICOM instance needs a Patient ID and an Image Laterality (or Laterality) of R or L", ErrNoCase)
	}
	n := db.NewCase{Project: project, SubjectCode: ingest.SubjectCode(subjectKey, res.Subject.PatientID), Eye: res.Study.Laterality,
		AcquiredOn: dicomDate(res.Study.StudyDate), Tags: []string{tag}}
	if device := strings.TrimSpace(res.Study.Manufacturer + " " + res.Study.Model); device != "" {
		n.Device = &device
	}
	c, err := db.FindOrCreateCase(ctx, d, n)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}
