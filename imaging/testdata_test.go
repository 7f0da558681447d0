package imaging_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/aomas/aomas/internal/testenv/shared"
	"github.com/stretchr/testify/require"
)

func sharedDataDir(t testing.TB) string { return shared.Dir(t) }

// cunefareImage is one real AOSLO image of the Cunefare et al. 2017 training set with its
// manual marks converted to 0-based points.
type cunefareImage struct {
	Name    string
	Subject string
	UmPerPx float64
	Img     *imaging.Image
	Manual  []imaging.Point
}

// loadCunefare loads every image of one modality ("confocal" or "split_detector") listed in
// the data set's manifest.
func loadCunefare(t testing.TB, modality string) []cunefareImage {
	t.Helper()
	root := filepath.Join(sharedDataDir(t), "data", "ao-cunefare-2017-train")
	f, err := os.Open(filepath.Join(root, "manifest.csv"))
	require.NoError(t, err, "open the Cunefare manifest")
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(rows), 1)
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var out []cunefareImage
	for _, r := range rows[1:] {
		if r[col["modality"]] != modality {
			continue
		}
		img, err := imageio.ReadImage(filepath.Join(root, r[col["image"]]))
		require.NoError(t, err)
		w, _ := strconv.Atoi(r[col["width"]])
		h, _ := strconv.Atoi(r[col["height"]])
		require.Equal(t, []int{w, h}, []int{img.W, img.H}, r[col["image"]])
		manual, err := imageio.ReadPoints(filepath.Join(root, r[col["coords"]]), true)
		require.NoError(t, err)
		n, _ := strconv.Atoi(r[col["n_manual"]])
		require.Len(t, manual, n, r[col["coords"]])
		um, err := strconv.ParseFloat(r[col["microns_per_pixel"]], 64)
		require.NoError(t, err)
		out = append(out, cunefareImage{
			Name: filepath.Base(r[col["image"]]), Subject: r[col["subject"]],
			UmPerPx: um, Img: img, Manual: manual,
		})
	}
	require.NotEmpty(t, out, "no %s images in the manifest", modality)
	return out
}
