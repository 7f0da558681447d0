package apitest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

const myWorkQuery = `{ myWork { totalCount items { kind since volume { id assignee { id } } label { id state } } } }`

type workData struct {
	MyWork struct {
		TotalCount int
		Items      []struct {
			Kind   string
			Since  string
			Volume struct {
				ID       string
				Assignee *struct{ ID string }
			}
			Label *struct{ ID, State string }
		}
	}
}

// kindOf returns the kind of the caller's queue item for volume, or "".
func (a *api) kindOf(volumeID string) string {
	a.t.Helper()
	var w workData
	a.mustQuery(myWorkQuery, nil, &w)
	for _, it := range w.MyWork.Items {
		if it.Volume.ID == volumeID {
			require.NotEmpty(a.t, it.Since)
			return it.Kind
		}
	}
	return ""
}

const assignMutation = `mutation($v: ID!, $u: ID) { assignVolume(volumeId: $v, userId: $u) { id assignee { id displayName } assignedAt } }`

const reviewRegions = `mutation($id: ID!, $v: Int!, $ok: Boolean!, $c: String, $r: [ReviewRegionInput!]) {
  reviewLabel(id: $id, version: $v, approve: $ok, comment: $c, regions: $r) { state openRegions { comment points { x y } } } }`

// TestWorkQueuesAssignAndReturnARegion: a volume waits in every labeler's "My work" until a
// technician assigns it to one; the assignee labels and submits it; it then waits in the
// reviewers' queue; a reviewer returns one region with a comment, accepting the rest; the
// labeler finds it back as RETURNED with that region until they submit again; the history
// says who did what and when, and the assignment is in the audit log.
func TestWorkQueuesAssignAndReturnARegion(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-work")
	up, res := a.upload("3.dcm", readFile(t, "dicom", "3.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	require.Equal(t, "READY", up.UploadVolume.Volume.Status)
	volumeID := up.UploadVolume.Volume.ID

	ann, annTok := a.accountFor(rbac.RoleLabeler)
	bob, bobTok := a.accountFor(rbac.RoleLabeler)
	techUser, techTok := a.accountFor(rbac.RoleTech)
	_, mlTok := a.accountFor(rbac.RoleMLEngineer)
	annC, bobC, tech, ml := a.as(annTok), a.as(bobTok), a.as(techTok), a.as(mlTok)
	annID, bobID := gid.Encode("User", ann.ID), gid.Encode("User", bob.ID)

	require.Equal(t, "LABEL", annC.kindOf(volumeID), "unassigned and unlabelled: every labeler's")
	require.Equal(t, "LABEL", bobC.kindOf(volumeID))
	require.Equal(t, "", ml.kindOf(volumeID), "a reviewer has nothing to review yet")

	var people struct {
		Labelers []struct{ ID, DisplayName string }
	}
	tech.mustQuery(`{ labelers { id displayName } }`, nil, &people)
	var ids []string
	for _, p := range people.Labelers {
		ids = append(ids, p.ID)
	}
	require.Contains(t, ids, annID)
	require.Contains(t, ids, bobID)
	require.NotContains(t, ids, gid.Encode("User", techUser.ID), "a technician does not label")

	// Only a labeler of the project can be given a volume; only a technician gives one.
	res = tech.query(assignMutation, map[string]any{"v": volumeID, "u": gid.Encode("User", techUser.ID)})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "assignVolume"))
	res = tech.query(assignMutation, map[string]any{"v": volumeID, "u": gid.Encode("User", 987654321)})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "assignVolume"), "no such account reads as not a labeler")
	res = annC.query(assignMutation, map[string]any{"v": volumeID, "u": annID})
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "assignVolume"), "labelers do not assign")

	var assigned struct {
		AssignVolume struct {
			ID         string
			Assignee   *struct{ ID, DisplayName string }
			AssignedAt *string
		}
	}
	tech.mustQuery(assignMutation, map[string]any{"v": volumeID, "u": bobID}, &assigned)
	require.Equal(t, bobID, assigned.AssignVolume.Assignee.ID)
	require.NotNil(t, assigned.AssignVolume.AssignedAt)
	require.Equal(t, "", annC.kindOf(volumeID), "assigned to Bob: no longer Ann's")
	require.Equal(t, "LABEL", bobC.kindOf(volumeID))
	var audited int
	require.NoError(t, a.raw.Get(&audited, `SELECT count(*) FROM audit_log WHERE object = 'Mutation.assignVolume' AND outcome = 'ok'`))
	require.Equal(t, 1, audited, "the assignment is audited")

	// Bob labels and submits: it leaves his queue for the reviewers'.
	var saved struct{ SaveLabel labelData }
	bobC.mustQuery(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { `+labelFields+` } }`,
		map[string]any{"in": map[string]any{"volumeId": volumeID, "kind": "cones", "baseVersion": 0, "document": `{"points":[[10,10],[40,40]]}`}}, &saved)
	labelID := saved.SaveLabel.ID
	require.Equal(t, "LABEL", bobC.kindOf(volumeID), "a draft still waits for its labeler")
	submit := `mutation($id: ID!, $v: Int!) { submitLabel(id: $id, version: $v) { state } }`
	require.Empty(t, bobC.query(submit, map[string]any{"id": labelID, "v": 1}).Errors)
	require.Equal(t, "", bobC.kindOf(volumeID))
	require.Equal(t, "REVIEW", ml.kindOf(volumeID))
	require.Equal(t, "REVIEW", tech.kindOf(volumeID))

	// Refusals: an approval with regions, a region that is a line, a region with no
	// comment when the review has none.
	rect := []map[string]any{{"x": 0, "y": 0}, {"x": 32, "y": 0}, {"x": 32, "y": 32}, {"x": 0, "y": 32}}
	for name, vars := range map[string]map[string]any{
		"approve with regions": {"ok": true, "r": []map[string]any{{"points": rect, "comment": "x"}}},
		"two points":           {"ok": false, "r": []map[string]any{{"points": rect[:2], "comment": "x"}}},
		"flat":                 {"ok": false, "r": []map[string]any{{"points": []map[string]any{{"x": 0, "y": 0}, {"x": 5, "y": 0}, {"x": 9, "y": 0}}, "comment": "x"}}},
		"negative":             {"ok": false, "r": []map[string]any{{"points": []map[string]any{{"x": -5, "y": 0}, {"x": 5, "y": 0}, {"x": 5, "y": 5}}, "comment": "x"}}},
		"no comment anywhere":  {"ok": false, "r": []map[string]any{{"points": rect, "comment": " "}}},
	} {
		vars["id"], vars["v"] = labelID, 1
		res := ml.query(reviewRegions, vars)
		require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "reviewLabel"), name)
	}

	// The reviewer returns one region and accepts the rest.
	var reviewed struct {
		ReviewLabel struct {
			State       string
			OpenRegions []struct {
				Comment string
				Points  []struct{ X, Y float64 }
			}
		}
	}
	ml.mustQuery(reviewRegions, map[string]any{"id": labelID, "v": 1, "ok": false,
		"r": []map[string]any{{"points": rect, "comment": "two cones missed in the top-left corner"}}}, &reviewed)
	require.Equal(t, "RETURNED", reviewed.ReviewLabel.State)
	require.Len(t, reviewed.ReviewLabel.OpenRegions, 1)
	require.Equal(t, "two cones missed in the top-left corner", reviewed.ReviewLabel.OpenRegions[0].Comment)
	require.Len(t, reviewed.ReviewLabel.OpenRegions[0].Points, 4)
	require.Equal(t, 32.0, reviewed.ReviewLabel.OpenRegions[0].Points[2].X)
	require.Equal(t, "", ml.kindOf(volumeID))
	require.Equal(t, "RETURNED", bobC.kindOf(volumeID))

	// The labeler reads the returned region and the history with who and when.
	var got struct {
		Label struct {
			OpenRegions []struct{ Comment string }
			History     []struct {
				Action, Author, At string
				Regions            []struct{ Comment string }
			}
		}
	}
	bobC.mustQuery(`query($id: ID!) { label(id: $id) { openRegions { comment } history { action author at regions { comment } } } }`,
		map[string]any{"id": labelID}, &got)
	require.Len(t, got.Label.OpenRegions, 1)
	require.Len(t, got.Label.History, 3)
	last := got.Label.History[2]
	require.Equal(t, "RETURNED", last.Action)
	require.NotEmpty(t, last.At)
	require.NotEmpty(t, last.Author)
	require.Equal(t, "two cones missed in the top-left corner", last.Regions[0].Comment)
	require.Empty(t, got.Label.History[0].Regions, "a save returns no regions")

	// Fixed and resubmitted: the region is no longer open, and the label waits for review.
	bobC.mustQuery(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { `+labelFields+` } }`,
		map[string]any{"in": map[string]any{"volumeId": volumeID, "kind": "cones", "baseVersion": 1, "document": `{"points":[[10,10],[40,40],[8,9],[20,4]]}`}}, &saved)
	require.Equal(t, "LABEL", bobC.kindOf(volumeID), "a draft after a return waits for its labeler")
	bobC.mustQuery(`query($id: ID!) { label(id: $id) { openRegions { comment } history { action author at regions { comment } } } }`,
		map[string]any{"id": labelID}, &got)
	require.Len(t, got.Label.OpenRegions, 1, "still open until submitted")
	require.Empty(t, bobC.query(submit, map[string]any{"id": labelID, "v": 2}).Errors)
	bobC.mustQuery(`query($id: ID!) { label(id: $id) { openRegions { comment } history { action author at regions { comment } } } }`,
		map[string]any{"id": labelID}, &got)
	require.Empty(t, got.Label.OpenRegions)
	require.Equal(t, "REVIEW", ml.kindOf(volumeID))

	// Unassigning gives the volume back to every labeler (once it waits for a label again).
	tech.mustQuery(assignMutation, map[string]any{"v": volumeID, "u": nil}, &assigned)
	require.Nil(t, assigned.AssignVolume.Assignee)
}

// TestWorkQueuesStayInTheirProject: queues, assignments and the labeler list of one project
// neither show nor reach another project's volumes and people.
func TestWorkQueuesStayInTheirProject(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-work-default")
	up, res := a.upload("3.dcm", readFile(t, "dicom", "3.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	volumeID := up.UploadVolume.Volume.ID

	eyesLabeler, eyesLabTok := testenv.Account(t, a.raw, a.policy, rbac.RoleLabeler, "eyes")
	_, eyesTechTok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "eyes")
	_, eyesMLTok := testenv.Account(t, a.raw, a.policy, rbac.RoleMLEngineer, "eyes")
	defLabeler, _ := testenv.Account(t, a.raw, a.policy, rbac.RoleLabeler, "default")
	_, defTechTok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "default")
	eyesLab, eyesTech, eyesML, defTech := a.as(eyesLabTok), a.as(eyesTechTok), a.as(eyesMLTok), a.as(defTechTok)

	require.Equal(t, "", eyesLab.kindOf(volumeID), "another project's volume is in no queue of eyes")
	// Eyes' own volume is.
	var created struct {
		CreateCase struct{ Case struct{ ID string } }
	}
	eyesTech.mustQuery(`mutation { createCase(input: {subjectCode: "S-EYES-W", eye: OS}) { case { id } } }`, nil, &created)
	eup, res := eyesTech.upload("1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": created.CreateCase.Case.ID})
	require.Empty(t, res.Errors)
	require.Equal(t, "LABEL", eyesLab.kindOf(eup.UploadVolume.Volume.ID))

	// Assigning across projects: the volume is not found; a labeler of another project is not a labeler here.
	res = eyesTech.query(assignMutation, map[string]any{"v": volumeID, "u": gid.Encode("User", eyesLabeler.ID)})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "assignVolume"))
	res = defTech.query(assignMutation, map[string]any{"v": volumeID, "u": gid.Encode("User", eyesLabeler.ID)})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "assignVolume"))
	res = eyesTech.query(assignMutation, map[string]any{"v": eup.UploadVolume.Volume.ID, "u": gid.Encode("User", defLabeler.ID)})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "assignVolume"))
	var none int
	require.NoError(t, a.raw.Get(&none, `SELECT count(*) FROM volume_assignments`))
	require.Zero(t, none, "no refused assignment was stored")

	var people struct{ Labelers []struct{ ID string } }
	eyesTech.mustQuery(`{ labelers { id } }`, nil, &people)
	var ids []string
	for _, p := range people.Labelers {
		ids = append(ids, p.ID)
	}
	require.Contains(t, ids, gid.Encode("User", eyesLabeler.ID))
	require.NotContains(t, ids, gid.Encode("User", defLabeler.ID), "default's labeler is not listed in eyes")

	// A label in review in default is not in eyes' reviewers' queue, and cannot be returned from there.
	var saved struct{ SaveLabel labelData }
	a.mustQuery(`mutation($in: SaveLabelInput!) { saveLabel(input: $in) { `+labelFields+` } }`,
		map[string]any{"in": map[string]any{"volumeId": volumeID, "kind": "cones", "baseVersion": 0, "document": `{"points":[]}`}}, &saved)
	require.Empty(t, a.query(`mutation($id: ID!) { submitLabel(id: $id, version: 1) { state } }`, map[string]any{"id": saved.SaveLabel.ID}).Errors)
	require.Equal(t, "", eyesML.kindOf(volumeID))
	res = eyesML.query(reviewRegions, map[string]any{"id": saved.SaveLabel.ID, "v": 1, "ok": false, "c": "no",
		"r": []map[string]any{{"points": []map[string]any{{"x": 0, "y": 0}, {"x": 9, "y": 0}, {"x": 9, "y": 9}}, "comment": "x"}}})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "reviewLabel"))
}

// TestMyWorkIssuesAConstantNumberOfQueries: a queue page's volumes, cases, subjects and
// labels load in batches, so the statements do not grow with the page.
func TestMyWorkIssuesAConstantNumberOfQueries(t *testing.T) {
	a := newAPI(t)
	a.seedCases(30, "work")
	_, err := a.raw.Exec(`INSERT INTO labels (volume_id, kind, version, state) SELECT id, 'cones', 0, 'DRAFT' FROM volumes WHERE id % 2 = 0`)
	require.NoError(t, err)
	_, tok := a.accountFor(rbac.RoleLabeler)
	lab := a.as(tok)
	count := func(first int) (int64, int) {
		a.db.n.Store(0)
		var d struct {
			MyWork struct {
				TotalCount int
				Items      []struct {
					Volume struct {
						ID   string
						Case struct{ Subject struct{ Code string } }
					}
					Label *struct{ State string }
				}
			}
		}
		lab.mustQuery(`query($n: Int) { myWork(first: $n) { totalCount items { volume { id case { subject { code } } assignee { id } } label { state } } } }`,
			map[string]any{"n": first}, &d)
		require.Equal(t, 60, d.MyWork.TotalCount)
		labelled := 0
		for _, it := range d.MyWork.Items {
			require.NotEmpty(t, it.Volume.Case.Subject.Code)
			if it.Label != nil {
				labelled++
			}
		}
		if first == 60 {
			require.Equal(t, 30, labelled, "the drafts come with their labels")
		}
		return a.db.n.Load(), len(d.MyWork.Items)
	}
	small, n5 := count(5)
	large, n60 := count(60)
	require.Equal(t, 5, n5)
	require.Equal(t, 60, n60)
	t.Logf("SQL statements: %d for 5 queue items, %d for 60", small, large)
	require.Equal(t, small, large, "statements must not grow with the queue page")
}
