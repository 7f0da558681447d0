package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
)

// TestAnalyzeLayersOut: aomas phantom --kind volume, then aomas analyze --layers-out on its
// TIFF writes bscan,x,layer,z with a row per B-scan, column and boundary, close to the
// phantom's own layers_truth.csv.
func TestAnalyzeLayersOut(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	require.NoError(t, runPhantom(context.Background(), []string{"--kind", "volume", "--size", "128", "--seed", "3", "--snr", "5", "--out", dir}, &out, &errb), errb.String())
	csvPath := filepath.Join(dir, "layers.csv")
	out.Reset()
	require.NoError(t, runAnalyze(context.Background(), []string{"--axial-um", "3", "--um-per-px", "1", "--layers-out", csvPath, filepath.Join(dir, "image.tif")}, &out, &errb), errb.String())
	require.Contains(t, out.String(), "boundaries written")

	read := func(p string) ([]string, map[[3]string]float64) {
		f, err := os.Open(p)
		require.NoError(t, err)
		defer func() { _ = f.Close() }()
		rows, err := csv.NewReader(f).ReadAll()
		require.NoError(t, err)
		m := map[[3]string]float64{}
		for _, r := range rows[1:] {
			z, err := strconv.ParseFloat(r[3], 64)
			require.NoError(t, err)
			m[[3]string{r[0], r[1], r[2]}] = z
		}
		return rows[0], m
	}
	head, got := read(csvPath)
	require.Equal(t, []string{"bscan", "x", "layer", "z"}, head)
	require.Len(t, got, 128*128*int(imaging.NumBoundaries))
	_, truth := read(filepath.Join(dir, "layers_truth.csv"))
	mae := map[string]float64{}
	for k, z := range got {
		tz, ok := truth[k]
		require.True(t, ok, k)
		mae[k[2]] += math.Abs(z-tz) / (128 * 128)
	}
	t.Logf("boundary MAE px: %v", mae)
	for _, n := range imaging.LayerBoundaryNames {
		require.Less(t, mae[n], 2.0, n)
	}
}
