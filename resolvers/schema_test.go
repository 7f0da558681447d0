package resolvers_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/graph"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
)

// TestEveryGuardedFieldCarriesADirective: every root field and every sensitive field says
// who may use it, @hasPermission with the action its coordinate needs, or @public.
func TestEveryGuardedFieldCarriesADirective(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	guarded, public := 0, 0
	for _, c := range resolvers.Coordinates() {
		typ, field, _ := strings.Cut(c.Object, ".")
		def := schema.Types[typ].Fields.ForName(field)
		require.NotNil(t, def, c.Object)
		hp := def.Directives.ForName("hasPermission")
		pub := def.Directives.ForName("public")
		if !c.Guarded() {
			continue
		}
		guarded++
		if pub != nil {
			require.Nil(t, hp, "%s: @public and @hasPermission", c.Object)
			require.True(t, c.Root && !c.Sensitive, "%s: only root fields may be @public, never sensitive ones", c.Object)
			require.NotEqual(t, "Mutation", typ, "%s: no mutation is public", c.Object)
			public++
			continue
		}
		require.NotNil(t, hp, "%s carries neither @hasPermission nor @public", c.Object)
		want := "READ"
		if c.Action == rbac.ActWrite {
			want = "WRITE"
		}
		require.Equal(t, want, hp.Arguments.ForName("permission").Value.Raw, "%s: permission", c.Object)
	}
	t.Logf("%d guarded coordinates, %d of them public", guarded, public)
	require.Equal(t, 4, public, "health, version, healthChanged and me")
}
