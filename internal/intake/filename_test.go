package intake

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCleanFilename(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"scan 01.tif", "scan 01.tif"},
		{"/data/aoslo/subject-01/OD_2deg.dcm", "OD_2deg.dcm"},
		{`C:\fakepath\OS 2.5°.tif`, "OS 2.5°.tif"},
		{"a\x00b\nc.tif", "abc.tif"},
		{"..", ""},
		{"", ""},
	} {
		require.Equal(t, tc.want, CleanFilename(tc.in), tc.in)
	}
	long := strings.Repeat("é", 200) + ".tif" // 404 bytes
	got := CleanFilename(long)
	require.LessOrEqual(t, len(got), 255)
	require.True(t, strings.HasPrefix(long, got))
	require.NotContains(t, got, "\uFFFD")
}
