package apitest

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

// namedVolume uploads a real DICOM (ingest/testdata/dicom/<dicom>) under name into a new case and gives its volume three
// runs straight in SQL (the pipeline is tested elsewhere): two that succeeded, with a cone
// density each, and a later one that failed. The second is the volume's current run.
func (a *api) namedVolume(code, name, dicom string, tags ...string) (caseID, volumeID string, runs [3]int64) {
	a.t.Helper()
	caseID = a.createCase(code, tags...)
	up, res := a.upload(name, readFile(a.t, "dicom", dicom), map[string]any{"caseId": caseID})
	require.Empty(a.t, res.Errors)
	volumeID = up.UploadVolume.Volume.ID
	_, vol, err := gid.Decode(volumeID)
	require.NoError(a.t, err)
	for i, status := range []string{"SUCCEEDED", "SUCCEEDED", "FAILED"} {
		require.NoError(a.t, a.raw.Get(&runs[i], `INSERT INTO runs (volume_id, status) VALUES ($1, $2) RETURNING id`, vol, status))
		if status == "SUCCEEDED" {
			_, err := a.raw.Exec(`INSERT INTO metrics (run_id, name, value, unit, ci95_low, ci95_high) VALUES
				($1, 'cone_density', $2::float8, 'cells/mm²', $2::float8 - 1000, $2::float8 + 1000), ($1, 'nnd', 3.1, 'µm', 3.0, 3.2)`,
				runs[i], 30000+10000*float64(i))
			require.NoError(a.t, err)
		}
	}
	return caseID, volumeID, runs
}

type metricsPage struct {
	Metrics struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				Value float64
				Run   struct{ ID string }
			}
		}
	}
}

// TestVolumesKeepTheirNameAndOneCurrentRun: the volume carries the file name it was
// uploaded under; of its runs the latest that succeeded is current, and metrics count
// current runs only unless asked for superseded ones (no volume counted twice).
func TestVolumesKeepTheirNameAndOneCurrentRun(t *testing.T) {
	a := newAPI(t)
	caseID, volumeID, runs := a.namedVolume("S-NAMES-1", "left eye 2.5deg.dcm", "3.dcm")
	current := gid.Encode("Run", runs[1])

	var v struct {
		Volume struct {
			Filename   string
			CurrentRun struct{ ID string }
			Runs       []struct {
				ID       string
				Status   string
				Current  bool
				Detector string
			}
		}
	}
	a.mustQuery(`query($id: ID!) { volume(id: $id) { filename currentRun { id } runs { id status current detector } } }`,
		map[string]any{"id": volumeID}, &v)
	require.Equal(t, "left eye 2.5deg.dcm", v.Volume.Filename)
	require.Equal(t, current, v.Volume.CurrentRun.ID, "the latest succeeded run, not the later failed one")
	require.Len(t, v.Volume.Runs, 3)
	for _, r := range v.Volume.Runs {
		require.Equal(t, r.ID == current, r.Current, r.ID)
		require.NotEmpty(t, r.Detector)
	}

	var m metricsPage
	a.mustQuery(`query($f: MetricFilter) { metrics(filter: $f) { totalCount edges { node { value run { id } } } } }`,
		map[string]any{"f": map[string]any{"caseId": caseID, "name": "cone_density"}}, &m)
	require.Equal(t, 1, m.Metrics.TotalCount, "one volume, one density")
	require.Equal(t, current, m.Metrics.Edges[0].Node.Run.ID)
	require.InDelta(t, 40000, m.Metrics.Edges[0].Node.Value, 1e-9)
	a.mustQuery(`query($f: MetricFilter) { metrics(filter: $f) { totalCount edges { node { value run { id } } } } }`,
		map[string]any{"f": map[string]any{"caseId": caseID, "name": "cone_density", "includeSuperseded": true}}, &m)
	require.Equal(t, 2, m.Metrics.TotalCount)
	// A run asked for by id is answered whether current or not.
	a.mustQuery(`query($f: MetricFilter) { metrics(filter: $f) { totalCount edges { node { value run { id } } } } }`,
		map[string]any{"f": map[string]any{"runId": gid.Encode("Run", runs[0])}}, &m)
	require.Equal(t, 2, m.Metrics.TotalCount)
}

// TestMetricNamesAreCheckedAndCatalogued: a misspelled metric name is INVALID_INPUT naming
// the close ones, and metricCatalog lists every name with its unit and meanings.
func TestMetricNamesAreCheckedAndCatalogued(t *testing.T) {
	a := newAPI(t)
	a.namedVolume("S-NAMES-2", "a.dcm", "3.dcm")
	res := a.query(`{ metrics(filter: {name: "cone_densty"}) { totalCount } }`, nil)
	require.Len(t, res.Errors, 1)
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	require.Contains(t, res.Errors[0].Message, "did you mean cone_density")

	var c struct {
		MetricCatalog []struct {
			Name, Unit, Description string
			Modalities              []struct{ Modality, Meaning string }
		}
	}
	a.mustQuery(`{ metricCatalog { name unit description modalities { modality meaning } } }`, nil, &c)
	units := map[string]string{}
	for _, m := range c.MetricCatalog {
		units[m.Name] = m.Unit
		require.NotEmpty(t, m.Description, m.Name)
		require.NotEmpty(t, m.Modalities, m.Name) // AOSLO metrics name both modalities, OCT-only ones "oct"
	}
	require.Equal(t, "cells/mm²", units["cone_density"])
	require.Equal(t, "µm", units["nnd"])
	// Every catalogued name is accepted.
	for name := range units {
		res := a.query(`query($n: String) { metrics(filter: {name: $n}) { totalCount } }`, map[string]any{"n": name})
		require.Empty(t, res.Errors, name)
	}
}

// TestWideTableAndCSV: one row per current run, naming the subject, eye, eccentricity and
// file, with every metric and its interval; the CSV says the same.
func TestWideTableAndCSV(t *testing.T) {
	a := newAPI(t)
	a.namedVolume("S-WIDE-1", "first.dcm", "3.dcm", "cohort-w")
	var d struct {
		MetricTable struct {
			TotalCount  int
			MetricNames []string
			Rows        []struct {
				Run                    struct{ ID string }
				SubjectCode, Eye       string
				EccentricityDeg        float64
				Filename, ModelVersion string
				Values                 []*struct {
					Value             float64
					Unit              string
					Ci95Low, Ci95High *float64
				}
			}
		}
	}
	a.mustQuery(`{ metricTable(filter: {cohortTag: "cohort-w"}) { totalCount metricNames
		rows { run { id } subjectCode eye eccentricityDeg filename modelVersion values { value unit ci95Low ci95High } } } }`, nil, &d)
	require.Equal(t, 1, d.MetricTable.TotalCount, "the superseded run is not a row")
	row := d.MetricTable.Rows[0]
	require.Equal(t, "S-WIDE-1", row.SubjectCode)
	require.Equal(t, "OD", row.Eye)
	require.InDelta(t, 1.5, row.EccentricityDeg, 1e-9)
	require.Equal(t, "first.dcm", row.Filename)
	require.NotEmpty(t, row.ModelVersion)
	require.Len(t, row.Values, len(d.MetricTable.MetricNames))
	col := map[string]int{}
	for i, n := range d.MetricTable.MetricNames {
		col[n] = i
	}
	dens := row.Values[col["cone_density"]]
	require.NotNil(t, dens)
	require.InDelta(t, 40000, dens.Value, 1e-9)
	require.InDelta(t, 39000, *dens.Ci95Low, 1e-9)
	require.Nil(t, row.Values[col["percent_hex"]], "not measured: an empty cell, never a zero")

	var s struct{ MetricTableCsv string }
	a.mustQuery(`{ metricTableCsv(filter: {cohortTag: "cohort-w"}) }`, nil, &s)
	recs, err := csv.NewReader(strings.NewReader(s.MetricTableCsv)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 2)
	head := map[string]int{}
	for i, h := range recs[0] {
		head[h] = i
	}
	for _, h := range []string{"subject_code", "eye", "eccentricity_deg", "file_name", "model_version", "cone_density (cells/mm²)", "cone_density_ci95_low", "nnd (µm)"} {
		require.Contains(t, head, h)
	}
	require.Equal(t, "S-WIDE-1", recs[1][head["subject_code"]])
	require.Equal(t, "first.dcm", recs[1][head["file_name"]])
	require.Equal(t, "40000", recs[1][head["cone_density (cells/mm²)"]])
	require.Equal(t, "41000", recs[1][head["cone_density_ci95_high"]])

	a.mustQuery(`{ metricTable(filter: {cohortTag: "cohort-w", includeSuperseded: true}) { totalCount } }`, nil, &d)
	require.Equal(t, 3, d.MetricTable.TotalCount, "every run when asked")
}

// TestSubjectAndTagPrefixSearch: subjects and tags are found by the start of their names,
// whatever the case; LIKE's wildcards in the text are literal.
func TestSubjectAndTagPrefixSearch(t *testing.T) {
	a := newAPI(t)
	a.createCase("AB-0001", "Cohort-Alpha")
	a.createCase("ab-0002", "beta")
	a.createCase("XAB-3", "alphabet")
	count := func(filter map[string]any) int {
		var d struct{ Cases struct{ TotalCount int } }
		a.mustQuery(`query($f: CaseFilter) { cases(filter: $f) { totalCount } }`, map[string]any{"f": filter}, &d)
		return d.Cases.TotalCount
	}
	require.Equal(t, 2, count(map[string]any{"subjectPrefix": "ab-"}))
	require.Equal(t, 2, count(map[string]any{"subjectPrefix": "AB"}))
	require.Equal(t, 1, count(map[string]any{"tagPrefix": "cohort-a"}))
	require.Equal(t, 1, count(map[string]any{"tagPrefix": "ALPHA"}))
	require.Equal(t, 0, count(map[string]any{"subjectPrefix": "%"}), "a wildcard is a literal")
	require.Equal(t, 0, count(map[string]any{"subjectPrefix": "_b"}))
}

// TestArchiveAndCorrect: a technician archives a volume and a case (with a reason, on the
// audit record under their names), which leave listings and exports; a case's fields are
// corrected with validation, and the correction is audited.
func TestArchiveAndCorrect(t *testing.T) {
	a := newAPI(t)
	_, tok := a.accountFor(rbac.RoleTech)
	tech := a.as(tok)
	caseID, volumeID, _ := tech.namedVolume("S-ARCH-1", "wrong-eye.dcm", "3.dcm", "cohort-z")
	case2, _, _ := tech.namedVolume("S-ARCH-2", "other.dcm", "1.dcm", "cohort-z")

	res := tech.query(`mutation($id: ID!) { archiveVolume(id: $id, reason: "  ") { id } }`, map[string]any{"id": volumeID})
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"], "a reason is required")
	var arch struct {
		ArchiveVolume struct {
			ArchivedAt    *string
			ArchiveReason string
		}
	}
	tech.mustQuery(`mutation($id: ID!) { archiveVolume(id: $id, reason: "uploaded into the wrong case") { archivedAt archiveReason } }`,
		map[string]any{"id": volumeID}, &arch)
	require.NotNil(t, arch.ArchiveVolume.ArchivedAt)

	var c struct {
		Case struct{ Volumes []struct{ ID string } }
	}
	tech.mustQuery(`query($id: ID!) { case(id: $id) { volumes { id } } }`, map[string]any{"id": caseID}, &c)
	require.Empty(t, c.Case.Volumes, "an archived volume leaves its case's list")
	var tbl struct{ MetricTable struct{ TotalCount int } }
	tech.mustQuery(`{ metricTable(filter: {cohortTag: "cohort-z"}) { totalCount } }`, nil, &tbl)
	require.Equal(t, 1, tbl.MetricTable.TotalCount, "and the table")
	var m metricsPage
	tech.mustQuery(`{ metrics(filter: {cohortTag: "cohort-z", name: "cone_density"}) { totalCount } }`, nil, &m)
	require.Equal(t, 1, m.Metrics.TotalCount, "and the metrics")
	var runs struct{ Runs struct{ TotalCount int } }
	tech.mustQuery(`query($id: ID!) { runs(filter: {caseId: $id}) { totalCount } }`, map[string]any{"id": caseID}, &runs)
	require.Zero(t, runs.Runs.TotalCount, "and the runs list")
	var byID struct {
		Volume struct{ ArchiveReason string }
	}
	tech.mustQuery(`query($id: ID!) { volume(id: $id) { archiveReason } }`, map[string]any{"id": volumeID}, &byID)
	require.Equal(t, "uploaded into the wrong case", byID.Volume.ArchiveReason, "still readable by id")

	// Correct the second case.
	res = tech.query(`mutation($id: ID!) { updateCase(id: $id, input: {eccentricityDeg: 120}) { id } }`, map[string]any{"id": case2})
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	res = tech.query(`mutation($id: ID!) { updateCase(id: $id, input: {tags: [""]}) { id } }`, map[string]any{"id": case2})
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	var up struct {
		UpdateCase struct {
			Eye             string
			EccentricityDeg float64
			AcquiredOn      string
			Tags            []string
			Subject         struct{ Code string }
		}
	}
	tech.mustQuery(`mutation($id: ID!) { updateCase(id: $id, input: {subjectCode: "S-ARCH-2B", eye: OS, eccentricityDeg: 3.25,
		acquiredOn: "2024-03-01", tags: ["cohort-z", "redo"]}) { eye eccentricityDeg acquiredOn tags subject { code } } }`,
		map[string]any{"id": case2}, &up)
	require.Equal(t, "OS", up.UpdateCase.Eye)
	require.InDelta(t, 3.25, up.UpdateCase.EccentricityDeg, 1e-9)
	require.Equal(t, "2024-03-01", up.UpdateCase.AcquiredOn)
	require.Equal(t, []string{"cohort-z", "redo"}, up.UpdateCase.Tags)
	require.Equal(t, "S-ARCH-2B", up.UpdateCase.Subject.Code)
	var row struct {
		MetricTable struct {
			Rows []struct {
				SubjectCode, Eye string
				EccentricityDeg  float64
			}
		}
	}
	tech.mustQuery(`{ metricTable(filter: {cohortTag: "redo"}) { rows { subjectCode eye eccentricityDeg } } }`, nil, &row)
	require.Len(t, row.MetricTable.Rows, 1)
	require.Equal(t, "S-ARCH-2B", row.MetricTable.Rows[0].SubjectCode, "exports follow the correction")

	// Archive the case: it leaves the listing.
	tech.mustQuery(`mutation($id: ID!) { archiveCase(id: $id, reason: "duplicate of another case") { archivedAt } }`, map[string]any{"id": case2}, &struct{}{})
	var list struct{ Cases struct{ TotalCount int } }
	tech.mustQuery(`{ cases(filter: {tags: ["cohort-z"]}) { totalCount } }`, nil, &list)
	require.Equal(t, 1, list.Cases.TotalCount)
	res = tech.query(`mutation($id: ID!) { updateCase(id: $id, input: {eye: OD}) { id } }`, map[string]any{"id": case2})
	require.Equal(t, "CONFLICT", res.Errors[0].Extensions["code"], "an archived case is not corrected")

	// The audit log names the objects and the reasons; admins see the actor's e-mail.
	var log struct {
		AuditLog []struct {
			Object, Outcome string
			Target, Reason  *string
			ActorEmail      *string
		}
	}
	a.mustQuery(`{ auditLog(first: 50, filter: {action: "write"}) { object outcome target reason actorEmail } }`, nil, &log)
	seen := map[string]string{}
	for _, e := range log.AuditLog {
		if e.Target != nil && e.Outcome == "ok" {
			seen[e.Object] += *e.Target + "\n"
			require.NotNil(t, e.ActorEmail)
			require.Contains(t, *e.ActorEmail, "@")
		}
	}
	require.Contains(t, seen["Mutation.archiveVolume"], "wrong-eye.dcm")
	require.Contains(t, seen["Mutation.archiveVolume"], "uploaded into the wrong case")
	require.Contains(t, seen["Mutation.archiveCase"], "S-ARCH-2B")
	require.Contains(t, seen["Mutation.updateCase"], "changed subject, eye OD→OS, eccentricity, date, tags")
	require.Contains(t, seen["Mutation.uploadVolume"], "other.dcm")
	require.Contains(t, seen["Mutation.createCase"], "case S-ARCH-")
	var failed int
	for _, e := range log.AuditLog {
		if e.Object == "Mutation.updateCase" && e.Outcome == "failed" {
			failed++
			require.NotNil(t, e.Reason)
			require.True(t, strings.HasPrefix(*e.Reason, "INVALID_INPUT: ") || strings.HasPrefix(*e.Reason, "CONFLICT: "), *e.Reason)
		}
	}
	require.Equal(t, 3, failed)
	// The chain still verifies with the new fields in it.
	res = a.query(`{ auditLog(first: 1) { hash } }`, nil)
	require.Empty(t, res.Errors)
	_, err := audit.Verify(context.Background(), a.raw)
	require.NoError(t, err)
}

// TestRefusalsSayWhy: a refused field's audit entry says why (the refusal and the caller's
// roles); only admins read the audit log, e-mail addresses included.
func TestRefusalsSayWhy(t *testing.T) {
	a := newAPI(t)
	_, scanTok := a.accountFor(rbac.RoleScanner)
	res := a.as(scanTok).query(`{ cases { totalCount } }`, nil)
	require.Equal(t, "FORBIDDEN", res.Errors[0].Extensions["code"])
	var log struct {
		AuditLog []struct {
			Object, Outcome string
			Reason          *string
		}
	}
	a.mustQuery(`{ auditLog(first: 5, filter: {outcome: "denied"}) { object outcome reason } }`, nil, &log)
	require.NotEmpty(t, log.AuditLog)
	require.Equal(t, "Query.cases", log.AuditLog[0].Object)
	require.NotNil(t, log.AuditLog[0].Reason)
	require.Contains(t, *log.AuditLog[0].Reason, "not allowed to read Query.cases")
	require.Contains(t, *log.AuditLog[0].Reason, "scanner")

	_, techTok := a.accountFor(rbac.RoleTech)
	res = a.as(techTok).query(`{ auditLog(first: 1) { actorEmail } }`, nil)
	require.Equal(t, "FORBIDDEN", res.Errors[0].Extensions["code"])
}

// TestNamesStayInTheirProject: archiving, correcting and the analyst's table reach only
// the caller's project; another project's ids read as NOT_FOUND and change nothing.
func TestNamesStayInTheirProject(t *testing.T) {
	a := newAPI(t)
	caseID, volumeID, _ := a.namedVolume("S-DEFAULT", "default.dcm", "3.dcm", "shared-tag")
	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "eyes")
	eyes := a.as(tok)
	for _, tc := range []struct {
		q  string
		id string
	}{
		{`mutation($id: ID!) { archiveVolume(id: $id, reason: "x") { id } }`, volumeID},
		{`mutation($id: ID!) { archiveCase(id: $id, reason: "x") { id } }`, caseID},
		{`mutation($id: ID!) { updateCase(id: $id, input: {subjectCode: "STOLEN"}) { id } }`, caseID},
	} {
		res := eyes.query(tc.q, map[string]any{"id": tc.id})
		require.Len(t, res.Errors, 1, tc.q)
		require.Equal(t, "NOT_FOUND", res.Errors[0].Extensions["code"], tc.q)
	}
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM cases WHERE archived_at IS NOT NULL`))
	require.Zero(t, n)
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM volumes WHERE archived_at IS NOT NULL`))
	require.Zero(t, n)
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM subjects WHERE code = 'STOLEN'`))
	require.Zero(t, n)

	var tbl struct {
		MetricTable    struct{ TotalCount int }
		MetricTableCsv string
	}
	eyes.mustQuery(`{ metricTable(filter: {cohortTag: "shared-tag"}) { totalCount } metricTableCsv(filter: {cohortTag: "shared-tag"}) }`, nil, &tbl)
	require.Zero(t, tbl.MetricTable.TotalCount)
	require.NotContains(t, tbl.MetricTableCsv, "S-DEFAULT")
	res := eyes.query(`query($id: ID!) { metricTable(filter: {caseId: $id}) { totalCount } }`, map[string]any{"id": caseID})
	require.Empty(t, res.Errors)
	require.Contains(t, string(res.Data), `"totalCount":0`)
	var cases struct{ Cases struct{ TotalCount int } }
	eyes.mustQuery(`{ cases(filter: {subjectPrefix: "s-def"}) { totalCount } }`, nil, &cases)
	require.Zero(t, cases.Cases.TotalCount)
}

// TestGraphiQLForSignedInUsers: /graphiql sends anonymous callers to sign in; a signed-in
// browser gets the page with its session's CSRF header, so that its mutations go through.
func TestGraphiQLForSignedInUsers(t *testing.T) {
	a := newAPI(t)
	base := strings.TrimSuffix(a.url, "/graphql")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(base + "/graphiql")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/?next=%2Fgraphiql", resp.Header.Get("Location"))

	u := a.passwordAccount(rbac.RoleResearcher, "graphiql password")
	status, _, cookies := a.login(u.Email, "graphiql password")
	require.Equal(t, http.StatusOK, status)
	req, _ := http.NewRequest(http.MethodGet, base+"/graphiql", http.NoBody)
	var session string
	for _, c := range cookies {
		req.AddCookie(c)
		if c.Name == auth.SessionCookie {
			session = c.Value
		}
	}
	resp, err = noRedirect.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "GraphiQL")
	require.Contains(t, string(body), auth.CSRFToken(session), "the page sends the session's CSRF header")
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
}
