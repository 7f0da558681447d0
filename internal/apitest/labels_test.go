package apitest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const labelFields = `id version state document history { version action author comment }`

type labelData struct {
	ID       string
	Version  int
	State    string
	Document string
	History  []struct {
		Version int
		Action  string
		Author  string
		Comment string
	}
}

// TestLabelVersionsConflictsAndReview: saves go forward one version at a time, a save from a
// stale version is refused with CONFLICT and overwrites nothing, and review moves the label
// through submit → return with a comment → resubmit → approve, all in its history.
func TestLabelVersionsConflictsAndReview(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-labels")
	up, res := a.upload("3.dcm", readFile(t, "dicom", "3.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	volumeID := up.UploadVolume.Volume.ID

	save := func(base int, doc string) response {
		return a.query(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { `+labelFields+` } }`,
			map[string]any{"in": map[string]any{"volumeId": volumeID, "kind": "cones", "baseVersion": base, "document": doc}})
	}
	var saved struct{ SaveLabel labelData }
	res = save(0, `{"points":[[1,2]]}`)
	require.Empty(t, res.Errors)
	require.NoError(t, decode(res, &saved))
	require.Equal(t, 1, saved.SaveLabel.Version)
	require.Equal(t, "DRAFT", saved.SaveLabel.State)
	labelID := saved.SaveLabel.ID

	res = save(1, `{"points":[[1,2],[3,4]]}`)
	require.Empty(t, res.Errors)
	require.NoError(t, decode(res, &saved))
	require.Equal(t, 2, saved.SaveLabel.Version)

	// A second editor who started from version 1 gets a conflict naming version 2.
	res = save(1, `{"points":[]}`)
	require.Len(t, res.Errors, 1)
	require.Equal(t, "CONFLICT", res.Errors[0].Extensions["code"])
	require.Contains(t, res.Errors[0].Message, "version 2")
	// A brand-new label from someone who thinks there is none is a conflict too.
	require.Equal(t, "CONFLICT", save(0, `{}`).Errors[0].Extensions["code"])

	var got struct{ Label labelData }
	a.mustQuery(`query($id: ID!) { label(id: $id) { `+labelFields+` } }`, map[string]any{"id": labelID}, &got)
	require.JSONEq(t, `{"points":[[1,2],[3,4]]}`, got.Label.Document, "the stale save overwrote nothing")

	move := func(q string, vars map[string]any) response { return a.query(q, vars) }
	submit := `mutation($id: ID!, $v: Int!) { submitLabel(id: $id, version: $v) { state version } }`
	review := `mutation($id: ID!, $v: Int!, $ok: Boolean!, $c: String) { reviewLabel(id: $id, version: $v, approve: $ok, comment: $c) { state } }`
	require.Empty(t, move(submit, map[string]any{"id": labelID, "v": 2}).Errors)
	require.Equal(t, "CONFLICT", save(2, `{}`).Errors[0].Extensions["code"], "no edits while in review")
	require.Equal(t, "INVALID_INPUT", move(review, map[string]any{"id": labelID, "v": 2, "ok": false}).Errors[0].Extensions["code"], "returning needs a comment")
	require.Empty(t, move(review, map[string]any{"id": labelID, "v": 2, "ok": false, "c": "cone at 3,4 is a rod"}).Errors)
	require.Empty(t, save(2, `{"points":[[1,2]]}`).Errors)
	require.Empty(t, move(submit, map[string]any{"id": labelID, "v": 3}).Errors)
	require.Equal(t, "CONFLICT", move(review, map[string]any{"id": labelID, "v": 2, "ok": true}).Errors[0].Extensions["code"], "review of a stale version")
	require.Empty(t, move(review, map[string]any{"id": labelID, "v": 3, "ok": true}).Errors)

	a.mustQuery(`query($id: ID!) { label(id: $id) { `+labelFields+` } }`, map[string]any{"id": labelID}, &got)
	require.Equal(t, "APPROVED", got.Label.State)
	require.Equal(t, 3, got.Label.Version)
	var actions []string
	for _, h := range got.Label.History {
		actions = append(actions, h.Action)
		require.Equal(t, a.admin.DisplayName, h.Author, "the signed-in account is the author, by name")
	}
	require.Equal(t, []string{"SAVED", "SAVED", "SUBMITTED", "RETURNED", "SAVED", "SUBMITTED", "APPROVED"}, actions)
	require.Equal(t, "cone at 3,4 is a rod", got.Label.History[3].Comment)

	var v struct {
		Volume struct{ Labels []struct{ ID, State string } }
	}
	a.mustQuery(`query($id: ID!) { volume(id: $id) { labels { id state } } }`, map[string]any{"id": volumeID}, &v)
	require.Len(t, v.Volume.Labels, 1)
	require.Equal(t, "APPROVED", v.Volume.Labels[0].State)

	require.Equal(t, "INVALID_INPUT", a.query(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"volumeId": volumeID, "kind": "cones", "baseVersion": 3, "document": "{not json"}}).Errors[0].Extensions["code"])
}

// TestLabelHistorySaysWhatChanged: each save of an annotation document records, in its
// history, what it changed against the version it started from.
func TestLabelHistorySaysWhatChanged(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-label-changes")
	up, res := a.upload("3.dcm", readFile(t, "dicom", "3.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	doc := func(points, mask string) string {
		return `{"format":"aomas-annotation","version":1,"width":64,"height":64,"umPerPx":1,"points":[` + points +
			`],"polylines":[],"polygons":[],"mask":[` + mask + `]}`
	}
	save := func(base int, d string) {
		t.Helper()
		res := a.query(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"volumeId": up.UploadVolume.Volume.ID, "kind": "cones", "baseVersion": base, "document": d}})
		require.Empty(t, res.Errors)
	}
	save(0, doc(`["m0",1,1,"model"],["m1",5,5,"model"],["m2",9,9,"model"]`, `4096`))
	save(1, doc(`["m0",1,1,"model"],["m1",6,5,"human"],["h0",20,20,"human"]`, `10,30,4056`))
	var got struct {
		Volume struct {
			Labels []struct {
				History []struct {
					Version int
					Action  string
					Changes string
				}
			}
		}
	}
	a.mustQuery(`query($id: ID!) { volume(id: $id) { labels { history { version action changes } } } }`,
		map[string]any{"id": up.UploadVolume.Volume.ID}, &got)
	h := got.Volume.Labels[0].History
	require.Len(t, h, 2)
	require.Equal(t, "3 marks (0 by hand)", h[0].Changes)
	require.Equal(t, "+1 mark, 1 mark moved, −1 mark; mask +30 px", h[1].Changes)
}
