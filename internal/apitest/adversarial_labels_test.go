package apitest

// Labels in the adversarial suite (issue 13): a label's history names its authors without
// their e-mail addresses (finding 10), and labels of one project are invisible and
// unchangeable from another through every label query and mutation.

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

const historyQuery = `query($id: ID!) { label(id: $id) { history { action author authorUser { displayName } } } }`

// TestLabelAuthorsWithoutEmail: a labeler reads who saved and reviewed a label by name; the
// e-mail address is User.email's, which a labeler may not read (FORBIDDEN) and an admin may.
// (Before: LabelEvent.author was the e-mail address, to every role that reads labels.)
func TestLabelAuthorsWithoutEmail(t *testing.T) {
	a := newAPI(t)
	fx := a.fixtures()
	labelerUser, tok := a.accountFor(rbac.RoleLabeler)
	labeler := a.as(tok)
	var saved struct{ SaveLabel struct{ ID string } }
	labeler.mustQuery(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"volumeId": fx.volumeID, "kind": "cones", "baseVersion": 0, "document": `{"points":[[1,2]]}`}}, &saved)
	labeler.mustQuery(`mutation($id: ID!) { submitLabel(id: $id, version: 1) { id } }`, map[string]any{"id": saved.SaveLabel.ID}, &struct{}{})
	_, techTok := a.accountFor(rbac.RoleTech)
	a.as(techTok).mustQuery(`mutation($id: ID!) { reviewLabel(id: $id, version: 1, approve: false, comment: "redo the edge") { id } }`,
		map[string]any{"id": saved.SaveLabel.ID}, &struct{}{})

	for _, role := range []string{rbac.RoleLabeler, rbac.RoleResearcher, rbac.RoleTech, rbac.RoleMLEngineer} {
		_, tok := a.accountFor(role)
		res := a.as(tok).query(historyQuery, map[string]any{"id": saved.SaveLabel.ID})
		require.Empty(t, res.Errors, role)
		require.NotContains(t, string(res.Data), "@", "%s reads no e-mail address: %s", role, res.Data)
		require.Contains(t, string(res.Data), labelerUser.DisplayName, role)
		res = a.as(tok).query(`query($id: ID!) { label(id: $id) { history { authorUser { email } } } }`, map[string]any{"id": saved.SaveLabel.ID})
		require.Contains(t, codesAt(res, "label", "history", 0, "authorUser", "email"), "FORBIDDEN", role)
	}
	var admin struct {
		Label struct {
			History []struct{ AuthorUser struct{ Email string } }
		}
	}
	a.mustQuery(`query($id: ID!) { label(id: $id) { history { authorUser { email } } } }`, map[string]any{"id": saved.SaveLabel.ID}, &admin)
	require.Equal(t, labelerUser.Email, admin.Label.History[0].AuthorUser.Email, "an admin reads User.email")
}

// TestLabelsStayInTheirProject: project B's label is NOT_FOUND (or null) to an admin of
// project A through label, node, volume.labels, saveLabel, submitLabel and reviewLabel, and
// none of those change it.
func TestLabelsStayInTheirProject(t *testing.T) {
	a := newAPI(t)
	fx := a.fixtures() // project default: "B"
	var saved struct{ SaveLabel struct{ ID string } }
	a.mustQuery(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"volumeId": fx.volumeID, "kind": "cones", "baseVersion": 0, "document": `{"points":[[5,5]]}`}}, &saved)
	a.mustQuery(`mutation($id: ID!) { submitLabel(id: $id, version: 1) { id } }`, map[string]any{"id": saved.SaveLabel.ID}, &struct{}{})
	labelID := saved.SaveLabel.ID
	before := a.query(`query($id: ID!) { label(id: $id) { version state document history { action } } }`, map[string]any{"id": labelID})
	require.Empty(t, before.Errors)

	// The strongest caller of project A ("eyes"): its admin, with a token made for it.
	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleAdmin, "eyes")
	eyes := a.as(tok)
	vars := map[string]any{"id": labelID, "v": fx.volumeID}
	for _, probe := range []struct{ name, q string }{
		{"label", `query($id: ID!) { label(id: $id) { id document } }`},
		{"volume", `query($v: ID!) { volume(id: $v) { labels { id } } }`},
		{"saveLabel", `mutation($v: ID!) { saveLabel(input: {volumeId: $v, kind: "cones", baseVersion: 2, document: "{}"}) { id } }`},
		{"saveLabel", `mutation($v: ID!) { saveLabel(input: {volumeId: $v, kind: "roi", baseVersion: 0, document: "{}"}) { id } }`},
		{"submitLabel", `mutation($id: ID!) { submitLabel(id: $id, version: 1) { id } }`},
		{"reviewLabel", `mutation($id: ID!) { reviewLabel(id: $id, version: 1, approve: true) { id } }`},
		{"reviewLabel", `mutation($id: ID!) { reviewLabel(id: $id, version: 1, approve: false, comment: "no") { id } }`},
	} {
		v := map[string]any{}
		for k, x := range vars {
			if strings.Contains(probe.q, "$"+k+":") {
				v[k] = x
			}
		}
		res := eyes.query(probe.q, v)
		root := strings.Split(probe.name, " ")[0]
		require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, root), "%s: %s", probe.q, res.Data)
		require.NotContains(t, string(res.Data), "points", probe.q)
	}
	res := eyes.query(`query($id: ID!) { node(id: $id) { id ... on Label { document } } }`, map[string]any{"id": labelID})
	require.Empty(t, res.Errors)
	require.JSONEq(t, `{"node": null}`, string(res.Data))

	after := a.query(`query($id: ID!) { label(id: $id) { version state document history { action } } }`, map[string]any{"id": labelID})
	require.Equal(t, string(before.Data), string(after.Data), "nothing from project eyes changed it")
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM labels l JOIN volumes v ON v.id = l.volume_id WHERE l.kind = 'roi'`))
	require.Zero(t, n, "no label was made on another project's volume")
}
