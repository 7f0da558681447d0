package rbac_test

import (
	"context"
	"errors"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

func TestSeedIsOnceAndEditsStand(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	e, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	var n int
	require.NoError(t, conn.GetContext(ctx, &n, `SELECT count(*) FROM casbin_rule WHERE ptype = 'p'`))
	require.Equal(t, len(rbac.DefaultPolicy()), n)

	// An admin narrows the labeler; a second start (another replica) must not undo it.
	require.NoError(t, e.SetRolePermissions(ctx, rbac.RoleLabeler, []rbac.Permission{{Object: "Query.case", Action: rbac.ActRead}}))
	e2, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	perms, err := e2.RolePermissions(rbac.RoleLabeler)
	require.NoError(t, err)
	require.Equal(t, []rbac.Permission{{Object: "Query.case", Action: rbac.ActRead}}, perms)
	require.NoError(t, conn.GetContext(ctx, &n, `SELECT count(*) FROM rbac_seed`))
	require.Equal(t, 3, n, "the first policy and releases 2 and 3, all written by the first start")
}

// TestSeedAddsALaterReleasesRules: a database seeded before release 2 gets release 2's rules
// (the model registry, fibre orientation) at the next start, once, and an admin's edit of the
// first defaults stands.
func TestSeedAddsALaterReleasesRules(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	_, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	// As a release-1 database: no release-2 rules, no release-2 mark; the admin took
	// Query.case from researchers.
	_, err = conn.ExecContext(ctx, `DELETE FROM casbin_rule WHERE ptype = 'p' AND v2 IN ('Query.models', 'Model.*', 'ModelVersion.*', 'ModelVersion.weightsUrl', 'FibreOrientation.*', 'ScalarGrid.*')`)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, `DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = 'researcher' AND v2 = 'Query.case'`)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, `DELETE FROM rbac_seed WHERE version = 2`)
	require.NoError(t, err)
	allowed := func(e *rbac.Enforcer, role, obj string) bool {
		t.Helper()
		sub := rbac.UserSubject(int64(len(role)))
		require.NoError(t, e.GrantRole(ctx, sub, role, "eyes"))
		ok, err := e.Allowed(ctx, sub, "eyes", obj, rbac.ActRead)
		require.NoError(t, err)
		return ok
	}
	// The next start (New seeds) writes release 2's rules.
	e, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	require.True(t, allowed(e, rbac.RoleLabeler, "FibreOrientation.angleDeg"))
	require.True(t, allowed(e, rbac.RoleLabeler, "ScalarGrid.values"))
	require.True(t, allowed(e, rbac.RoleMLEngineer, "Query.models"))
	require.True(t, allowed(e, rbac.RoleMLEngineer, "ModelVersion.weightsUrl"))
	require.False(t, allowed(e, rbac.RoleResearcher, "ModelVersion.weightsUrl"), "release 2 adds what the defaults grant, nothing more")
	require.False(t, allowed(e, rbac.RoleResearcher, "Query.case"), "the admin's edit stands")
	var n int
	require.NoError(t, conn.GetContext(ctx, &n, `SELECT count(*) FROM casbin_rule WHERE ptype = 'p'`))
	require.Equal(t, len(rbac.DefaultPolicy())-1, n)
	// Once: taking a release-2 rule away also stands.
	_, err = conn.ExecContext(ctx, `DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = 'labeler' AND v2 = 'FibreOrientation.*'`)
	require.NoError(t, err)
	require.NoError(t, rbac.Seed(ctx, conn))
	require.NoError(t, conn.GetContext(ctx, &n, `SELECT count(*) FROM casbin_rule WHERE ptype = 'p' AND v0 = 'labeler' AND v2 = 'FibreOrientation.*'`))
	require.Zero(t, n)
}

func TestRoleEditing(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	e, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	alice, bob, carol := rbac.UserSubject(1), rbac.UserSubject(2), rbac.UserSubject(3)

	allowed := func(sub, project, obj, act string) bool {
		t.Helper()
		ok, err := e.Allowed(ctx, sub, project, obj, act)
		require.NoError(t, err)
		return ok
	}

	require.NoError(t, e.GrantRole(ctx, alice, rbac.RoleAdmin, "eyes"))
	require.NoError(t, e.GrantRole(ctx, bob, rbac.RoleLabeler, "eyes"))
	require.NoError(t, e.GrantRole(ctx, bob, rbac.RoleLabeler, "eyes"), "granting twice is harmless")
	require.True(t, allowed(bob, "eyes", "Case.subject", rbac.ActRead))
	require.False(t, allowed(bob, "retina", "Case.subject", rbac.ActRead))
	require.False(t, allowed(bob, "eyes", "SubjectIdentity.patientId", rbac.ActRead))

	steps := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"unknown role", func() error { return e.GrantRole(ctx, bob, "owner", "eyes") }, rbac.ErrInvalid},
		{"bad project", func() error { return e.GrantRole(ctx, bob, rbac.RoleTech, "ey*s") }, rbac.ErrInvalid},
		{"last admin of eyes", func() error { return e.RevokeRole(ctx, alice, rbac.RoleAdmin, "eyes") }, rbac.ErrLastAdmin},
		{"last admin by revoking all", func() error { return e.RevokeAll(ctx, alice) }, rbac.ErrLastAdmin},
		{"admin's permissions", func() error {
			return e.SetRolePermissions(ctx, rbac.RoleAdmin, []rbac.Permission{{Object: "Query.cases", Action: rbac.ActRead}})
		}, rbac.ErrLastAdmin},
		{"bad action", func() error {
			return e.SetRolePermissions(ctx, rbac.RoleLabeler, []rbac.Permission{{Object: "Query.cases", Action: "delete"}})
		}, rbac.ErrInvalid},
		{"second admin", func() error { return e.GrantRole(ctx, carol, rbac.RoleAdmin, "eyes") }, nil},
		{"first admin may now go", func() error { return e.RevokeRole(ctx, alice, rbac.RoleAdmin, "eyes") }, nil},
		{"a global admin", func() error { return e.GrantRole(ctx, alice, rbac.RoleAdmin, rbac.AllProjects) }, nil},
		{"project admin may go: the global admin remains", func() error { return e.RevokeRole(ctx, carol, rbac.RoleAdmin, "eyes") }, nil},
		{"the last global admin", func() error { return e.RevokeRole(ctx, alice, rbac.RoleAdmin, rbac.AllProjects) }, rbac.ErrLastAdmin},
		{"labeler leaves", func() error { return e.RevokeRole(ctx, bob, rbac.RoleLabeler, "eyes") }, nil},
	}
	for _, s := range steps {
		err := s.do()
		if s.wantErr == nil {
			require.NoError(t, err, s.name)
		} else {
			require.ErrorIs(t, err, s.wantErr, s.name)
		}
	}
	require.False(t, allowed(bob, "eyes", "Case.subject", rbac.ActRead))
	require.True(t, allowed(alice, "retina", "SubjectIdentity.patientId", rbac.ActRead))
	roles, err := e.RolesOf(alice, "eyes")
	require.NoError(t, err)
	require.Equal(t, []string{rbac.RoleAdmin}, roles)
	roles, err = e.RolesOf(bob, "eyes")
	require.NoError(t, err)
	require.Empty(t, roles)
	members, err := e.Members("eyes")
	require.NoError(t, err)
	require.Equal(t, []rbac.Grant{{Subject: alice, Role: rbac.RoleAdmin, Project: rbac.AllProjects}}, members)

	// Role permissions are replaced as a whole, and take effect at once.
	require.NoError(t, e.GrantRole(ctx, bob, rbac.RoleResearcher, "eyes"))
	require.True(t, allowed(bob, "eyes", "Query.metrics", rbac.ActRead))
	require.NoError(t, e.SetRolePermissions(ctx, rbac.RoleResearcher, []rbac.Permission{
		{Object: "Query.cases", Action: rbac.ActRead}, {Object: "Case.*", Action: rbac.ActRead}}))
	require.False(t, allowed(bob, "eyes", "Query.metrics", rbac.ActRead))
	require.True(t, allowed(bob, "eyes", "Case.eye", rbac.ActRead))
}

func TestAdapterWithCasbinAPI(t *testing.T) {
	conn := testenv.Postgres(t)
	a := rbac.NewAdapter(conn)
	e, err := casbin.NewSyncedEnforcer("model.conf", a)
	require.NoError(t, err)
	_, err = e.AddPolicy("r1", "*", "Query.cases", "read")
	require.NoError(t, err)
	_, err = e.AddPolicies([][]string{{"r2", "*", "Query.case", "read"}, {"r2", "p", "Mutation.startRun", "write"}})
	require.NoError(t, err)
	_, err = e.AddGroupingPolicy("user:1", "r2", "p")
	require.NoError(t, err)

	e2, err := casbin.NewSyncedEnforcer("model.conf", a)
	require.NoError(t, err)
	got, err := e2.GetPolicy()
	require.NoError(t, err)
	require.ElementsMatch(t, [][]string{{"r1", "*", "Query.cases", "read"}, {"r2", "*", "Query.case", "read"}, {"r2", "p", "Mutation.startRun", "write"}}, got)

	_, err = e.RemoveFilteredPolicy(0, "r2")
	require.NoError(t, err)
	_, err = e.RemovePolicy("r1", "*", "Query.cases", "read")
	require.NoError(t, err)
	require.NoError(t, e2.LoadPolicy())
	got, err = e2.GetPolicy()
	require.NoError(t, err)
	require.Empty(t, got)
	g, err := e2.GetGroupingPolicy()
	require.NoError(t, err)
	require.Equal(t, [][]string{{"user:1", "r2", "p"}}, g)

	// SavePolicy writes the enforcer's whole policy back.
	_, err = e2.AddPolicy("r3", "*", "Query.runs", "read")
	require.NoError(t, err)
	require.NoError(t, e2.SavePolicy())
	var n int
	require.NoError(t, conn.Get(&n, `SELECT count(*) FROM casbin_rule`))
	require.Equal(t, 2, n)
}

func TestEditsCommitWithTheirAuditEntry(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	e, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	record := func(action string) rbac.Also {
		return func(tx *sqlx.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Entry{Actor: "user:1", Action: action, Object: "User:2"})
			return err
		}
	}
	failing := func(*sqlx.Tx) error { return errors.New("audit unavailable") }
	entries := func() int {
		var n int
		require.NoError(t, conn.Get(&n, `SELECT count(*) FROM audit_log`))
		return n
	}

	require.NoError(t, e.GrantRole(ctx, "user:1", rbac.RoleAdmin, "eyes", record("grantRole")))
	require.Equal(t, 1, entries())
	require.ErrorContains(t, e.GrantRole(ctx, "user:2", rbac.RoleTech, "eyes", failing), "audit unavailable")
	ok, err := e.Allowed(ctx, "user:2", "eyes", "Query.cases", rbac.ActRead)
	require.NoError(t, err)
	require.False(t, ok, "no audit entry, no change")
	require.ErrorIs(t, e.RevokeRole(ctx, "user:1", rbac.RoleAdmin, "eyes", record("revokeRole")), rbac.ErrLastAdmin)
	require.Equal(t, 1, entries(), "a refused change leaves no entry")
	_, err = audit.Verify(ctx, conn)
	require.NoError(t, err)
}
