package labels

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCorrectionProfile(t *testing.T) {
	c := Correction{Points: []BoundaryPoint{{X: 2, Z: 10}, {X: 6, Z: 18}, {X: 8, Z: 14}}}
	require.Equal(t, []float64{10, 10, 10, 12, 14, 16, 18, 16, 14, 14}, c.Profile(10))
	require.Equal(t, []float64{0, 0}, Correction{}.Profile(2))
}

func TestBoundaryInputBounds(t *testing.T) {
	ok := BoundaryInput{Layer: "ILM", BScan: 3, Width: 64, Depth: 100, BScans: 8,
		Points: []BoundaryPoint{{X: 0, Z: 10}, {X: 63, Z: 99}}}
	require.NoError(t, ok.validate())
	for name, change := range map[string]func(*BoundaryInput){
		"unknown layer":   func(in *BoundaryInput) { in.Layer = "GCL" },
		"B-scan past end": func(in *BoundaryInput) { in.BScan = 8 },
		"negative B-scan": func(in *BoundaryInput) { in.BScan = -1 },
		"one point":       func(in *BoundaryInput) { in.Points = in.Points[:1] },
		"x outside":       func(in *BoundaryInput) { in.Points[1].X = 64 },
		"z outside":       func(in *BoundaryInput) { in.Points[0].Z = -0.5 },
		"not increasing":  func(in *BoundaryInput) { in.Points[1].X = 0 },
		"too many points": func(in *BoundaryInput) { in.Points = make([]BoundaryPoint, maxControlPoints+1) },
	} {
		in := ok
		in.Points = append([]BoundaryPoint(nil), ok.Points...)
		change(&in)
		var ie *InputError
		require.ErrorAs(t, in.validate(), &ie, name)
	}
}

func TestLayersMergeAndDescribe(t *testing.T) {
	pts := []BoundaryPoint{{X: 0, Z: 5}, {X: 10, Z: 7}}
	d, err := ParseLayers("")
	require.NoError(t, err)
	d1, err := d.Merge(BoundaryInput{BScan: 2, Layer: "RPE_BM", Points: pts})
	require.NoError(t, err)
	d2, err := d1.Merge(BoundaryInput{BScan: 2, Layer: "ILM", Points: pts})
	require.NoError(t, err)
	require.Equal(t, []string{"ILM", "RPE_BM"}, []string{d2.On(2)[0].Layer, d2.On(2)[1].Layer})
	require.Empty(t, d2.On(3))
	enc := func(d LayersDocument) []byte { b, _ := json.Marshal(d); return b }
	require.Equal(t, "RPE_BM on B-scan 2 corrected", Describe(nil, enc(d1)))
	require.Equal(t, "ILM on B-scan 2 corrected", Describe(enc(d1), enc(d2)))
	moved, err := d2.Merge(BoundaryInput{BScan: 2, Layer: "ILM", Points: []BoundaryPoint{{X: 0, Z: 6}, {X: 10, Z: 7}}})
	require.NoError(t, err)
	require.Equal(t, "ILM on B-scan 2 changed", Describe(enc(d2), enc(moved)))
	reset, err := moved.Merge(BoundaryInput{BScan: 2, Layer: "ILM"})
	require.NoError(t, err)
	require.Equal(t, "ILM on B-scan 2 reset to the model's", Describe(enc(moved), enc(reset)))
	require.Equal(t, "no change", Describe(enc(reset), enc(reset)))
	// The same corrections in any order are the same bytes.
	other, err := d.Merge(BoundaryInput{BScan: 2, Layer: "ILM", Points: pts})
	require.NoError(t, err)
	other, err = other.Merge(BoundaryInput{BScan: 2, Layer: "RPE_BM", Points: pts})
	require.NoError(t, err)
	require.Equal(t, enc(d2), enc(other))
	_, err = ParseLayers(`{"format":"aomas-annotation"}`)
	require.Error(t, err)
}
