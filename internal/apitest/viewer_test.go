package apitest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/rbac"
)

// TestViewerRootFieldsFollowThePolicy: me.rootFields lists what each role may call, so the
// SPA shows a scanner the upload page and no case list (issue 14: a scanner met "not
// allowed to read Query.cases"), and it follows an admin's edit of a role at once.
func TestViewerRootFieldsFollowThePolicy(t *testing.T) {
	a := newAPI(t)
	rootFields := func(c *api) []string {
		var d struct{ Me struct{ RootFields []string } }
		c.mustQuery(`{ me { rootFields } }`, nil, &d)
		return d.Me.RootFields
	}

	_, scanTok := a.accountFor(rbac.RoleScanner)
	scanner := rootFields(a.as(scanTok))
	require.Contains(t, scanner, "Mutation.uploadVolume")
	require.Contains(t, scanner, "Mutation.createCase")
	require.Contains(t, scanner, "Query.health", "public fields are everyone's")
	require.NotContains(t, scanner, "Query.cases")
	require.NotContains(t, scanner, "Query.runs")
	require.NotContains(t, scanner, "Query.auditLog")

	_, labTok := a.accountFor(rbac.RoleLabeler)
	labeler := rootFields(a.as(labTok))
	require.Contains(t, labeler, "Query.cases")
	require.Contains(t, labeler, "Mutation.saveLabel")
	require.NotContains(t, labeler, "Query.metrics")
	require.NotContains(t, labeler, "Query.models")
	require.NotContains(t, labeler, "Mutation.uploadVolume")

	admin := rootFields(a)
	require.Contains(t, admin, "Query.auditLog")
	require.Contains(t, admin, "Mutation.setRolePermissions")

	// An admin's edit shows at once: without Query.cases a researcher's list loses it.
	_, resTok := a.accountFor(rbac.RoleResearcher)
	researcher := a.as(resTok)
	require.Contains(t, rootFields(researcher), "Query.cases")
	perms, err := a.policy.RolePermissions(rbac.RoleResearcher)
	require.NoError(t, err)
	var kept []map[string]any
	for _, p := range perms {
		if p.Object != "Query.cases" {
			kept = append(kept, map[string]any{"object": p.Object, "action": p.Action})
		}
	}
	set := `mutation($p: [RolePermissionInput!]!) { setRolePermissions(role: "researcher", permissions: $p) { name } }`
	require.Empty(t, a.query(set, map[string]any{"p": kept}).Errors)
	require.NotContains(t, rootFields(researcher), "Query.cases")
	require.Contains(t, rootFields(researcher), "Query.runs")
}
