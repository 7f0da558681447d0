package labels

// This file reads the SPA's annotation documents (format "aomas-annotation", see
// frontend/src/features/annotation/engine/serialize.ts) far enough to say what a save
// changed, for a label's history: marks added, moved and removed, shapes, brush area.

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Format is the documents' format tag.
const Format = "aomas-annotation"

type shape struct {
	ID     string       `json:"id"`
	Points [][2]float64 `json:"points"`
}

type document struct {
	Format    string  `json:"format"`
	Points    [][]any `json:"points"`
	Polylines []shape `json:"polylines"`
	Polygons  []shape `json:"polygons"`
	Mask      []int64 `json:"mask"`
}

type mark struct {
	x, y   float64
	source string
}

// parsed is a document's marks by id, shapes by id and brush area.
type parsed struct {
	marks     map[string]mark
	polylines map[string]string
	polygons  map[string]string
	maskArea  int64
}

func parse(b []byte) (*parsed, bool) {
	var d document
	if json.Unmarshal(b, &d) != nil || d.Format != Format {
		return nil, false
	}
	p := &parsed{marks: make(map[string]mark, len(d.Points)), polylines: map[string]string{}, polygons: map[string]string{}}
	for _, t := range d.Points {
		// [id, x, y, source]
		if len(t) != 4 {
			return nil, false
		}
		id, ok1 := t[0].(string)
		x, ok2 := t[1].(float64)
		y, ok3 := t[2].(float64)
		source, ok4 := t[3].(string)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, false
		}
		p.marks[id] = mark{x: x, y: y, source: source}
	}
	for _, s := range d.Polylines {
		p.polylines[s.ID] = fmt.Sprint(s.Points)
	}
	for _, s := range d.Polygons {
		p.polygons[s.ID] = fmt.Sprint(s.Points)
	}
	// Run lengths alternate clear, set, clear, …
	for i, n := range d.Mask {
		if i%2 == 1 {
			p.maskArea += n
		}
	}
	return p, true
}

// Describe says in a few words what next changed against prev (nil for a label's first
// save), e.g. "+1 mark, 1 mark moved, −1 mark; +1 vessel line; mask +1,204 px", or "no change".
// It is empty when either is not an annotation document.
func Describe(prev, next []byte) string {
	if d := describeLayers(prev, next); d != "" {
		return d
	}
	n, ok := parse(next)
	if !ok {
		return ""
	}
	var parts []string
	if prev == nil {
		human := 0
		for _, m := range n.marks {
			if m.source == "human" {
				human++
			}
		}
		parts = append(parts, fmt.Sprintf("%s (%s by hand)", count(len(n.marks), "mark"), thousands(int64(human))))
		parts = appendWords(parts, delta{added: len(n.polylines)}, "vessel line", "changed")
		parts = appendWords(parts, delta{added: len(n.polygons)}, "region", "changed")
		if n.maskArea > 0 {
			parts = append(parts, "mask "+thousands(n.maskArea)+" px")
		}
		return strings.Join(parts, "; ")
	}
	p, ok := parse(prev)
	if !ok {
		return ""
	}
	parts = appendWords(parts, diffIDs(p.marks, n.marks), "mark", "moved")
	parts = appendWords(parts, diffIDs(p.polylines, n.polylines), "vessel line", "changed")
	parts = appendWords(parts, diffIDs(p.polygons, n.polygons), "region", "changed")
	if d := n.maskArea - p.maskArea; d != 0 {
		sign := "+"
		if d < 0 {
			sign, d = "−", -d
		}
		parts = append(parts, "mask "+sign+thousands(d)+" px")
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

// delta counts the ids only in next (added), in both but different (changed), only in prev.
type delta struct{ added, changed, removed int }

func diffIDs[V comparable](prev, next map[string]V) delta {
	var d delta
	for id, v := range next {
		if was, ok := prev[id]; !ok {
			d.added++
		} else if was != v {
			d.changed++
		}
	}
	for id := range prev {
		if _, ok := next[id]; !ok {
			d.removed++
		}
	}
	return d
}

// appendWords adds d in words, if any: "+1 vessel line, 1 vessel line changed, −2 vessel lines".
func appendWords(parts []string, d delta, noun, changed string) []string {
	var w []string
	if d.added > 0 {
		w = append(w, "+"+count(d.added, noun))
	}
	if d.changed > 0 {
		w = append(w, count(d.changed, noun)+" "+changed)
	}
	if d.removed > 0 {
		w = append(w, "−"+count(d.removed, noun))
	}
	if len(w) == 0 {
		return parts
	}
	return append(parts, strings.Join(w, ", "))
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(int64(n)) + " " + noun + "s"
}

// thousands writes n with commas: 50000 → "50,000".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
