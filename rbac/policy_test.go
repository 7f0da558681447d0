package rbac_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/rbac"
)

func TestCoordinateMatching(t *testing.T) {
	// One rule at a time, granted to user:1 everywhere: does it reach the coordinate?
	cases := []struct {
		rule, obj string
		want      bool
	}{
		{"Case.subject", "Case.subject", true},
		{"Case.*", "Case.subject", true},
		{"Case.*", "Cases.x", false},
		{"Case.*", "CaseEdge.node", false},
		{"Volume.*", "Volume.sha256", true},
		{"Volume.*", "Volume.downloadUrl", false}, // sensitive: only named
		{"Volume.downloadUrl", "Volume.downloadUrl", true},
		{"SubjectIdentity.*", "SubjectIdentity.patientId", true}, // the sensitive pattern itself
		{"Subject.*", "Subject.identity", false},
		{"Subject.*", "Subject.code", true},
		{"Query.*", "Query.auditLog", false},
		{"*", "SubjectIdentity.patientId", true},
		{"*", "Query.auditLog", true},
		{"Query.case", "Query.cases", false},
	}
	for _, c := range cases {
		t.Run(c.rule+"→"+c.obj, func(t *testing.T) {
			e, err := rbac.NewMemory([]rbac.Rule{{Role: "r", Permission: rbac.Permission{Object: c.rule, Action: rbac.ActRead}}},
				[][3]string{{"user:1", "r", rbac.AllProjects}})
			require.NoError(t, err)
			ok, err := e.Allowed(context.Background(), "user:1", "p1", c.obj, rbac.ActRead)
			require.NoError(t, err)
			require.Equal(t, c.want, ok)
			ok, err = e.Allowed(context.Background(), "user:1", "p1", c.obj, rbac.ActWrite)
			require.NoError(t, err)
			require.False(t, ok, "read rule must not grant write")
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	grants := [][3]string{}
	for i, r := range rbac.Roles() {
		grants = append(grants, [3]string{rbac.UserSubject(int64(i + 1)), r, "eyes"})
	}
	grants = append(grants, [3]string{"user:99", rbac.RoleLabeler, rbac.AllProjects})
	e, err := rbac.NewMemory(rbac.DefaultPolicy(), grants)
	require.NoError(t, err)
	user := map[string]string{}
	for i, r := range rbac.Roles() {
		user[r] = rbac.UserSubject(int64(i + 1))
	}
	cases := []struct {
		role, project, obj, act string
		want                    bool
	}{
		{rbac.RoleAdmin, "eyes", "SubjectIdentity.patientId", rbac.ActRead, true},
		{rbac.RoleAdmin, "eyes", "Mutation.setRolePermissions", rbac.ActWrite, true},
		{rbac.RoleAdmin, "other", "Query.cases", rbac.ActRead, false}, // admin of eyes only
		{rbac.RoleLabeler, "eyes", "Query.case", rbac.ActRead, true},
		{rbac.RoleLabeler, "eyes", "Case.subject", rbac.ActRead, true},
		{rbac.RoleLabeler, "eyes", "Mask.downloadUrl", rbac.ActRead, true},
		{rbac.RoleLabeler, "eyes", "Label.state", rbac.ActRead, true},
		{rbac.RoleLabeler, "eyes", "Subject.identity", rbac.ActRead, false},
		{rbac.RoleLabeler, "eyes", "SubjectIdentity.patientId", rbac.ActRead, false},
		{rbac.RoleLabeler, "eyes", "SubjectIdentity.patientName", rbac.ActRead, false},
		{rbac.RoleLabeler, "eyes", "Volume.downloadUrl", rbac.ActRead, false},
		{rbac.RoleLabeler, "eyes", "Query.metrics", rbac.ActRead, false},
		{rbac.RoleLabeler, "eyes", "Mutation.createCase", rbac.ActWrite, false},
		{rbac.RoleScanner, "eyes", "Mutation.uploadVolume", rbac.ActWrite, true},
		{rbac.RoleScanner, "eyes", "Mutation.createCase", rbac.ActWrite, true},
		{rbac.RoleScanner, "eyes", "Mutation.requestVolumeUpload", rbac.ActWrite, true},
		{rbac.RoleScanner, "eyes", "Mutation.completeVolumeUpload", rbac.ActWrite, true},
		{rbac.RoleScanner, "eyes", "Query.cases", rbac.ActRead, false},
		{rbac.RoleScanner, "eyes", "Query.case", rbac.ActRead, false},
		{rbac.RoleScanner, "eyes", "Mutation.startRun", rbac.ActWrite, false},
		{rbac.RoleScanner, "eyes", "Subscription.runProgress", rbac.ActRead, false},
		{rbac.RoleScanner, "other", "Mutation.uploadVolume", rbac.ActWrite, false},
		{rbac.RoleTech, "eyes", "SubjectIdentity.birthDate", rbac.ActRead, true},
		{rbac.RoleTech, "eyes", "Volume.downloadUrl", rbac.ActRead, true},
		{rbac.RoleTech, "eyes", "Query.queues", rbac.ActRead, false},
		{rbac.RoleTech, "eyes", "Mutation.setVolumeCalibration", rbac.ActWrite, true},
		{rbac.RoleTech, "eyes", "SetVolumeCalibrationPayload.run", rbac.ActRead, true},
		{rbac.RoleTech, "other", "Mutation.setVolumeCalibration", rbac.ActWrite, false},
		{rbac.RoleLabeler, "eyes", "Mutation.setVolumeCalibration", rbac.ActWrite, false},
		{rbac.RoleLabeler, "eyes", "Volume.pixelSizeSource", rbac.ActRead, true},
		{rbac.RoleScanner, "eyes", "Mutation.setVolumeCalibration", rbac.ActWrite, false},
		{rbac.RoleResearcher, "eyes", "Mutation.setVolumeCalibration", rbac.ActWrite, false},
		{rbac.RoleResearcher, "eyes", "Volume.umPerPx", rbac.ActRead, true},
		{rbac.RoleMLEngineer, "eyes", "Mutation.setVolumeCalibration", rbac.ActWrite, false},
		{rbac.RoleResearcher, "eyes", "Query.metrics", rbac.ActRead, true},
		{rbac.RoleResearcher, "eyes", "Volume.downloadUrl", rbac.ActRead, false},
		{rbac.RoleResearcher, "eyes", "ModelVersion.weightsUrl", rbac.ActRead, false},
		{rbac.RoleResearcher, "eyes", "SubjectIdentity.sex", rbac.ActRead, false},
		{rbac.RoleResearcher, "eyes", "Mutation.uploadVolume", rbac.ActWrite, false},
		{rbac.RoleMLEngineer, "eyes", "ModelVersion.weightsUrl", rbac.ActRead, true},
		{rbac.RoleMLEngineer, "eyes", "Query.workers", rbac.ActRead, true},
		{rbac.RoleMLEngineer, "eyes", "Subject.identity", rbac.ActRead, false},
		{rbac.RoleMLEngineer, "eyes", "Query.auditLog", rbac.ActRead, false},
		// Exports (issue 18): analysts and admins export metrics; labelers export marks only
		// and import coordinate files; scanners and technicians export nothing.
		{rbac.RoleResearcher, "eyes", "Mutation.exportMetrics", rbac.ActWrite, true},
		{rbac.RoleResearcher, "eyes", "Mutation.exportMarks", rbac.ActWrite, true},
		{rbac.RoleResearcher, "other", "Mutation.exportMetrics", rbac.ActWrite, false},
		{rbac.RoleResearcher, "eyes", "Export.files", rbac.ActRead, true},
		{rbac.RoleMLEngineer, "eyes", "Mutation.exportMetrics", rbac.ActWrite, true},
		{rbac.RoleMLEngineer, "eyes", "Mutation.importMarks", rbac.ActWrite, true},
		{rbac.RoleLabeler, "eyes", "Mutation.exportMetrics", rbac.ActWrite, false},
		{rbac.RoleLabeler, "eyes", "Mutation.exportMarks", rbac.ActWrite, true},
		{rbac.RoleLabeler, "eyes", "Mutation.importMarks", rbac.ActWrite, true},
		{rbac.RoleLabeler, "eyes", "Subscription.exportProgress", rbac.ActRead, true},
		{rbac.RoleTech, "eyes", "Mutation.exportMetrics", rbac.ActWrite, false},
		{rbac.RoleTech, "eyes", "Mutation.importMarks", rbac.ActWrite, true},
		{rbac.RoleScanner, "eyes", "Mutation.exportMarks", rbac.ActWrite, false},
		{rbac.RoleScanner, "eyes", "Query.exports", rbac.ActRead, false},
		{rbac.RoleAdmin, "eyes", "Mutation.exportMetrics", rbac.ActWrite, true},
	}
	for _, c := range cases {
		t.Run(c.role+" "+c.act+" "+c.obj+" in "+c.project, func(t *testing.T) {
			ok, err := e.Allowed(context.Background(), user[c.role], c.project, c.obj, c.act)
			require.NoError(t, err)
			require.Equal(t, c.want, ok)
		})
	}
	// A grant for every project reaches any project.
	for _, p := range []string{"eyes", "other"} {
		ok, err := e.Allowed(context.Background(), "user:99", p, "Case.subject", rbac.ActRead)
		require.NoError(t, err)
		require.True(t, ok, p)
	}
	// Malformed questions are errors, never a yes.
	for _, args := range [][4]string{{"", "eyes", "Query.cases", "read"}, {"user:1", "", "Query.cases", "read"}, {"user:1", "*", "Query.cases", "read"}} {
		ok, err := e.Allowed(context.Background(), args[0], args[1], args[2], args[3])
		require.ErrorIs(t, err, rbac.ErrInvalid)
		require.False(t, ok)
	}
	require.ErrorIs(t, e.Check(context.Background(), user[rbac.RoleScanner], "eyes", "Query.cases", rbac.ActRead), rbac.ErrForbidden)
}

// BenchmarkAllowed measures a decision Casbin computes (a new coordinate each time, as
// after a policy change) and one the cache answers.
func BenchmarkAllowed(b *testing.B) {
	e, err := rbac.NewMemory(rbac.DefaultPolicy(), [][3]string{{"user:1", rbac.RoleLabeler, "eyes"}})
	require.NoError(b, err)
	ctx := context.Background()
	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, err := e.Allowed(ctx, "user:1", "eyes", "Case.f"+strconv.Itoa(i), rbac.ActRead); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Allowed(ctx, "user:1", "eyes", "SubjectIdentity.patientId", rbac.ActRead); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestScannerSeesItsUploadButCannotTraverse(t *testing.T) {
	e, err := rbac.NewMemory(rbac.DefaultPolicy(), [][3]string{{"user:3", rbac.RoleScanner, "eyes"}})
	require.NoError(t, err)
	cases := []struct {
		obj  string
		want bool
	}{
		{"UploadVolumePayload.volume", true}, {"Volume.id", true}, {"Volume.status", true}, {"VolumeUploadTicket.url", true},
		{"CreateCasePayload.case", true}, {"Case.id", true},
		{"Volume.case", false}, {"Volume.runs", false}, {"Volume.downloadUrl", false}, {"Case.subject", false},
		{"Case.volumes", false}, {"Subject.cases", false}, {"Case.notes", false},
	}
	for _, c := range cases {
		ok, err := e.Allowed(context.Background(), "user:3", "eyes", c.obj, rbac.ActRead)
		require.NoError(t, err)
		require.Equal(t, c.want, ok, c.obj)
	}
}
