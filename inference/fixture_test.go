package inference

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixture is PyTorch's output on a fixed input (internal/models/testdata/<name>.fixture.json, written
// by training/ at export).
type fixture struct {
	Input, Output struct {
		Shape []int     `json:"shape"`
		Data  []float32 `json:"data"`
	}
}

// TestORTMatchesPyTorch runs every exported model on its fixture's input through the CPU
// provider and compares with PyTorch's output: |ort − torch| ≤ 1e-4·|torch| + 1e-6 per
// element (numpy's allclose with rtol 1e-4).
func TestORTMatchesPyTorch(t *testing.T) {
	initCPU(t)
	type pair struct{ fixture, model string }
	var pairs []pair
	own, err := filepath.Glob(filepath.Join("testdata", "*.fixture.json"))
	require.NoError(t, err)
	shipped, err := filepath.Glob(filepath.Join(repoRoot(t), "internal", "models", "testdata", "*.fixture.json"))
	require.NoError(t, err)
	for _, f := range own {
		pairs = append(pairs, pair{f, strings.TrimSuffix(f, ".fixture.json") + ".onnx"})
	}
	for _, f := range shipped {
		name := strings.TrimSuffix(filepath.Base(f), ".fixture.json")
		pairs = append(pairs, pair{f, filepath.Join(repoRoot(t), "internal", "models", name+".onnx")})
	}
	require.NotEmpty(t, own, "inference/testdata has no fixture")
	for _, p := range pairs {
		t.Run(filepath.Base(p.model), func(t *testing.T) {
			b, err := os.ReadFile(p.fixture)
			require.NoError(t, err)
			var fx fixture
			require.NoError(t, json.Unmarshal(b, &fx))
			onnx, err := os.ReadFile(p.model)
			require.NoError(t, err, "fixture %s without its model", p.fixture)
			require.Len(t, fx.Input.Shape, 4)
			n, c, h, w := fx.Input.Shape[0], fx.Input.Shape[1], fx.Input.Shape[2], fx.Input.Shape[3]
			require.Equal(t, 1, c)
			require.Len(t, fx.Input.Data, n*h*w)
			require.Equal(t, []int{n, 1, h, w}, fx.Output.Shape)

			s, err := newSession(onnx, CPU, sessionConfig{})
			require.NoError(t, err)
			defer s.destroy()
			got, err := s.run(fx.Input.Data, n, h, w)
			require.NoError(t, err)
			require.Len(t, got, len(fx.Output.Data))
			worst := 0.0
			for i, want := range fx.Output.Data {
				diff := math.Abs(float64(got[i]) - float64(want))
				worst = math.Max(worst, diff/math.Max(math.Abs(float64(want)), 1e-6))
				require.LessOrEqual(t, diff, 1e-4*math.Abs(float64(want))+1e-6, "element %d: ort %g, torch %g", i, got[i], want)
			}
			t.Logf("%s: %d outputs, largest relative difference %.2g", filepath.Base(p.model), len(got), worst)
		})
	}
}
