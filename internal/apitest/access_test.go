package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aomas/aomas/graph"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
)

// as returns a client of the same server that sends token instead of the admin's.
func (a *api) as(token string) *api {
	c := *a
	c.token = token
	return &c
}

// accountFor makes an account holding role in every project and returns it with its token.
func (a *api) accountFor(role string) (auth.User, string) {
	return testenv.Account(a.t, a.raw, a.policy, role, rbac.AllProjects)
}

// codesAt returns the extensions.code of the errors whose path starts with prefix.
func codesAt(res response, prefix ...any) []string {
	var out []string
	for _, e := range res.Errors {
		if len(e.Path) < len(prefix) {
			continue
		}
		match := true
		for i, p := range prefix {
			if fmt.Sprint(e.Path[i]) != fmt.Sprint(p) {
				match = false
			}
		}
		if match {
			out = append(out, fmt.Sprint(e.Extensions["code"]))
		}
	}
	return out
}

// forbiddenAlong reports whether some error on the way to path (path or a prefix of it) is FORBIDDEN.
func forbiddenAlong(res response, path []any) bool {
	for _, e := range res.Errors {
		if e.Extensions["code"] != "FORBIDDEN" || len(e.Path) > len(path) {
			continue
		}
		match := true
		for i, p := range e.Path {
			if fmt.Sprint(p) != fmt.Sprint(path[i]) {
				match = false
			}
		}
		if match {
			return true
		}
	}
	return false
}

// dummy returns a literal of type t that passes argument coercion: the authorization check
// runs after it, so a denied role must see FORBIDDEN and an allowed one anything else.
func dummy(s *ast.Schema, t *ast.Type) string {
	if t.Elem != nil {
		return "[" + dummy(s, t.Elem) + "]"
	}
	def := s.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		return def.EnumValues[0].Name
	case ast.InputObject:
		var fs []string
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil {
				fs = append(fs, f.Name+": "+dummy(s, f.Type))
			}
		}
		return "{" + strings.Join(fs, ", ") + "}"
	}
	switch t.NamedType {
	case "Int", "Int64":
		return "1"
	case "Float":
		return "1.5"
	case "Boolean":
		return "true"
	case "Time":
		return `"2026-01-01T00:00:00Z"`
	case "Date":
		return `"2026-01-01"`
	}
	return `"x"`
}

// rootProbe is one request that exercises root field f: its operation text and whether it
// needs a file (multipart).
func rootProbe(s *ast.Schema, op string, f *ast.FieldDefinition) (string, bool) {
	var args []string
	upload := false
	for _, a := range f.Arguments {
		switch {
		case a.Type.Name() == "Upload":
			args = append(args, a.Name+": $f")
			upload = true
		case a.Type.NonNull && a.DefaultValue == nil:
			args = append(args, a.Name+": "+dummy(s, a.Type))
		}
	}
	sel := f.Name
	if len(args) > 0 {
		sel += "(" + strings.Join(args, ", ") + ")"
	}
	switch s.Types[f.Type.Name()].Kind {
	case ast.Object, ast.Interface, ast.Union:
		sel += " { __typename }"
	}
	head := op
	if upload {
		head += "($f: Upload!)"
	}
	return head + " { " + sel + " }", upload
}

// multipartQuery posts q with a one-byte file bound to $f.
func (a *api) multipartQuery(q string) response {
	a.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"f": nil}})
	require.NoError(a.t, w.WriteField("operations", string(ops)))
	require.NoError(a.t, w.WriteField("map", `{"0":["variables.f"]}`))
	part, err := w.CreateFormFile("0", "x.bin")
	require.NoError(a.t, err)
	_, _ = part.Write([]byte{0})
	require.NoError(a.t, w.Close())
	req, _ := http.NewRequest(http.MethodPost, a.url, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return a.do(req)
}

// subscribeFirst opens a graphql-transport-ws subscription with the client's token and
// returns the errors' codes of its first message; none when nothing came within wait (an
// allowed subscription with nothing to say yet).
func (a *api) subscribeFirst(q string, wait time.Duration) []string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.url, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(a.t, err)
	defer conn.CloseNow()
	type msg struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	init, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + a.token})
	require.NoError(a.t, wsjson.Write(ctx, conn, msg{Type: "connection_init", Payload: init}))
	var ack msg
	require.NoError(a.t, wsjson.Read(ctx, conn, &ack))
	require.Equal(a.t, "connection_ack", ack.Type)
	sub, _ := json.Marshal(map[string]any{"query": q})
	require.NoError(a.t, wsjson.Write(ctx, conn, msg{ID: "1", Type: "subscribe", Payload: sub}))
	rctx, rcancel := context.WithTimeout(ctx, wait)
	defer rcancel()
	for {
		var m msg
		if err := wsjson.Read(rctx, conn, &m); err != nil {
			require.ErrorIs(a.t, rctx.Err(), context.DeadlineExceeded, "subscription read: %v", err)
			return nil
		}
		var errs []gqlError
		switch m.Type {
		case "next":
			var r response
			require.NoError(a.t, json.Unmarshal(m.Payload, &r))
			errs = r.Errors
		case "error":
			require.NoError(a.t, json.Unmarshal(m.Payload, &errs))
		case "ping", "pong":
			continue
		default:
			return nil
		}
		var codes []string
		for _, e := range errs {
			codes = append(codes, fmt.Sprint(e.Extensions["code"]))
		}
		return codes
	}
}

// fixtures are rows every sensitive field can be reached through.
type fixtures struct {
	caseID, subjectID, volumeID, modelID string
}

func (a *api) fixtures() fixtures {
	a.t.Helper()
	caseID := a.createCase("S-ACCESS")
	up, res := a.upload("3.dcm", readFile(a.t, "dicom", "3.dcm"), map[string]any{"caseId": caseID})
	require.Empty(a.t, res.Errors)
	var c struct {
		Case struct{ Subject struct{ ID string } }
	}
	a.mustQuery(`query($id: ID!) { case(id: $id) { subject { id } } }`, map[string]any{"id": caseID}, &c)
	_, subject, err := gid.Decode(c.Case.Subject.ID)
	require.NoError(a.t, err)
	_, err = a.raw.Exec(`INSERT INTO subject_identities (subject_id, patient_id, patient_name, birth_date, sex)
		VALUES ($1, 'P-0001', 'Doe^Jane', '1970-01-01', 'F')
		ON CONFLICT (subject_id) DO UPDATE SET patient_name = EXCLUDED.patient_name`, subject)
	require.NoError(a.t, err)
	var model int64
	require.NoError(a.t, a.raw.Get(&model, `INSERT INTO models (name, task) VALUES ('cones-access-test', 'cones') RETURNING id`))
	_, err = a.raw.Exec(`INSERT INTO model_versions (model_id, version, weights_key, weights_sha256) VALUES ($1, '1.0.0', 'models/x.onnx', $2)`,
		model, strings.Repeat("ab", 32))
	require.NoError(a.t, err)
	return fixtures{caseID: caseID, subjectID: c.Case.Subject.ID, volumeID: up.UploadVolume.Volume.ID, modelID: gid.Encode("Model", model)}
}

// typeProbe reaches sensitive type field obj through fields the schema offers: the query,
// the response path of the field, and the coordinates passed on the way.
func typeProbe(fx fixtures, obj string) (string, []any, []string) {
	typ, field, _ := strings.Cut(obj, ".")
	switch typ {
	case "Subject":
		return fmt.Sprintf(`{ node(id: %q) { ... on Subject { %s { __typename } } } }`, fx.subjectID, field),
			[]any{"node", field}, []string{"Query.node", obj}
	case "SubjectIdentity":
		return fmt.Sprintf(`{ node(id: %q) { ... on Subject { identity { %s } } } }`, fx.subjectID, field),
			[]any{"node", "identity", field}, []string{"Query.node", "Subject.identity", obj}
	case "Volume":
		return fmt.Sprintf(`{ node(id: %q) { ... on Volume { %s } } }`, fx.volumeID, field),
			[]any{"node", field}, []string{"Query.node", obj}
	case "ModelVersion":
		return fmt.Sprintf(`{ node(id: %q) { ... on Model { versions { %s } } } }`, fx.modelID, field),
			[]any{"node", "versions", 0, field}, []string{"Query.node", "Model.versions", obj}
	case "User":
		return fmt.Sprintf(`{ me { user { %s } } }`, field), []any{"me", "user", field}, []string{obj}
	case "AuditEntry":
		return fmt.Sprintf(`{ auditLog(first: 1) { %s } }`, field), []any{"auditLog", 0, field}, []string{"Query.auditLog", obj}
	}
	return "", nil, nil
}

// TestAuthorizationMatrix: for every role and every guarded coordinate of the schema (every
// root field, every sensitive field), one real request as a user holding only that role;
// the outcome (FORBIDDEN or not) equals what the stored policy says.
func TestAuthorizationMatrix(t *testing.T) {
	a := newAPI(t)
	fx := a.fixtures()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	ctx := context.Background()

	type member struct {
		user  auth.User
		token string
	}
	members := map[string]member{}
	for _, role := range rbac.Roles() {
		u, tok := a.accountFor(role)
		members[role] = member{u, tok}
	}
	allowed := func(role string, objs ...string) bool {
		for _, obj := range objs {
			act := rbac.ActRead
			if strings.HasPrefix(obj, "Mutation.") {
				act = rbac.ActWrite
			}
			ok, err := a.policy.Allowed(ctx, rbac.UserSubject(members[role].user.ID), auth.DefaultProject, obj, act)
			require.NoError(t, err)
			if !ok {
				return false
			}
		}
		return true
	}

	var coords []rbac.Coordinate
	for _, c := range resolvers.Coordinates() {
		if c.Guarded() {
			coords = append(coords, c)
		}
	}
	mismatches := 0
	grid := map[string]int{}
	for _, c := range coords {
		typ, field, _ := strings.Cut(c.Object, ".")
		def := schema.Types[typ].Fields.ForName(field)
		public := def.Directives.ForName("public") != nil
		for _, role := range rbac.Roles() {
			client := a.as(members[role].token)
			var denied bool
			var want bool
			switch {
			case c.Root && typ == "Subscription":
				q, _ := rootProbe(schema, "subscription", def)
				codes := client.subscribeFirst(q, 2*time.Second)
				denied = contains(codes, "FORBIDDEN")
				want = public || allowed(role, c.Object)
			case c.Root:
				op := "query"
				if typ == "Mutation" {
					op = "mutation"
				}
				q, upload := rootProbe(schema, op, def)
				var res response
				if upload {
					res = client.multipartQuery(q)
				} else {
					res = client.query(q, nil)
				}
				require.Equal(t, http.StatusOK, res.status, "%s as %s", c.Object, role)
				denied = contains(codesAt(res, field), "FORBIDDEN")
				want = public || allowed(role, c.Object)
			default:
				q, path, via := typeProbe(fx, c.Object)
				require.NotEmpty(t, q, "no probe reaches %s", c.Object)
				res := client.query(q, nil)
				denied = forbiddenAlong(res, path)
				want = allowed(role, via...)
				if !denied {
					require.NotContains(t, codesAt(res, path...), "INTERNAL", "%s as %s", c.Object, role)
				}
			}
			if denied == want {
				mismatches++
				t.Errorf("%s as %s: denied=%v, but the policy says allowed=%v", c.Object, role, denied, want)
			}
			grid[fmt.Sprintf("%v", !denied)]++
		}
	}
	t.Logf("authorization matrix: %d roles × %d guarded coordinates = %d requests (%d allowed, %d denied), %d mismatches",
		len(rbac.Roles()), len(coords), len(rbac.Roles())*len(coords), grid["true"], grid["false"], mismatches)
	require.GreaterOrEqual(t, len(coords), 40, "every root and sensitive field is in the matrix")
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestLabelerSeesConesNotIdentity: a labeler's query for a case returns the cone points of
// its labels, and null with FORBIDDEN at the subject's identity, the rest served.
func TestLabelerSeesConesNotIdentity(t *testing.T) {
	a := newAPI(t)
	fx := a.fixtures()
	_, tok := a.accountFor(rbac.RoleLabeler)
	labeler := a.as(tok)

	saved := labeler.query(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { id version } }`,
		map[string]any{"in": map[string]any{"volumeId": fx.volumeID, "kind": "cones", "baseVersion": 0,
			"document": `{"points":[[10.5,20.25],[30,40]]}`}})
	require.Empty(t, saved.Errors)

	res := labeler.query(`query($id: ID!) { case(id: $id) { eye subject { code identity { patientName birthDate } }
		volumes { id labels { kind document } } } }`, map[string]any{"id": fx.caseID})
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "case", "subject", "identity"), "%+v", res.Errors)
	require.Len(t, res.Errors, 1, "only the identity is refused")
	var d struct {
		Case struct {
			Eye     string
			Subject struct {
				Code     string
				Identity *struct{ PatientName string }
			}
			Volumes []struct {
				Labels []struct{ Kind, Document string }
			}
		}
	}
	require.NoError(t, decode(res, &d))
	require.Equal(t, "OD", d.Case.Eye)
	require.NotEmpty(t, d.Case.Subject.Code)
	require.Nil(t, d.Case.Subject.Identity)
	require.JSONEq(t, `{"points":[[10.5,20.25],[30,40]]}`, d.Case.Volumes[0].Labels[0].Document)
	require.NotContains(t, string(res.Data), "Doe")

	// The admin (and a tech) see the identity the labeler does not.
	var full struct {
		Case struct {
			Subject struct{ Identity struct{ PatientName string } }
		}
	}
	a.mustQuery(`query($id: ID!) { case(id: $id) { subject { identity { patientName } } } }`, map[string]any{"id": fx.caseID}, &full)
	require.Equal(t, "Doe^Jane", full.Case.Subject.Identity.PatientName)

	// The refusal is on the audit record.
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM audit_log WHERE outcome = 'denied' AND object = 'Subject.identity'`))
	require.Equal(t, 1, n)
}

// TestScannerUploadsAndReadsNothingElse: a scanner token creates a case and uploads into it,
// and every query of cases (its own or others') is FORBIDDEN.
func TestScannerUploadsAndReadsNothingElse(t *testing.T) {
	a := newAPI(t)
	fx := a.fixtures()
	_, tok := a.accountFor(rbac.RoleScanner)
	scanner := a.as(tok)

	var created struct {
		CreateCase struct{ Case struct{ ID string } }
	}
	scanner.mustQuery(`mutation { createCase(input: {subjectCode: "S-SCANNER", eye: OS}) { case { id } } }`, nil, &created)
	res := scanner.uploadQuery(`mutation($file: Upload!, $input: UploadVolumeInput!) { uploadVolume(file: $file, input: $input) { volume { id status sha256 } } }`,
		"1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": created.CreateCase.Case.ID})
	require.Empty(t, res.Errors)
	var up struct {
		UploadVolume struct {
			Volume struct{ ID, Status, Sha256 string }
		}
	}
	require.NoError(t, decode(res, &up))
	require.Equal(t, "READY", up.UploadVolume.Volume.Status)

	for _, q := range []struct{ name, query string }{
		{"case", fmt.Sprintf(`{ case(id: %q) { id } }`, fx.caseID)},
		{"cases", `{ cases { totalCount } }`},
		{"volume", fmt.Sprintf(`{ volume(id: %q) { id } }`, fx.volumeID)},
		{"node", fmt.Sprintf(`{ node(id: %q) { id } }`, fx.caseID)},
		{"runs", `{ runs { totalCount } }`},
		{"metrics", `{ metrics { totalCount } }`},
		{"case", fmt.Sprintf(`{ case(id: %q) { id } }`, created.CreateCase.Case.ID)},
	} {
		res = scanner.query(q.query, nil)
		require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, q.name), "%s: %+v", q.query, res.Errors)
		require.NotContains(t, string(res.Data), "S-", "%s leaked nothing", q.query)
	}
	// Nor can a payload lead elsewhere: the volume's case is not the scanner's to read.
	res = scanner.uploadQuery(`mutation($file: Upload!, $input: UploadVolumeInput!) { uploadVolume(file: $file, input: $input) { volume { case { subject { code } } } } }`,
		"2.dcm", readFile(t, "dicom", "2.dcm"), map[string]any{"caseId": created.CreateCase.Case.ID})
	require.Contains(t, codesAt(res, "uploadVolume", "volume", "case"), "FORBIDDEN")
}

// injections are classic SQL injection strings; every filter must treat them as data.
var injections = []string{
	`' OR '1'='1`,
	`'; DROP TABLE cases; --`,
	`%' OR 1=1 --`,
	`x' UNION SELECT id, email FROM users --`,
	`'); SELECT pg_sleep(5); --`,
	`\'; DELETE FROM audit_log; --`,
	`%`,
	`_`,
}

// TestFiltersResistSQLInjection: every string-like argument of every filter gets each
// injection string; nothing fails internally, nothing matches, nothing is dropped.
func TestFiltersResistSQLInjection(t *testing.T) {
	a := newAPI(t)
	a.fixtures()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	var before struct{ Cases, Audit int }
	require.NoError(t, a.raw.Get(&before.Cases, `SELECT count(*) FROM cases`))

	roots := map[string]struct{ field, selection string }{
		"CaseFilter":   {"cases", "totalCount edges { node { id } }"},
		"RunFilter":    {"runs", "totalCount"},
		"MetricFilter": {"metrics", "totalCount"},
		"AuditFilter":  {"auditLog", "id actor"},
	}
	tried := 0
	for typ, root := range roots {
		for _, f := range schema.Types[typ].Fields {
			named := f.Type.Name()
			if named != "String" && named != "ID" {
				continue
			}
			for _, inj := range injections {
				var v any = inj
				if f.Type.Elem != nil {
					v = []string{inj}
				}
				q := fmt.Sprintf(`query($v: %s) { %s(filter: {%s: $v}) { %s } }`, f.Type.String(), root.field, f.Name, root.selection)
				res := a.query(q, map[string]any{"v": v})
				tried++
				for _, e := range res.Errors {
					require.NotEqual(t, "INTERNAL", e.Extensions["code"], "%s.%s = %q: %s", typ, f.Name, inj, e.Message)
				}
				if len(res.Errors) > 0 {
					require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"], "%s.%s = %q", typ, f.Name, inj)
					continue
				}
				var d map[string]json.RawMessage
				require.NoError(t, decode(res, &d))
				body := string(d[root.field])
				if root.field == "auditLog" {
					require.Equal(t, "[]", body, "%s.%s = %q matched entries", typ, f.Name, inj)
				} else {
					require.Contains(t, body, `"totalCount":0`, "%s.%s = %q matched rows", typ, f.Name, inj)
				}
			}
		}
	}
	var after int
	require.NoError(t, a.raw.Get(&after, `SELECT count(*) FROM cases`))
	require.Equal(t, before.Cases, after)
	t.Logf("%d filter arguments × injection strings tried; none matched, none failed internally", tried)
}

// TestQueryLimits: too deep and too complex queries are refused before they run; an
// oversized request body is refused.
func TestQueryLimits(t *testing.T) {
	a := newAPI(t)
	deep := `{ cases { edges { node { subject { cases { volumes { case { subject { cases { volumes { case { subject { code } } } } } } } } } } } } }`
	res := a.query(deep, nil)
	require.NotEmpty(t, res.Errors)
	require.Contains(t, res.Errors[0].Message, "depth")

	var b strings.Builder
	b.WriteString("{")
	// Each alias selects 4 fields; a signed-in caller may select 2,000 before validation.
	for i := range 13_000 {
		fmt.Fprintf(&b, " c%d: version { version commit goVersion }", i)
	}
	b.WriteString(" }")
	res = a.query(b.String(), nil)
	require.NotEmpty(t, res.Errors)
	require.Equal(t, "QUERY_TOO_LARGE", res.Errors[0].Extensions["code"], res.Errors[0].Message)

	huge := `{"query":"{ version { version } }","variables":{"pad":"` + strings.Repeat("x", 4<<20) + `"}}`
	req, _ := http.NewRequest(http.MethodPost, a.url, strings.NewReader(huge))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
}

// login posts credentials to /auth/login and returns the response (its body still readable)
// with its cookies.
// login posts the credentials and returns the response's status, body and cookies.
func (a *api) login(email, password string) (status int, body []byte, cookies []*http.Cookie) {
	a.t.Helper()
	req, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(strings.TrimSuffix(a.url, "/graphql")+"/auth/login", "application/json", bytes.NewReader(req))
	require.NoError(a.t, err)
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return resp.StatusCode, body, resp.Cookies()
}

func (a *api) passwordAccount(role, password string) auth.User {
	a.t.Helper()
	accounts, err := auth.NewAccounts(a.raw, auth.AccountsConfig{})
	require.NoError(a.t, err)
	u, err := accounts.Create(context.Background(), fmt.Sprintf("%s-%d@pw.test", role, time.Now().UnixNano()), "pw", password)
	require.NoError(a.t, err)
	require.NoError(a.t, a.policy.GrantRole(context.Background(), rbac.UserSubject(u.ID), role, rbac.AllProjects))
	return u
}

// TestCookieSessionsNeedTheCSRFToken: a signed-in browser's mutation without the CSRF
// header is refused (403) and changes nothing; with it, it goes through. Reads need none.
func TestCookieSessionsNeedTheCSRFToken(t *testing.T) {
	a := newAPI(t)
	u := a.passwordAccount(rbac.RoleTech, "correct horse battery")
	status, body, cookies := a.login(u.Email, "correct horse battery")
	require.Equal(t, http.StatusOK, status)
	var session, csrf *http.Cookie
	for _, c := range cookies {
		switch c.Name {
		case auth.SessionCookie:
			session = c
		case auth.CSRFCookie:
			csrf = c
		}
	}
	require.NotNil(t, session)
	require.NotNil(t, csrf)
	require.True(t, session.HttpOnly, "the session cookie is out of scripts' reach")
	require.Equal(t, http.SameSiteLaxMode, session.SameSite)
	require.False(t, csrf.HttpOnly, "the SPA reads the CSRF cookie")
	var info struct {
		User struct {
			ID          int64  `json:"id"`
			Email       string `json:"email"`
			DisplayName string `json:"displayName"`
		} `json:"user"`
		CSRFToken string `json:"csrfToken"`
	}
	require.NoError(t, json.Unmarshal(body, &info))
	require.Equal(t, u.ID, info.User.ID)
	require.Equal(t, u.Email, info.User.Email)
	require.Equal(t, "pw", info.User.DisplayName, "login names who signed in")
	require.Equal(t, csrf.Value, info.CSRFToken)

	post := func(q string, header bool) response {
		body, _ := json.Marshal(map[string]any{"query": q})
		req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "")
		req.AddCookie(session)
		if header {
			req.Header.Set(auth.CSRFHeader, csrf.Value)
		}
		c := a.as("")
		return c.do(req)
	}
	create := `mutation { createCase(input: {subjectCode: "S-CSRF", eye: OD}) { case { id } } }`
	res := post(create, false)
	require.Equal(t, http.StatusForbidden, res.status)
	require.Equal(t, "FORBIDDEN", res.Errors[0].Extensions["code"])
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM subjects WHERE code = 'S-CSRF'`))
	require.Zero(t, n, "the forged mutation changed nothing")

	res = post(create, true)
	require.Equal(t, http.StatusOK, res.status)
	require.Empty(t, res.Errors)

	// A GET query with the cookie alone is fine: GET never mutates.
	req, _ := http.NewRequest(http.MethodGet, a.url+"?query="+urlQuery(`{ me { user { displayName } roles } }`), http.NoBody)
	req.AddCookie(session)
	res = a.as("").do(req)
	require.Empty(t, res.Errors)
	require.Contains(t, string(res.Data), `"tech"`)
}

func urlQuery(q string) string {
	return strings.NewReplacer(" ", "%20", "{", "%7B", "}", "%7D", "\"", "%22").Replace(q)
}

// TestTokensOnlyInTheHeader: a token in the URL is refused even when it is good; expired
// and revoked tokens are refused; anonymous callers see public fields only, and no schema.
func TestTokensOnlyInTheHeader(t *testing.T) {
	a := newAPI(t)
	for _, p := range []string{"access_token=", "token=", "api_key="} {
		req, _ := http.NewRequest(http.MethodGet, a.url+"?query="+urlQuery(`{ version { version } }`)+"&"+p+a.token, http.NoBody)
		req.Header.Set("Authorization", "")
		res := a.as("").do(req)
		require.Equal(t, http.StatusBadRequest, res.status, p)
		require.Contains(t, res.Errors[0].Message, "Authorization header")
	}

	u, tok := a.accountFor(rbac.RoleResearcher)
	me := `{ me { roles } cases { totalCount } }`
	require.Empty(t, a.as(tok).query(me, nil).Errors)
	_, err := a.raw.Exec(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, u.ID)
	require.NoError(t, err)
	res := a.as(tok).query(me, nil)
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, "UNAUTHENTICATED", res.Errors[0].Extensions["code"])

	u2, tok2 := a.accountFor(rbac.RoleResearcher)
	require.Empty(t, a.as(tok2).query(me, nil).Errors)
	tokens := auth.NewTokens(a.raw, auth.TokensConfig{})
	list, err := tokens.List(context.Background(), u2.ID)
	require.NoError(t, err)
	require.NoError(t, tokens.Revoke(context.Background(), u2.ID, list[0].ID))
	require.Equal(t, http.StatusUnauthorized, a.as(tok2).query(me, nil).status)

	// Anonymous: health is open; data and introspection are not.
	anon := a.as("")
	require.Empty(t, anon.query(`{ health { postgres } version { version } me { roles } }`, nil).Errors)
	res = anon.query(`{ cases { totalCount } }`, nil)
	require.Equal(t, []string{"UNAUTHENTICATED"}, codesAt(res, "cases"))
	res = anon.query(`{ __schema { queryType { name } } }`, nil)
	require.NotEmpty(t, res.Errors, "no introspection for anonymous callers")
	require.Empty(t, a.query(`{ __schema { queryType { name } } }`, nil).Errors, "introspection for signed-in callers")

	var denied int
	require.NoError(t, a.raw.Get(&denied, `SELECT count(*) FROM audit_log WHERE action = 'authenticate' AND outcome = 'denied'`))
	require.GreaterOrEqual(t, denied, 5, "URL tokens, the expired and the revoked token are on the record")
}

// TestBruteForceLockout: after five wrong passwords the account is locked, and even the
// right password is refused until the lock ends; every attempt is on the audit record.
func TestBruteForceLockout(t *testing.T) {
	a := newAPI(t)
	u := a.passwordAccount(rbac.RoleLabeler, "the right password")
	for i := range 5 {
		status, _, _ := a.login(u.Email, fmt.Sprintf("wrong guess %d", i))
		require.Equal(t, http.StatusUnauthorized, status)
	}
	status, _, cookies := a.login(u.Email, "the right password")
	require.Equal(t, http.StatusUnauthorized, status, "locked")
	require.Empty(t, cookies)

	// Past the per-address and per-address limit, attempts are not even checked.
	codes := map[int]int{}
	for range 10 {
		status, _, _ := a.login(u.Email, "another guess")
		codes[status]++
	}
	require.Positive(t, codes[http.StatusTooManyRequests], "rate limited: %v", codes)

	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'login' AND outcome = 'denied' AND object LIKE $1`, "email:"+u.Email+"%"))
	require.Equal(t, 16, n)
}

// TestEveryMutationIsAudited: a mutation writes one chained entry naming the actor, the
// coordinate and digests of its input and result; a failed one is recorded as failed.
func TestEveryMutationIsAudited(t *testing.T) {
	a := newAPI(t)
	id := a.createCase("S-AUDIT")
	require.NotEmpty(t, id)
	res := a.query(`mutation { startRun(input: {volumeId: "bm9wZQ"}) { id } }`, nil)
	require.NotEmpty(t, res.Errors)

	var entries []struct {
		Actor, Action, Object, Outcome string
		Before, After                  *string
	}
	require.NoError(t, a.raw.Select(&entries, `SELECT actor, action, object, outcome, before_digest AS before, after_digest AS after
		FROM audit_log WHERE object LIKE 'Mutation.%' ORDER BY id`))
	require.Len(t, entries, 2)
	require.Equal(t, rbac.UserSubject(a.admin.ID), entries[0].Actor)
	require.Equal(t, "Mutation.createCase", entries[0].Object)
	require.Equal(t, "ok", entries[0].Outcome)
	require.Len(t, *entries[0].Before, 64)
	require.Len(t, *entries[0].After, 64)
	require.Equal(t, "Mutation.startRun", entries[1].Object)
	require.Equal(t, "failed", entries[1].Outcome)

	var log struct {
		AuditLog []struct{ Object, Outcome, Hash, PrevHash string }
	}
	a.mustQuery(`{ auditLog(first: 2, filter: {action: "write"}) { object outcome hash prevHash } }`, nil, &log)
	require.Len(t, log.AuditLog, 2)
	require.Equal(t, "Mutation.startRun", log.AuditLog[0].Object, "newest first")
}

// TestRoleEditor: an admin lists roles, coordinates and members, grants and revokes a role,
// edits a role's permissions (which take effect at once), and cannot remove the last admin.
func TestRoleEditor(t *testing.T) {
	a := newAPI(t)
	u, tok := a.accountFor(rbac.RoleResearcher)
	var d struct {
		Roles       []struct{ Name string }
		Permissions []struct {
			Object          string
			Root, Sensitive bool
		}
		Members []struct {
			User          *struct{ Email string }
			Role, Project string
		}
	}
	a.mustQuery(`{ roles { name permissions { object action } } permissions { object action root sensitive } members(project: "default") { user { email } role project } }`, nil, &d)
	require.Len(t, d.Roles, 6)
	require.Greater(t, len(d.Permissions), 100)
	require.NotEmpty(t, d.Members)

	researcher := a.as(tok)
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(researcher.query(`{ queues { name } }`, nil), "queues"))
	res := a.query(`mutation($in: RoleGrantInput!) { grantRole(input: $in) { role project user { email } } }`,
		map[string]any{"in": map[string]any{"email": u.Email, "role": "ml_engineer", "project": "default"}})
	require.Empty(t, res.Errors)
	require.NotContains(t, codesAt(researcher.query(`{ queues { name } }`, nil), "queues"), "FORBIDDEN", "the grant applies at once")
	res = a.query(`mutation($in: RoleGrantInput!) { revokeRole(input: $in) }`,
		map[string]any{"in": map[string]any{"email": u.Email, "role": "ml_engineer", "project": "default"}})
	require.Empty(t, res.Errors)
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(researcher.query(`{ queues { name } }`, nil), "queues"))

	// Taking Query.cases from researchers takes effect at once; so does giving it back.
	var perms struct {
		Roles []struct {
			Name        string
			Permissions []struct{ Object, Action string }
		}
	}
	a.mustQuery(`{ roles { name permissions { object action } } }`, nil, &perms)
	var kept []map[string]any
	for _, r := range perms.Roles {
		if r.Name == "researcher" {
			for _, p := range r.Permissions {
				if p.Object != "Query.cases" {
					kept = append(kept, map[string]any{"object": p.Object, "action": p.Action})
				}
			}
		}
	}
	set := `mutation($p: [RolePermissionInput!]!) { setRolePermissions(role: "researcher", permissions: $p) { name } }`
	require.Empty(t, a.query(set, map[string]any{"p": kept}).Errors)
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(researcher.query(`{ cases { totalCount } }`, nil), "cases"))
	require.Empty(t, a.query(set, map[string]any{"p": append(kept, map[string]any{"object": "Query.cases", "action": "read"})}).Errors)
	require.Empty(t, researcher.query(`{ cases { totalCount } }`, nil).Errors)

	// The last admin stays.
	res = a.query(`mutation($in: RoleGrantInput!) { revokeRole(input: $in) }`,
		map[string]any{"in": map[string]any{"email": a.admin.Email, "role": "admin", "project": "*"}})
	require.Equal(t, "CONFLICT", res.Errors[0].Extensions["code"], res.Errors[0].Message)
	// A non-admin cannot edit roles at all.
	res = researcher.query(`mutation($in: RoleGrantInput!) { grantRole(input: $in) { role } }`,
		map[string]any{"in": map[string]any{"email": u.Email, "role": "admin", "project": "*"}})
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "grantRole"))
	_ = sort.Strings
}

// TestProjectsAreApart: rows belong to the project they were created in; a caller of
// another project neither lists them nor reaches them by id (it reads as NOT_FOUND).
func TestProjectsAreApart(t *testing.T) {
	a := newAPI(t)
	fx := a.fixtures() // in "default"
	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "eyes")
	eyes := a.as(tok)

	var created struct {
		CreateCase struct{ Case struct{ ID string } }
	}
	eyes.mustQuery(`mutation { createCase(input: {subjectCode: "S-EYES", eye: OS}) { case { id } } }`, nil, &created)
	var list struct {
		Cases struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
	}
	eyes.mustQuery(`{ cases { totalCount edges { node { id } } } }`, nil, &list)
	require.Equal(t, 1, list.Cases.TotalCount, "the eyes project lists its own case only")
	require.Equal(t, created.CreateCase.Case.ID, list.Cases.Edges[0].Node.ID)

	for _, q := range []string{`query($id: ID!) { case(id: $id) { id } }`, `query($id: ID!) { volume(id: $id) { id } }`} {
		id := fx.caseID
		if strings.Contains(q, "volume") {
			id = fx.volumeID
		}
		res := eyes.query(q, map[string]any{"id": id})
		require.Equal(t, "NOT_FOUND", res.Errors[0].Extensions["code"], q)
	}
	res := eyes.query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": fx.caseID})
	require.Empty(t, res.Errors)
	require.JSONEq(t, `{"node": null}`, string(res.Data))
	res = eyes.uploadQuery(`mutation($file: Upload!, $input: UploadVolumeInput!) { uploadVolume(file: $file, input: $input) { volume { id } } }`,
		"1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": fx.caseID})
	require.Equal(t, "NOT_FOUND", res.Errors[0].Extensions["code"], "no uploads into another project's case")

	// The admin of every project sees the default project's rows by default.
	a.mustQuery(`{ cases { totalCount edges { node { id } } } }`, nil, &list)
	for _, e := range list.Cases.Edges {
		require.NotEqual(t, created.CreateCase.Case.ID, e.Node.ID, "default does not list the eyes case")
	}
	// A token made for project eyes cannot act in another one.
	req, _ := http.NewRequest(http.MethodPost, a.url, strings.NewReader(`{"query":"{ cases { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(auth.ProjectHeader, "default")
	require.Equal(t, http.StatusForbidden, eyes.do(req).status)
}

// TestModelRegistry: models come back by name with their versions; a researcher reads the
// registry but not the weights (ModelVersion.weightsUrl is the ML engineer's).
func TestModelRegistry(t *testing.T) {
	a := newAPI(t)
	for _, name := range []string{"vessels-b", "cones-a"} {
		var id int64
		require.NoError(t, a.raw.Get(&id, `INSERT INTO models (name, task) VALUES ($1, 'x') RETURNING id`, name))
		_, err := a.raw.Exec(`INSERT INTO model_versions (model_id, version, stage, weights_key, weights_sha256)
			VALUES ($1, '1.0.0', 'PRODUCTION', 'm/1.onnx', $2), ($1, '1.1.0', 'CANDIDATE', 'm/2.onnx', $2)`, id, strings.Repeat("c", 64))
		require.NoError(t, err)
	}
	var d struct {
		Models []struct {
			Name     string
			Versions []struct{ Version, Stage string }
		}
	}
	a.mustQuery(`{ models { name versions { version stage } } }`, nil, &d)
	require.Len(t, d.Models, 2)
	require.Equal(t, "cones-a", d.Models[0].Name)
	require.Equal(t, "1.1.0", d.Models[0].Versions[1].Version)
	require.Equal(t, "CANDIDATE", d.Models[0].Versions[1].Stage)

	_, tok := a.accountFor(rbac.RoleResearcher)
	res := a.as(tok).query(`{ models { name versions { version weightsUrl } } }`, nil)
	require.Contains(t, codesAt(res, "models", 0, "versions", 0, "weightsUrl"), "FORBIDDEN")
	require.Contains(t, string(res.Data), `"cones-a"`)
}
