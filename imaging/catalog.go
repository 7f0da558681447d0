package imaging

import (
	"sort"
	"strings"
)

// MetricInfo describes one metric the pipeline records: its name, unit and what it means,
// in general and per modality (confocal and split-detector AOSLO show different cells).
type MetricInfo struct {
	Name        string
	Unit        string
	Description string
	// Modalities maps a modality ("confocal", "split-detector") to what the metric means there.
	Modalities []ModalityMeaning
}

// ModalityMeaning is what a metric means in one modality.
type ModalityMeaning struct {
	Modality string
	Meaning  string
}

// MetricCatalog returns every metric the metrics step records, in table order. A metric
// recorded under a name not listed here is still served, but only a listed one has a meaning.
func MetricCatalog() []MetricInfo {
	both := func(confocal, split string) []ModalityMeaning {
		return []ModalityMeaning{{"confocal", confocal}, {"split-detector", split}}
	}
	return []MetricInfo{
		{"cone_count", "cells", "Cone photoreceptors detected in the image (bound and unbound).",
			both("Waveguiding cones: bright spots; rods and dim cones are missed near the fovea.",
				"Cone inner segments, including cones that do not waveguide; rods are not counted.")},
		{"cone_density", "cells/mm²", "Cones per square millimetre of retina over the bound cells' Voronoi area, with a bootstrap 95% interval. Needs a calibrated pixel size.",
			both("Density of reflective cones; lower than split-detector where cones are dim.",
				"Density of cone inner segments; the reference for diseased retina.")},
		{"nnd", "µm", "Mean nearest-neighbour distance between bound cones.",
			both("Spacing of waveguiding cones.", "Spacing of cone inner segments.")},
		{"icd", "µm", "Mean inter-cell distance: each bound cone's mean distance to its Voronoi neighbours.",
			both("Close to the row spacing of the mosaic.", "Close to the row spacing of the mosaic.")},
		{"percent_hex", "%", "Percentage of bound cones whose Voronoi cell has six sides (packing regularity).",
			both("Falls with missed or dark cones.", "Falls with lost inner segments.")},
		{"regularity_index", "", "Mean nearest-neighbour distance over its standard deviation (higher is more regular).",
			both("Regularity of the waveguiding mosaic.", "Regularity of the inner-segment mosaic.")},
		{"nfl_orientation", "°", "Dominant nerve-fibre orientation of the image, counter-clockwise from +x as seen on screen.",
			both("Meaningful where the focus is on the nerve-fibre layer.", "Rarely meaningful: split-detector images focus on photoreceptors.")},
		{"capillary_area_density", "%", "Percentage of the image covered by the capillary segmentation, with a bootstrap 95% interval.",
			both("Perfused capillaries where the image shows them; near 0 on a photoreceptor image.", "Rarely meaningful: split-detector images focus on photoreceptors.")},
		{"capillary_length_density", "mm/mm²", "Capillary centre-line length per area of retina, with a bootstrap 95% interval. Needs a calibrated pixel size.",
			both("Length of the capillary network per field.", "Rarely meaningful: split-detector images focus on photoreceptors.")},
		{"capillary_diameter", "µm", "Mean capillary diameter over the centre line, with a bootstrap 95% interval. Needs a calibrated pixel size.",
			both("Width of the vessel lumen as the segmentation sees it.", "Rarely meaningful: split-detector images focus on photoreceptors.")},
		{"capillary_tortuosity", "", "Mean ratio of branch path length to end-to-end distance between centre-line junctions (1 = straight).",
			both("Tortuosity of the capillary branches.", "Rarely meaningful: split-detector images focus on photoreceptors.")},
		{"nfl_coherence", "", "Mean coherence of the structure tensor, 0 (no direction, e.g. a cone mosaic) to 1 (perfect striation).",
			both("Near 0 on a cone mosaic; high on the nerve-fibre layer.", "Near 0 on a cone mosaic.")},
	}
}

// MetricNames returns the catalogued metric names.
func MetricNames() []string {
	cat := MetricCatalog()
	out := make([]string, len(cat))
	for i, m := range cat {
		out[i] = m.Name
	}
	return out
}

// CloseNames returns those of names within a small edit distance of name (ignoring case),
// closest first: the suggestions for a misspelled metric name.
func CloseNames(name string, names []string) []string {
	type cand struct {
		name string
		d    int
	}
	n := strings.ToLower(name)
	limit := max(2, len(n)/3)
	var cs []cand
	for _, c := range names {
		lc := strings.ToLower(c)
		d := editDistance(n, lc)
		if d <= limit || (len(n) >= 3 && strings.Contains(lc, n)) || (len(lc) >= 3 && strings.Contains(n, lc)) {
			cs = append(cs, cand{c, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
