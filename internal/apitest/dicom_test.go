package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/dicomnet"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

// dicomAPI is the API server with the DICOM service beside it, wired as aomas serve does.
type dicomAPI struct {
	*api
	recv       *dicomnet.Receiver
	host, port string
	baseURL    string
}

func newDicomAPI(t *testing.T) *dicomAPI {
	t.Helper()
	var recv *dicomnet.Receiver
	a := newAPIWith(t, func(s *setup) {
		recv = &dicomnet.Receiver{DB: s.conn, Intake: s.res.Intake, SubjectKey: s.res.Intake.SubjectKey,
			Limits: ingest.Options{MaxBytes: maxUpload}, Dir: t.TempDir(), Quiet: time.Minute} // Drain closes the groups
		s.dicomweb = (&dicomnet.DICOMweb{DB: s.conn, Receiver: recv, Enforcer: s.guard.Enforcer,
			MaxInstanceBytes: maxUpload, MaxRequestBytes: 4 * maxUpload, TempDir: t.TempDir()}).Handler()
	})
	srv := dicomnet.NewServer("AOMAS", &dicomnet.SCP{DB: a.raw, Receiver: recv})
	srv.TempDir, srv.MaxInstanceBytes, srv.ARTIM = t.TempDir(), maxUpload, 5*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done); recv.Drain() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	return &dicomAPI{api: a, recv: recv, host: host, port: port, baseURL: strings.TrimSuffix(a.url, "/graphql")}
}

func dcmtkRun(t *testing.T, tool string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, testenv.Dcmtk(t, tool), args...).CombinedOutput()
	return string(out), err
}

// storescu sends files from callingAE in one association; -nh: a failed instance does
// not stop the rest.
func (d *dicomAPI) storescu(t *testing.T, callingAE string, extra []string, files ...string) (string, error) {
	args := append([]string{"-nh", "-v", "-aet", callingAE, "-aec", "AOMAS"}, extra...)
	args = append(args, d.host, d.port)
	return dcmtkRun(t, "storescu", append(args, files...)...)
}

// dicomFiles writes the test instances into a folder: the five suyashkumar test files with
// an Image Laterality added (a case is a subject's eye; none is guessed), a 200-frame
// instance, and the six single-frame instances of one acquisition.
func dicomFiles(t *testing.T) (files, frames []string) {
	t.Helper()
	dir := t.TempDir()
	src, err := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "ingest", "testdata", "dicom", "*.dcm"))
	require.NoError(t, err)
	require.Len(t, src, 5)
	for _, s := range src {
		b, err := os.ReadFile(s)
		require.NoError(t, err)
		p := filepath.Join(dir, filepath.Base(s))
		require.NoError(t, os.WriteFile(p, b, 0o644))
		files = append(files, p)
	}
	out, err := dcmtkRun(t, "dcmodify", append([]string{"-nb", "-i", "(0020,0062)=R"}, files...)...)
	require.NoError(t, err, out)

	mf := testenv.DICOMImage{SOPClassUID: "1.2.840.10008.5.1.4.1.1.7.3", SOPInstanceUID: "2.25.1800001", StudyUID: "2.25.1800002",
		SeriesUID: "2.25.1800003", PatientID: "P-MF", Laterality: "L", Acquisition: 1, Instance: 1, Frames: 200, Rows: 64, Cols: 64}
	p := filepath.Join(dir, "mf200.dcm")
	require.NoError(t, os.WriteFile(p, mf.DICOM(), 0o644))
	files = append(files, p)
	// Written in an order other than their instance numbers.
	for _, n := range []int{4, 1, 6, 2, 5, 3} {
		fr := testenv.DICOMImage{SOPClassUID: "1.2.840.10008.5.1.4.1.1.7", SOPInstanceUID: fmt.Sprintf("2.25.1800100%d", n),
			StudyUID: "2.25.1800002", SeriesUID: "2.25.1800004", PatientID: "P-FR", Laterality: "R", Acquisition: 3,
			Instance: n, Rows: 48, Cols: 32}
		p := filepath.Join(dir, fmt.Sprintf("frame%d.dcm", n))
		require.NoError(t, os.WriteFile(p, fr.DICOM(), 0o644))
		frames = append(frames, p)
	}
	return append(files, frames...), frames
}

type instanceRow struct {
	SOP      string  `db:"sop_instance_uid"`
	Status   string  `db:"status"`
	Code     *string `db:"error_code"`
	VolumeID *int64  `db:"volume_id"`
	TS       string  `db:"transfer_syntax_uid"`
	Source   string  `db:"source"`
}

func (d *dicomAPI) instances(t *testing.T, project string) map[string]instanceRow {
	t.Helper()
	var rows []instanceRow
	require.NoError(t, d.raw.Select(&rows, `SELECT sop_instance_uid, status, error_code, volume_id, transfer_syntax_uid, source
		FROM dicom_instances WHERE project = $1`, project))
	out := map[string]instanceRow{}
	for _, r := range rows {
		out[r.SOP] = r
	}
	return out
}

type volumeRow struct {
	ID     int64   `db:"id"`
	Status string  `db:"status"`
	Code   *string `db:"error_code"`
	Z      int     `db:"dim_z"`
	Key    *string `db:"object_key"`
	Eye    string  `db:"eye"`
}

func (d *dicomAPI) volumes(t *testing.T, project string) map[int64]volumeRow {
	t.Helper()
	var rows []volumeRow
	require.NoError(t, d.raw.Select(&rows, `SELECT v.id, v.status, v.error_code, v.dim_z, v.object_key, c.eye
		FROM volumes v JOIN cases c ON c.id = v.case_id JOIN subjects s ON s.id = c.subject_id WHERE s.project = $1`, project))
	out := map[int64]volumeRow{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

// allowPeer allows ae into the project of token through the API.
func (d *dicomAPI) allowPeer(t *testing.T, token, ae string) {
	t.Helper()
	d.withToken(token, func() {
		var out struct {
			AllowDicomPeer struct{ AeTitle, Project string }
		}
		d.mustQuery(`mutation($ae: String!) { allowDicomPeer(aeTitle: $ae) { aeTitle project } }`, map[string]any{"ae": ae}, &out)
		require.Equal(t, ae, out.AllowDicomPeer.AeTitle)
	})
}

func (a *api) withToken(token string, f func()) {
	old := a.token
	a.token = token
	defer func() { a.token = old }()
	f()
}

func TestDicomCStoreWithDcmtk(t *testing.T) {
	d := newDicomAPI(t)
	files, frames := dicomFiles(t)
	_, wardToken := testenv.Account(t, d.raw, d.policy, rbac.RoleAdmin, "ward")
	d.allowPeer(t, d.token, "SCANNER1")
	d.allowPeer(t, wardToken, "SCANNER2")

	out, err := dcmtkRun(t, "echoscu", "-v", "-aet", "SCANNER1", "-aec", "AOMAS", d.host, d.port)
	require.NoError(t, err, out)
	out, err = dcmtkRun(t, "echoscu", "-aet", "INTRUDER", "-aec", "AOMAS", d.host, d.port)
	require.Error(t, err, "an unknown calling AE title is refused at association")
	require.Contains(t, out, "Calling AE Title Not Recognized", out)

	// One association: 12 instances become 7 volumes (the six frames of one acquisition make one).
	out, err = d.storescu(t, "SCANNER1", nil, files...)
	require.NoError(t, err, out)
	require.NotContains(t, out, "Error:", out)
	d.recv.Drain()
	check := func(project, source string) map[int64]volumeRow {
		t.Helper()
		inst := d.instances(t, project)
		require.Len(t, inst, 12)
		vols := map[int64]bool{}
		for sop, r := range inst {
			require.Equal(t, "READY", r.Status, sop)
			require.NotNil(t, r.VolumeID, sop)
			require.Equal(t, source, r.Source)
			vols[*r.VolumeID] = true
		}
		require.Len(t, vols, 7)
		all := d.volumes(t, project)
		require.Len(t, all, 7, "every instance lands once")
		stack := all[*inst["2.25.18001001"].VolumeID]
		require.Equal(t, 6, stack.Z, "the six frames are one volume")
		for _, f := range []string{"2.25.18001002", "2.25.18001006"} {
			require.Equal(t, *inst["2.25.18001001"].VolumeID, *inst[f].VolumeID)
		}
		require.Equal(t, 200, all[*inst["2.25.1800001"].VolumeID].Z)
		require.Equal(t, "OS", all[*inst["2.25.1800001"].VolumeID].Eye)
		return all
	}
	vols := check("default", "ae:SCANNER1")
	// The stacked volume holds the frames in instance-number order.
	stack := vols[*d.instances(t, "default")["2.25.18001001"].VolumeID]
	r, size, err := d.store.Open(context.Background(), *stack.Key)
	require.NoError(t, err)
	defer r.Close()
	res, err := ingest.Parse(r, size, "stack.dcm", ingest.Options{})
	require.NoError(t, err)
	plane := make([]float32, 48*32)
	for z := range 6 {
		require.NoError(t, res.Plane(z, plane))
		// testenv.DICOMImage's pixels: (i·7 + instance·17) mod 4096.
		require.Equal(t, float32((100*7+(z+1)*17)%4096), plane[100], "frame %d", z)
	}

	// Four parallel associations into another project, then the same again: each instance
	// lands once there too, and sending twice adds nothing.
	parallel := func(ae string) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		outs := make([]string, 4)
		for i := range 4 {
			var part []string
			for j := i; j < len(files); j += 4 {
				part = append(part, files[j])
			}
			wg.Add(1)
			go func() { defer wg.Done(); outs[i], errs[i] = d.storescu(t, ae, nil, part...) }()
		}
		wg.Wait()
		for i := range 4 {
			require.NoError(t, errs[i], outs[i])
			require.NotContains(t, outs[i], "Error:", outs[i])
		}
		d.recv.Drain()
	}
	parallel("SCANNER2")
	check("ward", "ae:SCANNER2")
	parallel("SCANNER2")
	check("ward", "ae:SCANNER2")
	out, err = d.storescu(t, "SCANNER1", nil, files...)
	require.NoError(t, err, out)
	d.recv.Drain()
	check("default", "ae:SCANNER1")
	_ = frames

	// A file the ingester rejects: a failure status, and a REJECTED volume with the reason.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.dcm")
	b, err := os.ReadFile(files[2])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, b, 0o644))
	out, err = dcmtkRun(t, "dcmodify", "-nb", "-gin", "-m", "(0028,0010)=100", bad)
	require.NoError(t, err, out)
	noEye := filepath.Join(dir, "noeye.dcm")
	b, err = os.ReadFile(filepath.Join(testenv.RepoRoot(t), "ingest", "testdata", "dicom", "1.dcm"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(noEye, b, 0o644))
	out, err = dcmtkRun(t, "dcmodify", "-nb", "-gin", noEye)
	require.NoError(t, err, out)
	out, _ = d.storescu(t, "SCANNER1", nil, bad, noEye)
	require.Equal(t, 2, strings.Count(out, "Error: CannotUnderstand"), out)
	d.recv.Drain()
	inst := d.instances(t, "default")
	require.Len(t, inst, 14)
	var rejected []instanceRow
	for _, r := range inst {
		if r.Status == "REJECTED" {
			rejected = append(rejected, r)
		}
	}
	require.Len(t, rejected, 2)
	codes := map[string]*int64{}
	for _, r := range rejected {
		codes[*r.Code] = r.VolumeID
	}
	require.Contains(t, codes, ingest.CodeDimensionMismatch)
	require.Contains(t, codes, dicomnet.CodeNoCase)
	vols = d.volumes(t, "default")
	v := vols[*codes[ingest.CodeDimensionMismatch]]
	require.Equal(t, "REJECTED", v.Status)
	require.Equal(t, ingest.CodeDimensionMismatch, *v.Code)

	// Deflated Explicit VR Little Endian over the network: storescu deflates, aomas inflates.
	defl := testenv.DICOMImage{SOPClassUID: "1.2.840.10008.5.1.4.1.1.7.3", SOPInstanceUID: "2.25.1800009", StudyUID: "2.25.1800002",
		SeriesUID: "2.25.1800005", PatientID: "P-MF", Laterality: "L", Acquisition: 1, Instance: 1, Frames: 20, Rows: 64, Cols: 64}
	p := filepath.Join(dir, "deflate.dcm")
	require.NoError(t, os.WriteFile(p, defl.DICOM(), 0o644))
	out, err = d.storescu(t, "SCANNER1", []string{"-xd"}, p)
	require.NoError(t, err, out)
	require.NotContains(t, out, "Error:", out)
	d.recv.Drain()
	di := d.instances(t, "default")["2.25.1800009"]
	require.Equal(t, "1.2.840.10008.1.2.1.99", di.TS, out)
	require.Equal(t, "READY", di.Status)
	require.Equal(t, 20, d.volumes(t, "default")[*di.VolumeID].Z)

	// The admin removes the AE title: its next association is refused.
	var rm struct{ RemoveDicomPeer struct{ AeTitle string } }
	d.mustQuery(`mutation { removeDicomPeer(aeTitle: "SCANNER1") { aeTitle } }`, nil, &rm)
	out, err = dcmtkRun(t, "echoscu", "-aet", "SCANNER1", "-aec", "AOMAS", d.host, d.port)
	require.Error(t, err)
	require.Contains(t, out, "Calling AE Title Not Recognized", out)
}

// TestDicomPeersAuthorization: only an admin changes the allow list, only in its own
// project; an AE title of one project cannot be taken by another.
func TestDicomPeersAuthorization(t *testing.T) {
	a := newAPI(t)
	_, wardAdmin := testenv.Account(t, a.raw, a.policy, rbac.RoleAdmin, "ward")
	_, tech := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "ward")
	_, scanner := testenv.Account(t, a.raw, a.policy, rbac.RoleScanner, "ward")
	_, labeler := testenv.Account(t, a.raw, a.policy, rbac.RoleLabeler, "ward")
	allow := `mutation($ae: String!) { allowDicomPeer(aeTitle: $ae) { aeTitle project createdBy } }`
	list := `{ dicomPeers { aeTitle project } }`

	a.withToken(wardAdmin, func() {
		res := a.query(allow, map[string]any{"ae": "WARD_CT"})
		require.Empty(t, res.Errors)
		res = a.query(allow, map[string]any{"ae": `BAD\AE`})
		require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
		res = a.query(allow, map[string]any{"ae": "SEVENTEEN_CHARS_X"})
		require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	})
	for name, tok := range map[string]string{"tech": tech, "scanner": scanner, "labeler": labeler} {
		a.withToken(tok, func() {
			res := a.query(allow, map[string]any{"ae": "ROGUE"})
			require.NotEmpty(t, res.Errors, name)
			require.Equal(t, "FORBIDDEN", res.Errors[0].Extensions["code"], name)
			res = a.query(`mutation { removeDicomPeer(aeTitle: "WARD_CT") { aeTitle } }`, nil)
			require.Equal(t, "FORBIDDEN", res.Errors[0].Extensions["code"], name)
		})
	}
	// The technician reads the list; the scanner and the labeler do not.
	a.withToken(tech, func() {
		var out struct {
			DicomPeers []struct{ AeTitle, Project string }
		}
		a.mustQuery(list, nil, &out)
		require.Equal(t, []struct{ AeTitle, Project string }{{"WARD_CT", "ward"}}, out.DicomPeers)
	})
	for _, tok := range []string{scanner, labeler} {
		a.withToken(tok, func() {
			res := a.query(list, nil)
			require.Equal(t, "FORBIDDEN", res.Errors[0].Extensions["code"])
		})
	}
	// Another project's admin neither sees, takes nor removes ward's AE title.
	var out struct{ DicomPeers []struct{ AeTitle string } }
	a.mustQuery(list, nil, &out)
	require.Empty(t, out.DicomPeers)
	res := a.query(allow, map[string]any{"ae": "WARD_CT"})
	require.Equal(t, "CONFLICT", res.Errors[0].Extensions["code"])
	require.NotContains(t, res.Errors[0].Message, "ward")
	res = a.query(`mutation { removeDicomPeer(aeTitle: "WARD_CT") { aeTitle } }`, nil)
	require.Equal(t, "NOT_FOUND", res.Errors[0].Extensions["code"])
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM dicom_peers WHERE ae_title = 'WARD_CT' AND project = 'ward'`))
	require.Equal(t, 1, n)
	// Every change is in the audit log.
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM audit_log WHERE object LIKE 'Mutation.allowDicomPeer%' AND outcome = 'ok'`))
	require.GreaterOrEqual(t, n, 1)
}

// dicomweb runs one of the DICOMweb client scripts with token and returns what it printed.
func (d *dicomAPI) dicomweb(t *testing.T, token, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	path := filepath.Join(testenv.RepoRoot(t), "scripts", script)
	if strings.HasSuffix(script, ".py") {
		py, err := exec.LookPath("python3")
		require.NoError(t, err, "python3 is needed for the DICOMweb client")
		cmd = exec.CommandContext(ctx, py, append([]string{path}, args...)...)
	} else {
		testenv.Tool(t, "curl")
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Env = append(os.Environ(), "AOMAS_TOKEN="+token)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

type pyResult struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

type dicomAttr struct {
	VR    string            `json:"vr"`
	Value []json.RawMessage `json:"Value"`
}

func decodePy(t *testing.T, out string) pyResult {
	t.Helper()
	var r pyResult
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return r
}

func sopSeq(t *testing.T, body []byte, tag string) []map[string]dicomAttr {
	t.Helper()
	var doc map[string]struct {
		Value []map[string]dicomAttr `json:"Value"`
	}
	require.NoError(t, json.Unmarshal(body, &doc), string(body))
	return doc[tag].Value
}

func TestDicomWebStowQido(t *testing.T) {
	d := newDicomAPI(t)
	files, _ := dicomFiles(t)

	// STOW-RS with curl: half the files.
	out := d.dicomweb(t, d.token, "dicomweb-stow-curl.sh", append([]string{d.baseURL}, files[:6]...)...)
	status, body, _ := strings.Cut(out, "\n")
	require.Equal(t, "200", status, out)
	refs := sopSeq(t, []byte(body), "00081199")
	require.Len(t, refs, 6, out)
	require.Empty(t, sopSeq(t, []byte(body), "00081198"))

	// STOW-RS with a Python client building its own multipart body: the rest.
	r := decodePy(t, d.dicomweb(t, d.token, "dicomweb_client.py", append([]string{"stow", d.baseURL}, files[6:]...)...))
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Len(t, sopSeq(t, r.Body, "00081199"), 6)

	// A rejected instance beside a good one: 202, the failure with its reason code.
	bad := filepath.Join(t.TempDir(), "bad.dcm")
	b, err := os.ReadFile(files[2])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, b, 0o644))
	o, err := dcmtkRun(t, "dcmodify", "-nb", "-gin", "-m", "(0028,0010)=100", bad)
	require.NoError(t, err, o)
	r = decodePy(t, d.dicomweb(t, d.token, "dicomweb_client.py", "stow", d.baseURL, bad, files[0]))
	require.Equal(t, 202, r.Status, string(r.Body))
	failed := sopSeq(t, r.Body, "00081198")
	require.Len(t, failed, 1)
	require.Equal(t, "49152", string(failed[0]["00081197"].Value[0]), "0xC000: cannot understand")
	require.Len(t, sopSeq(t, r.Body, "00081199"), 1)
	d.recv.Drain()

	// Everything landed once: 13 instance records (12 READY, 1 REJECTED), 7 volumes + 1 REJECTED.
	inst := d.instances(t, "default")
	require.Len(t, inst, 13)
	vols := d.volumes(t, "default")
	require.Len(t, vols, 8)
	for _, row := range inst {
		require.True(t, strings.HasPrefix(row.Source, "stow:user:"), row.Source)
	}

	// QIDO-RS lists the studies and series received, with counts and no identity.
	r = decodePy(t, d.dicomweb(t, d.token, "dicomweb_client.py", "studies", d.baseURL))
	require.Equal(t, 200, r.Status)
	var studies []map[string]dicomAttr
	require.NoError(t, json.Unmarshal(r.Body, &studies))
	require.Len(t, studies, 6, "five suyashkumar studies and the synthetic one")
	require.NotContains(t, string(r.Body), "ACRIN", "no patient identity in QIDO answers")
	found := false
	for _, s := range studies {
		if string(s["0020000D"].Value[0]) == `"2.25.1800002"` {
			found = true
			require.Equal(t, "2", string(s["00201206"].Value[0]))
			require.Equal(t, "7", string(s["00201208"].Value[0]))
			require.Equal(t, `"OPT"`, string(s["00080061"].Value[0]))
		}
	}
	require.True(t, found, string(r.Body))
	r = decodePy(t, d.dicomweb(t, d.token, "dicomweb_client.py", "series", d.baseURL, "2.25.1800002"))
	require.Equal(t, 200, r.Status)
	var series []map[string]dicomAttr
	require.NoError(t, json.Unmarshal(r.Body, &series))
	require.Len(t, series, 2)

	// Scoped to the caller's project and role.
	_, ward := testenv.Account(t, d.raw, d.policy, rbac.RoleAdmin, "ward")
	r = decodePy(t, d.dicomweb(t, ward, "dicomweb_client.py", "studies", d.baseURL))
	require.Equal(t, 200, r.Status)
	require.JSONEq(t, "[]", string(r.Body))
	r = decodePy(t, d.dicomweb(t, ward, "dicomweb_client.py", "series", d.baseURL, "2.25.1800002"))
	require.JSONEq(t, "[]", string(r.Body))
	_, labeler := testenv.Account(t, d.raw, d.policy, rbac.RoleLabeler, "default")
	r = decodePy(t, d.dicomweb(t, labeler, "dicomweb_client.py", "stow", d.baseURL, files[0]))
	require.Equal(t, http.StatusForbidden, r.Status)
	_, scanner := testenv.Account(t, d.raw, d.policy, rbac.RoleScanner, "default")
	r = decodePy(t, d.dicomweb(t, scanner, "dicomweb_client.py", "studies", d.baseURL))
	require.Equal(t, http.StatusForbidden, r.Status, "a scanner stores but does not list")
	req, _ := http.NewRequest(http.MethodGet, d.baseURL+"/dicomweb/studies", http.NoBody)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	var denied int
	require.NoError(t, d.raw.Get(&denied, `SELECT count(*) FROM audit_log WHERE object LIKE '%(DICOMweb)' AND outcome = 'denied'`))
	require.GreaterOrEqual(t, denied, 2)
}
