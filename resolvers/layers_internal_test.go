package resolvers

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/labels"
)

func layersCSV(nx, ny int) []byte {
	var b bytes.Buffer
	b.WriteString("bscan,x,layer,z\n")
	for y := range ny {
		for x := range nx {
			for l, name := range labels.LayerNames {
				fmt.Fprintf(&b, "%d,%d,%s,%.2f\n", y, x, name, float64(20+30*l)+0.01*float64(x))
			}
		}
	}
	return b.Bytes()
}

func TestParseLayersCSV(t *testing.T) {
	tb, err := parseLayersCSV(bytes.NewReader(layersCSV(5, 3)), 5, 3)
	require.NoError(t, err)
	got := tb.bscan(2)
	require.Len(t, got, 8)
	require.Equal(t, "RPE_BM", string(got[7].Layer))
	require.InDelta(t, 20+30*7+0.04, *got[7].Z[4], 1e-4)

	partial, err := parseLayersCSV(strings.NewReader("bscan,x,layer,z\n0,1,ELM,7.5\n"), 3, 1)
	require.NoError(t, err)
	only := partial.bscan(0)
	require.Len(t, only, 1)
	require.Nil(t, only[0].Z[0])
	require.Equal(t, 7.5, *only[0].Z[1])

	for name, csv := range map[string]string{
		"no header":      "0,0,ILM,3\n",
		"x past the end": "bscan,x,layer,z\n0,3,ILM,3\n",
		"B-scan past":    "bscan,x,layer,z\n1,0,ILM,3\n",
		"unknown layer":  "bscan,x,layer,z\n0,0,GCL,3\n",
		"not a number":   "bscan,x,layer,z\n0,0,ILM,deep\n",
		"infinite":       "bscan,x,layer,z\n0,0,ILM,Inf\n",
		"short row":      "bscan,x,layer,z\n0,0\n",
	} {
		_, err := parseLayersCSV(strings.NewReader(csv), 3, 1)
		require.Error(t, err, name)
	}
	_, err = parseLayersCSV(strings.NewReader("bscan,x,layer,z\n"), 1<<14, 1<<14)
	require.Error(t, err, "a table past the bound is not allocated")
	require.True(t, math.IsNaN(float64(partial.z[0])))
}

// BenchmarkParseLayersCSV parses the layers of 128 B-scans × 512 A-scans × 8 boundaries
// (the first Run.layers of a run; later B-scans come from LayerTables).
func BenchmarkParseLayersCSV(b *testing.B) {
	csv := layersCSV(512, 128)
	b.SetBytes(int64(len(csv)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := parseLayersCSV(bytes.NewReader(csv), 512, 128); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(512*128*8)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}

// BenchmarkLayersBScan is a cached Run.layers: one B-scan cut out of a parsed table.
func BenchmarkLayersBScan(b *testing.B) {
	tb, err := parseLayersCSV(bytes.NewReader(layersCSV(512, 16)), 512, 16)
	require.NoError(b, err)
	for b.Loop() {
		_ = tb.bscan(7)
	}
}
