package imaging

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEnFaceModes(t *testing.T) {
	v := &Volume{X: 2, Y: 1, Z: 3, Vox: []float32{1, 5, 2, 4, 6, 0}}
	cases := []struct {
		name   string
		z0, z1 int
		mode   ProjectionMode
		want   []float32
		errStr string
	}{
		{"mean all", 0, 3, ProjectMean, []float32{3, 3}, ""},
		{"max all", 0, 3, ProjectMax, []float32{6, 5}, ""},
		{"single plane", 1, 2, ProjectMean, []float32{2, 4}, ""},
		{"empty slab", 2, 2, ProjectMean, nil, "empty"},
		{"negative start", -1, 2, ProjectMax, nil, "outside"},
		{"past depth", 1, 4, ProjectMax, nil, "outside"},
		{"bad mode", 0, 1, "median", nil, "unknown mode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := EnFace(v, tc.z0, tc.z1, tc.mode)
			if tc.errStr != "" {
				require.ErrorContains(t, err, tc.errStr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, img.Pix)
		})
	}
	_, err := EnFace(nil, 0, 1, ProjectMean)
	require.Error(t, err)
	_, err = EnFace(&Volume{X: 2, Y: 2, Z: 2, Vox: make([]float32, 3)}, 0, 1, ProjectMean)
	require.Error(t, err)
}
