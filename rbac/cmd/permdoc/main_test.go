package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/rbac"
)

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the working directory")
		dir = parent
	}
}

func TestPermissionsDocIsCurrent(t *testing.T) {
	root := repoRoot(t)
	var got bytes.Buffer
	require.NoError(t, generate(&got, filepath.Join(root, "graph", "schema")))
	want, err := os.ReadFile(filepath.Join(root, "docs", "permissions.md"))
	require.NoError(t, err, "run: go run ./rbac/cmd/permdoc > docs/permissions.md")
	require.Equal(t, string(want), got.String(), "docs/permissions.md is stale: go run ./rbac/cmd/permdoc > docs/permissions.md")

	doc := got.String()
	require.Contains(t, doc, "| `Mutation.uploadVolume` | write | ✓ | — | — | ✓ | — | ✓ |")
	require.Contains(t, doc, "| `SubjectIdentity.patientId` | read | ✓ | — | — | ✓ | — | — |")
}

func TestSchemaCoordinates(t *testing.T) {
	schema, err := loadSchema(filepath.Join(repoRoot(t), "graph", "schema"))
	require.NoError(t, err)
	coords := rbac.SchemaCoordinates(schema)
	byObj := map[string]rbac.Coordinate{}
	for _, c := range coords {
		byObj[c.Object] = c
	}
	require.Equal(t, rbac.Coordinate{Object: "Query.cases", Action: rbac.ActRead, Root: true}, byObj["Query.cases"])
	require.Equal(t, rbac.Coordinate{Object: "Mutation.uploadVolume", Action: rbac.ActWrite, Root: true}, byObj["Mutation.uploadVolume"])
	require.Equal(t, rbac.Coordinate{Object: "Subscription.runProgress", Action: rbac.ActRead, Root: true}, byObj["Subscription.runProgress"])
	require.Equal(t, rbac.Coordinate{Object: "SubjectIdentity.patientId", Action: rbac.ActRead, Sensitive: true}, byObj["SubjectIdentity.patientId"])
	require.True(t, byObj["Volume.downloadUrl"].Guarded())
	require.False(t, byObj["Case.eye"].Guarded())
	require.True(t, coords[0].Root && strings.HasPrefix(coords[0].Object, "Query."), "root fields first")
	for _, c := range coords {
		require.False(t, strings.HasPrefix(c.Object, "__"), c.Object)
	}
}
