package imaging

import (
	"fmt"
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
	cat := []MetricInfo{
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
		{"nfl_coherence", "", "Mean coherence of the structure tensor, 0 (no direction, e.g. a cone mosaic) to 1 (perfect striation).",
			both("Near 0 on a cone mosaic; high on the nerve-fibre layer.", "Near 0 on a cone mosaic.")},
	}
	return append(cat, octMetricCatalog()...)
}

// octMetricCatalog lists the metrics only OCT runs record: per vascular slab of
// DefaultSlabs, per retinal layer, and of the nerve-fibre layer slab.
func octMetricCatalog() []MetricInfo {
	oct := func(meaning string) []ModalityMeaning { return []ModalityMeaning{{"oct", meaning}} }
	plexus := map[string]string{SlabSVP: "superficial", SlabICP: "intermediate", SlabDCP: "deep"}
	var out []MetricInfo
	for _, s := range DefaultSlabs() {
		p, ok := plexus[s.Name]
		if !ok {
			continue
		}
		slab := fmt.Sprintf("the %s vascular plexus slab (%s%+g to %s%+g voxels)", p, s.Top, s.TopOffsetPx, s.Bottom, s.BottomOffsetPx)
		out = append(out,
			MetricInfo{"capillary_area_density_" + s.Name, "%", "Share of the en-face field covered by capillaries in " + slab + ", Hessian vesselness, with a bootstrap 95% interval.", oct("Structural OCT: capillaries brighter than the surrounding layer.")},
			MetricInfo{"capillary_length_density_" + s.Name, "mm/mm²", "Capillary centre-line length per field area in " + slab + ". Needs a calibrated pixel size.", oct("Skeleton of the vessel mask.")},
			MetricInfo{"capillary_diameter_" + s.Name, "µm", "Mean capillary diameter (half-maximum width across the vessel) in " + slab + ". Needs a calibrated pixel size (else _px).", oct("Lateral resolution bounds the smallest measurable diameter.")},
			MetricInfo{"capillary_tortuosity_" + s.Name, "", "Mean path length over chord of the capillary branches in " + slab + " (1 is straight).", oct("Branches shorter than 15 px are left out.")},
		)
	}
	out = append(out, MetricInfo{"nfl_bundle_width", "µm", "Width of the bright nerve-fibre bundles on the NFL slab (ILM to NFL/GCL). Needs a calibrated pixel size (else nfl_bundle_width_px).", oct("From profiles across the fibres' orientation.")})
	for _, l := range RetinalLayers {
		out = append(out, MetricInfo{"thickness_" + l.Name, "µm",
			fmt.Sprintf("Mean thickness from %s to %s over the field, with a 95%% interval from 4×4 sub-regions. Needs the depth sampling (else thickness_%s_px, in voxels).",
				LayerBoundaryNames[l.Top], LayerBoundaryNames[l.Bottom], l.Name), oct("Boundaries by graph search on gradient images (Chiu et al. 2010).")})
	}
	return out
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
