package apitest

// The standing adversarial suite for projects: an account of one project, with a role that
// may act there, tries every mutation that takes content or ids (uploads, two-step uploads,
// runs) against another project's rows or bytes. Nothing of the other project may come
// back, and no answer may tell whether a file exists there.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

const twoStepRequest = `mutation($in: RequestVolumeUploadInput!) { requestVolumeUpload(input: $in) { uploadId url } }`

const twoStepComplete = `mutation($id: ID!) { completeVolumeUpload(uploadId: $id) { duplicate volume { id status case { id } } } }`

// caseOfVolume is the case id of volume id as the caller sees it.
func (a *api) caseOfVolume(id string) string {
	a.t.Helper()
	var d struct {
		Volume struct{ Case struct{ ID string } }
	}
	a.mustQuery(`query($id: ID!) { volume(id: $id) { case { id } } }`, map[string]any{"id": id}, &d)
	return d.Volume.Case.ID
}

// requestTicket asks for a two-step upload of content into caseID and PUTs the bytes.
func (a *api) requestTicket(caseID, name string, content []byte) string {
	a.t.Helper()
	var tk struct {
		RequestVolumeUpload struct{ UploadID, URL string }
	}
	a.mustQuery(twoStepRequest, map[string]any{"in": map[string]any{"caseId": caseID, "filename": name, "sizeBytes": len(content)}}, &tk)
	req, _ := http.NewRequest(http.MethodPut, tk.RequestVolumeUpload.URL, strings.NewReader(string(content)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	_ = resp.Body.Close()
	require.Equal(a.t, http.StatusOK, resp.StatusCode)
	return tk.RequestVolumeUpload.UploadID
}

// TestDeduplicationStaysInsideTheCase (issue 13, finding 1): the same bytes uploaded in
// another project, or into another case of the same project, make a new volume of the
// caller's case; only a repeat into the same case is a duplicate.
func TestDeduplicationStaysInsideTheCase(t *testing.T) {
	a := newAPI(t)
	file := readFile(t, "dicom", "1.dcm")
	home := a.createCase("S-HOME")
	first, res := a.upload("1.dcm", file, map[string]any{"caseId": home})
	require.Empty(t, res.Errors)
	require.False(t, first.UploadVolume.Duplicate)
	_, err := a.raw.Exec(`UPDATE subject_identities SET patient_name = 'Secret^Name'`)
	require.NoError(t, err)

	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "eyes")
	eyes := a.as(tok)
	theirs := eyes.createCase("S-EYES")
	const q = `mutation($file: Upload!, $input: UploadVolumeInput!) { uploadVolume(file: $file, input: $input) {
	  duplicate volume { id status downloadUrl case { id subject { identity { patientName } } } } } }`
	for name, c := range map[string]struct {
		who    *api
		caseID string
	}{"another project": {eyes, theirs}, "another case of the same project": {a, a.createCase("S-OTHER")}} {
		t.Run(name, func(t *testing.T) {
			res := c.who.uploadQuery(q, "same.dcm", file, map[string]any{"caseId": c.caseID})
			require.Empty(t, res.Errors)
			var d struct {
				UploadVolume struct {
					Duplicate bool
					Volume    struct {
						ID, Status  string
						DownloadURL *string
						Case        struct {
							ID      string
							Subject struct {
								Identity *struct{ PatientName *string }
							}
						}
					}
				}
			}
			require.NoError(t, decode(res, &d))
			v := d.UploadVolume.Volume
			require.False(t, d.UploadVolume.Duplicate, "no answer says the bytes exist elsewhere")
			require.NotEqual(t, first.UploadVolume.Volume.ID, v.ID, "a new volume record")
			require.Equal(t, c.caseID, v.Case.ID, "in the caller's case")
			require.Equal(t, "READY", v.Status)
			if id := v.Case.Subject.Identity; id != nil && id.PatientName != nil {
				require.NotEqual(t, "Secret^Name", *id.PatientName, "nothing of the first upload's subject")
			}
		})
	}
	// The first project's volume stays out of reach.
	res = eyes.query(`query($id: ID!) { volume(id: $id) { id } }`, map[string]any{"id": first.UploadVolume.Volume.ID})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "volume"))

	// Into the same case with the same inputs it is the same volume.
	again, res := a.upload("copy.dcm", file, map[string]any{"caseId": home})
	require.Empty(t, res.Errors)
	require.True(t, again.UploadVolume.Duplicate)
	require.Equal(t, first.UploadVolume.Volume.ID, again.UploadVolume.Volume.ID)
	// The bytes themselves are stored once.
	var objects int
	require.NoError(t, a.raw.Get(&objects, `SELECT count(DISTINCT object_key) FROM volumes WHERE sha256 = $1`, sha(file)))
	require.Equal(t, 1, objects)
}

// TestDeduplicationHonoursSidecarAndPixelSize (issue 13, finding 8): bytes first sent with
// a bad sidecar are not REJECTED forever; another sidecar or pixel size makes a new volume.
func TestDeduplicationHonoursSidecarAndPixelSize(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-SIDECAR")
	raw := rawVolume(2, 8, 8)
	bad, res := a.upload("v.raw", raw, map[string]any{"caseId": caseID, "sidecar": `{"dims":[4,8,8],"dtype":"uint16"}`})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "uploadVolume"))
	require.Equal(t, "REJECTED", bad.UploadVolume.Volume.Status)

	good, res := a.upload("v.raw", raw, map[string]any{"caseId": caseID, "sidecar": `{"dims":[2,8,8],"dtype":"uint16"}`})
	require.Empty(t, res.Errors)
	require.False(t, good.UploadVolume.Duplicate)
	require.Equal(t, "READY", good.UploadVolume.Volume.Status)
	require.NotEqual(t, bad.UploadVolume.Volume.ID, good.UploadVolume.Volume.ID)

	scaled, res := a.upload("v.raw", raw, map[string]any{"caseId": caseID, "sidecar": `{"dims":[2,8,8],"dtype":"uint16"}`, "umPerPx": 0.75})
	require.Empty(t, res.Errors)
	require.False(t, scaled.UploadVolume.Duplicate, "another pixel size is another volume")
	require.Equal(t, 0.75, *scaled.UploadVolume.Volume.SpacingUm.X)

	same, res := a.upload("v.raw", raw, map[string]any{"caseId": caseID, "sidecar": `{"dims":[2,8,8],"dtype":"uint16"}`, "umPerPx": 0.75})
	require.Empty(t, res.Errors)
	require.True(t, same.UploadVolume.Duplicate)
	require.Equal(t, scaled.UploadVolume.Volume.ID, same.UploadVolume.Volume.ID)

	// A repeat of the rejected upload is rejected again, as a new record, not the old one.
	badAgain, res := a.upload("v.raw", raw, map[string]any{"caseId": caseID, "sidecar": `{"dims":[4,8,8],"dtype":"uint16"}`})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "uploadVolume"))
	require.False(t, badAgain.UploadVolume.Duplicate)
}

// TestTwoStepTicketsStayWithTheirOwner (issue 13, finding 5): a ticket is completed only by
// the account that asked for it, in the project of its case; anyone else gets NOT_FOUND,
// exactly as for a ticket that does not exist, and the ticket still works for its owner.
func TestTwoStepTicketsStayWithTheirOwner(t *testing.T) {
	a := newAPI(t)
	_, techTok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "default")
	tech := a.as(techTok)
	caseID := tech.createCase("S-TICKET")
	content := readFile(t, "dicom", "2.dcm")
	ticket := tech.requestTicket(caseID, "2.dcm", content)

	_, eyesTok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "eyes")
	_, otherTok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "default")
	for name, who := range map[string]*api{"another project": a.as(eyesTok), "another account of the project": a.as(otherTok)} {
		res := who.query(twoStepComplete, map[string]any{"id": ticket})
		require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "completeVolumeUpload"), name)
		require.Equal(t, "not found", res.Errors[0].Message, name)
		unknown := who.query(twoStepComplete, map[string]any{"id": strings.Repeat("0", 32)})
		require.Equal(t, res.Errors[0].Message, unknown.Errors[0].Message, "%s: a foreign ticket reads like a missing one", name)
	}
	var none int
	require.NoError(t, a.raw.Get(&none, `SELECT count(*) FROM volumes`))
	require.Zero(t, none, "nothing was ingested for them")

	var done struct {
		CompleteVolumeUpload struct {
			Volume struct {
				ID, Status string
				Case       struct{ ID string }
			}
		}
	}
	tech.mustQuery(twoStepComplete, map[string]any{"id": ticket}, &done)
	require.Equal(t, "READY", done.CompleteVolumeUpload.Volume.Status)
	require.Equal(t, caseID, done.CompleteVolumeUpload.Volume.Case.ID)
	// Once completed, it still answers no one else.
	res := a.as(eyesTok).query(twoStepComplete, map[string]any{"id": ticket})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "completeVolumeUpload"))
}

// TestTwoStepUploadsIntoAnotherProjectAreRefused: a ticket cannot be asked for into another
// project's case, and bytes completed through a ticket never join another project's volume.
func TestTwoStepUploadsIntoAnotherProjectAreRefused(t *testing.T) {
	a := newAPI(t)
	content := readFile(t, "dicom", "2.dcm")
	home := a.createCase("S-HOME")
	up, res := a.upload("2.dcm", content, map[string]any{"caseId": home})
	require.Empty(t, res.Errors)

	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "eyes")
	eyes := a.as(tok)
	res = eyes.query(twoStepRequest, map[string]any{"in": map[string]any{"caseId": home, "filename": "2.dcm", "sizeBytes": len(content)}})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "requestVolumeUpload"))

	theirs := eyes.createCase("S-EYES")
	ticket := eyes.requestTicket(theirs, "2.dcm", content)
	var done struct {
		CompleteVolumeUpload struct {
			Duplicate bool
			Volume    struct {
				ID   string
				Case struct{ ID string }
			}
		}
	}
	eyes.mustQuery(twoStepComplete, map[string]any{"id": ticket}, &done)
	require.False(t, done.CompleteVolumeUpload.Duplicate)
	require.NotEqual(t, up.UploadVolume.Volume.ID, done.CompleteVolumeUpload.Volume.ID)
	require.Equal(t, theirs, done.CompleteVolumeUpload.Volume.Case.ID)
	require.Equal(t, home, a.caseOfVolume(up.UploadVolume.Volume.ID))
}

// TestRunsStayInsideTheProject: startRun on another project's volume is NOT_FOUND.
func TestRunsStayInsideTheProject(t *testing.T) {
	a := newAPI(t)
	home := a.createCase("S-HOME")
	up, res := a.upload("1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": home})
	require.Empty(t, res.Errors)
	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleAdmin, "eyes")
	res = a.as(tok).query(`mutation($id: ID!) { startRun(input: {volumeId: $id}) { id } }`, map[string]any{"id": up.UploadVolume.Volume.ID})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "startRun"))
	var runs int
	require.NoError(t, a.raw.Get(&runs, `SELECT count(*) FROM runs`))
	require.Zero(t, runs)
}

// TestStartRunRefusesOutOfRangeNumbers (issue 13, finding 9): startRun's params obey the
// bounds that uploadVolume and createCase apply, through the same validator.
func TestStartRunRefusesOutOfRangeNumbers(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-RUN-BOUNDS")
	up, res := a.upload("1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	const q = `mutation($id: ID!, $p: String) { startRun(input: {volumeId: $id, params: $p}) { id } }`
	for _, p := range []string{
		`{"umPerPx": 1e308}`, `{"umPerPx": 0}`, `{"umPerPx": -1}`,
		`{"eccentricityDeg": -5}`, `{"eccentricityDeg": 1e9}`,
	} {
		res := a.query(q, map[string]any{"id": up.UploadVolume.Volume.ID, "p": p})
		require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "startRun"), p)
		field := "umPerPx"
		if strings.Contains(p, "eccentricity") {
			field = "eccentricityDeg"
		}
		require.Contains(t, res.Errors[0].Message, field, p)
	}
	var runs int
	require.NoError(t, a.raw.Get(&runs, `SELECT count(*) FROM runs`))
	require.Zero(t, runs, "no run was made")
	// The same numbers are refused by uploadVolume and createCase, with the same words.
	_, res = a.upload("1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": caseID, "umPerPx": 0})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "uploadVolume"))
	require.Contains(t, res.Errors[0].Message, "umPerPx must be above 0")
	res = a.query(`mutation { createCase(input: {subjectCode: "S-E", eye: OD, eccentricityDeg: -5}) { case { id } } }`, nil)
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "createCase"))

	var run struct{ StartRun struct{ ID string } }
	a.mustQuery(q, map[string]any{"id": up.UploadVolume.Volume.ID, "p": `{"umPerPx": 0.8, "eccentricityDeg": 7.5}`}, &run)
	require.NotEmpty(t, run.StartRun.ID, "numbers in range start a run")
}
