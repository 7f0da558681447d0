package apitest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

const exportMarksMutation = `mutation($f: ExportMarksFilter, $id: Boolean) {
  exportMarks(filter: $f, format: CSV, destination: FOLDER, includeIdentity: $id) { id status includesIdentity } }`

// TestExportsAdversarial: identity reaches an export only for a caller who may read it (a
// labeler's export never holds it, asked for or not); another project's case in a filter
// is NOT_FOUND; a labeler cannot export metrics; one's exports are one's own.
func TestExportsAdversarial(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	vol := testenv.PhantomVolume(t, a.raw, a.store, 7, 32, 1)
	_, err := a.raw.Exec(`INSERT INTO subject_identities (subject_id, patient_id) SELECT c.subject_id, 'PAT-SECRET-1'
		FROM volumes v JOIN cases c ON c.id = v.case_id WHERE v.id = $1`, vol)
	require.NoError(t, err)
	v, err := db.VolumeByID(ctx, a.raw, vol)
	require.NoError(t, err)
	_, err = (&labels.Service{DB: a.raw, Store: a.store}).ImportMarks(ctx, v, []imaging.Point{{X: 1, Y: 2}, {X: 3.5, Y: 4.25}}, "t")
	require.NoError(t, err)

	_, labeler := a.accountFor(rbac.RoleLabeler)
	_, researcher := a.accountFor(rbac.RoleResearcher)

	// Asking for identity without the right to read it is refused.
	for _, tok := range []string{labeler, researcher} {
		res := a.as(tok).query(exportMarksMutation, map[string]any{"id": true})
		require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "exportMarks"))
	}
	// A labeler may not export metrics at all.
	res := a.as(labeler).query(`mutation { exportMetrics(format: CSV, destination: FOLDER) { id } }`, nil)
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "exportMetrics"))

	// The labeler's export: no identity column, no patient ID anywhere in its files.
	var d struct {
		ExportMarks struct {
			ID               string
			IncludesIdentity bool
		}
	}
	a.as(labeler).mustQuery(exportMarksMutation, nil, &d)
	require.False(t, d.ExportMarks.IncludesIdentity)
	_, id, err := gid.Decode(d.ExportMarks.ID)
	require.NoError(t, err)
	require.NoError(t, a.exports.Run(ctx, id))
	var got struct {
		Export struct {
			Status   string
			Files    []struct{ Name, URL string }
			Manifest *struct{ Name string }
		}
	}
	a.as(labeler).mustQuery(`query($id: ID!) { export(id: $id) { status files { name url } manifest { name } } }`, map[string]any{"id": d.ExportMarks.ID}, &got)
	require.Equal(t, "SUCCEEDED", got.Export.Status)
	require.NotNil(t, got.Export.Manifest)
	dir := filepath.Join(a.exports.Folder.Dir, export.Dir(id))
	for _, name := range []string{"marks.csv", export.ManifestName} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.NotContains(t, string(b), "PAT-SECRET")
		require.NotContains(t, string(b), "patient_id")
	}
	require.Len(t, got.Export.Files, 1)
	require.Contains(t, got.Export.Files[0].URL, export.FilesPath)

	// An admin may ask for identity, and gets it.
	var ad struct{ ExportMarks struct{ ID string } }
	a.mustQuery(exportMarksMutation, map[string]any{"id": true}, &ad)
	_, aid, _ := gid.Decode(ad.ExportMarks.ID)
	require.NoError(t, a.exports.Run(ctx, aid))
	b, err := os.ReadFile(filepath.Join(a.exports.Folder.Dir, export.Dir(aid), "marks.csv"))
	require.NoError(t, err)
	require.Contains(t, string(b), "PAT-SECRET-1")

	// Another's export is not found; the list holds one's own only.
	res = a.as(researcher).query(`query($id: ID!) { export(id: $id) { id } }`, map[string]any{"id": d.ExportMarks.ID})
	require.Empty(t, res.Errors)
	require.JSONEq(t, `{"export": null}`, string(res.Data))
	var list struct{ Exports []struct{ ID string } }
	a.as(researcher).mustQuery(`{ exports { id } }`, nil, &list)
	require.Empty(t, list.Exports)

	// A case of another project in a filter is NOT_FOUND, never an export of it.
	var other int64
	require.NoError(t, a.raw.Get(&other, `WITH s AS (INSERT INTO subjects (project, code) VALUES ('other', 'X1') RETURNING id)
		INSERT INTO cases (subject_id, eye) SELECT id, 'OD' FROM s RETURNING id`))
	res = a.as(researcher).query(`mutation($c: ID) { exportMetrics(filter: {caseId: $c}, format: PARQUET, destination: FOLDER) { id } }`,
		map[string]any{"c": gid.Encode("Case", other)})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "exportMetrics"))
	// The S3 destination is not configured on this server: refused before anything is queued.
	res = a.as(researcher).query(`mutation { exportMetrics(format: CSV, destination: S3) { id } }`, nil)
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "exportMetrics"))
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM exports`))
	require.Equal(t, 2, n)
}
