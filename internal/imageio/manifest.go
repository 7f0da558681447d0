package imageio

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ManifestEntry is one image of a marked image set (the format of the shared
// ao-cunefare-2017-train folder): paths are relative to the folder.
type ManifestEntry struct {
	// Modality is as written (confocal, split_detector).
	Modality string
	Image    string
	Coords   string
	Subject  string
	W, H     int
	// UmPerPx is the pixel size the manifest states; 0 when it states none.
	UmPerPx float64
	// Marks is how many manual marks the coordinate file holds; -1 when not stated.
	Marks int
}

// manifestColumns are the columns a manifest must have.
var manifestColumns = []string{"modality", "image", "coords", "subject"}

// ReadManifest reads dir/manifest.csv: a header naming at least modality, image, coords
// and subject, optionally width, height, microns_per_pixel and n_manual.
func ReadManifest(dir string) ([]ManifestEntry, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("manifest.csv is empty")
	}
	col := map[string]int{}
	for i, n := range rows[0] {
		col[n] = i
	}
	for _, c := range manifestColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("manifest.csv has no %s column", c)
		}
	}
	get := func(r []string, name string) string {
		if i, ok := col[name]; ok && i < len(r) {
			return r[i]
		}
		return ""
	}
	out := make([]ManifestEntry, 0, len(rows)-1)
	for i, r := range rows[1:] {
		e := ManifestEntry{Modality: get(r, "modality"), Image: get(r, "image"), Coords: get(r, "coords"), Subject: get(r, "subject"), Marks: -1}
		e.W, _ = strconv.Atoi(get(r, "width"))
		e.H, _ = strconv.Atoi(get(r, "height"))
		if s := get(r, "microns_per_pixel"); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v > 0) {
				return nil, fmt.Errorf("manifest.csv line %d: microns_per_pixel %q is not a positive number", i+2, s)
			}
			e.UmPerPx = v
		}
		if s := get(r, "n_manual"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("manifest.csv line %d: n_manual %q is not a count", i+2, s)
			}
			e.Marks = n
		}
		out = append(out, e)
	}
	return out, nil
}
