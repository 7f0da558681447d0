package imaging

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCloseNames(t *testing.T) {
	names := MetricNames()
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"cone_densty", "cone_density"},
		{"Cone_Density", "cone_density"},
		{"density", "cone_density"},
		{"nnd_um", "nnd"},
		{"percenthex", "percent_hex"},
	} {
		got := CloseNames(tc.in, names)
		require.NotEmpty(t, got, tc.in)
		require.Equal(t, tc.want, got[0], tc.in)
	}
	require.Empty(t, CloseNames("zzzzzzzzzz", names))
	require.Equal(t, 3, editDistance("kitten", "sitting"))
}
