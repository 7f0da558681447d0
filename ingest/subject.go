package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SubjectCode returns the pseudonymous code stored for a patient: "S-" followed by the first
// 16 hex digits of HMAC-SHA256(key, patientID). The patient ID is trimmed of the padding
// spaces DICOM allows, so the same patient gets the same code from every file. An empty ID
// gives "" (there is no subject to name).
func SubjectCode(key []byte, patientID string) string {
	id := strings.TrimSpace(strings.TrimRight(patientID, "\x00"))
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return "S-" + hex.EncodeToString(m.Sum(nil))[:16]
}
