package imaging_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/stretchr/testify/require"
)

// sharedDataDir finds the shared folder: $AOMAS_SHARED_DIR, else ../shared next to the
// directory holding go.mod. A missing folder fails the test; it never skips.
func sharedDataDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("AOMAS_SHARED_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	require.NoError(t, err)
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(dir), "shared")
			_, err := os.Stat(shared)
			require.NoError(t, err, "shared data folder missing: expected %s next to the repository (or set AOMAS_SHARED_DIR)", shared)
			return shared
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("no go.mod above %s, cannot locate the shared data folder", wd)
		}
	}
}

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
