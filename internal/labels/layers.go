package labels

// A volume's "layers" label holds a labeler's corrections of retinal layer boundaries: per
// B-scan and layer, control points (x, z) in pixels through which the corrected boundary
// runs (linear between points, level beyond the first and last). One save changes one
// boundary; the label keeps the corrections of every B-scan, versioned like marks.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/aomas/aomas/db"
)

// LayersKind is the kind of label that holds boundary corrections.
const LayersKind = "layers"

// LayersFormat tags a layers document.
const LayersFormat = "aomas-layers"

// LayerNames are the retinal boundaries the pipeline segments, inner to outer, as its layers
// CSV names them.
var LayerNames = [...]string{"ILM", "NFL_GCL", "IPL_INL", "OPL_ONL", "ELM", "ISOS", "COST", "RPE_BM"}

// maxControlPoints bounds one corrected boundary (a B-scan is at most a few thousand A-scans wide).
const maxControlPoints = 512

// maxCorrections bounds the corrected boundaries one label holds (every layer of 2,048 B-scans).
const maxCorrections = 2048 * len(LayerNames)

// BoundaryPoint is a control point: x across the B-scan, z in depth, both in pixels.
type BoundaryPoint struct {
	X float64 `json:"x"`
	Z float64 `json:"z"`
}

// Correction is one corrected boundary.
type Correction struct {
	BScan  int             `json:"bscan"`
	Layer  string          `json:"layer"`
	Points []BoundaryPoint `json:"points"`
}

// LayersDocument is the document of a layers label.
type LayersDocument struct {
	Format      string       `json:"format"`
	Corrections []Correction `json:"corrections"`
}

// ParseLayers reads a layers document; "" (no version yet) is an empty one.
func ParseLayers(doc string) (LayersDocument, error) {
	if doc == "" {
		return LayersDocument{Format: LayersFormat, Corrections: []Correction{}}, nil
	}
	var d LayersDocument
	if err := json.Unmarshal([]byte(doc), &d); err != nil || d.Format != LayersFormat {
		return LayersDocument{}, fmt.Errorf("a layers label's document is not %s", LayersFormat)
	}
	return d, nil
}

// On returns the corrections of B-scan b, in LayerNames order.
func (d LayersDocument) On(b int) []Correction {
	var out []Correction
	for _, c := range d.Corrections {
		if c.BScan == b {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return layerRank(out[i].Layer) < layerRank(out[j].Layer) })
	return out
}

func layerRank(name string) int { return slices.Index(LayerNames[:], name) }

// Profile is the corrected boundary's depth at each x = 0..width-1: linear between control
// points, level before the first and after the last.
func (c Correction) Profile(width int) []float64 {
	out := make([]float64, width)
	p := c.Points
	if len(p) == 0 {
		return out
	}
	j := 0
	for x := range out {
		fx := float64(x)
		for j+1 < len(p) && p[j+1].X <= fx {
			j++
		}
		switch {
		case fx <= p[0].X:
			out[x] = p[0].Z
		case j+1 >= len(p):
			out[x] = p[len(p)-1].Z
		default:
			a, b := p[j], p[j+1]
			out[x] = a.Z + (b.Z-a.Z)*(fx-a.X)/(b.X-a.X)
		}
	}
	return out
}

// BoundaryInput is one corrected boundary to save: on B-scan BScan of a volume whose
// B-scans are Width pixels across and Depth deep (of BScans B-scans). No points removes
// the correction (the model's boundary stands again).
type BoundaryInput struct {
	VolumeID             int64
	BaseVersion          int
	BScan                int
	Layer                string
	Points               []BoundaryPoint
	Width, Depth, BScans int
	Author               string
}

func (in BoundaryInput) validate() error {
	if layerRank(in.Layer) < 0 {
		return &InputError{Reason: fmt.Sprintf("layer %q is not one of %v", in.Layer, LayerNames)}
	}
	if in.BScan < 0 || in.BScan >= in.BScans {
		return &InputError{Reason: fmt.Sprintf("B-scan %d is outside 0..%d", in.BScan, in.BScans-1)}
	}
	if len(in.Points) == 1 || len(in.Points) > maxControlPoints {
		return &InputError{Reason: fmt.Sprintf("a corrected boundary has 2 to %d control points (none to remove the correction)", maxControlPoints)}
	}
	for i, p := range in.Points {
		if math.IsNaN(p.X) || math.IsNaN(p.Z) || p.X < 0 || p.X > float64(in.Width-1) || p.Z < 0 || p.Z > float64(in.Depth-1) {
			return &InputError{Reason: fmt.Sprintf("control point %d (%g, %g) is outside the B-scan (x 0..%d, z 0..%d px)", i+1, p.X, p.Z, in.Width-1, in.Depth-1)}
		}
		if i > 0 && p.X <= in.Points[i-1].X {
			return &InputError{Reason: "control points must run left to right, one per x"}
		}
	}
	return nil
}

// Merge returns d with in's boundary put in (replacing the same B-scan and layer's), or taken
// out when in has no points.
func (d LayersDocument) Merge(in BoundaryInput) (LayersDocument, error) {
	out := LayersDocument{Format: LayersFormat, Corrections: make([]Correction, 0, len(d.Corrections)+1)}
	for _, c := range d.Corrections {
		if c.BScan != in.BScan || c.Layer != in.Layer {
			out.Corrections = append(out.Corrections, c)
		}
	}
	if len(in.Points) > 0 {
		out.Corrections = append(out.Corrections, Correction{BScan: in.BScan, Layer: in.Layer, Points: slices.Clone(in.Points)})
	}
	if len(out.Corrections) > maxCorrections {
		return LayersDocument{}, &InputError{Reason: fmt.Sprintf("a layers label holds at most %d corrected boundaries", maxCorrections)}
	}
	// A stable order: the same corrections give the same bytes (and the same content key).
	sort.SliceStable(out.Corrections, func(i, j int) bool {
		a, b := out.Corrections[i], out.Corrections[j]
		if a.BScan != b.BScan {
			return a.BScan < b.BScan
		}
		return layerRank(a.Layer) < layerRank(b.Layer)
	})
	return out, nil
}

// SaveBoundary stores in's corrected boundary as the volume's layers label's next version,
// if in.BaseVersion is still its current one (else a *StaleError, nothing written).
func (s *Service) SaveBoundary(ctx context.Context, in BoundaryInput) (db.Label, error) {
	if err := in.validate(); err != nil {
		return db.Label{}, err
	}
	cur := ""
	l, err := db.LabelOf(ctx, s.DB, in.VolumeID, LayersKind)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return db.Label{}, err
	default:
		if err := editable(l, in.BaseVersion); err != nil {
			return db.Label{}, err
		}
		if cur, err = s.Document(ctx, l); err != nil {
			return db.Label{}, err
		}
	}
	d, err := ParseLayers(cur)
	if err != nil {
		return db.Label{}, err
	}
	if d, err = d.Merge(in); err != nil {
		return db.Label{}, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return db.Label{}, fmt.Errorf("encode layers document: %w", err)
	}
	// Save checks the base version again under the row lock: a save in between is a conflict.
	return s.save(ctx, SaveInput{VolumeID: in.VolumeID, Kind: LayersKind, BaseVersion: in.BaseVersion, Document: string(b), Author: in.Author})
}

// describeLayers says what a save of a layers document changed: boundaries corrected,
// changed and reset; "" when next is not a layers document.
func describeLayers(prev, next []byte) string {
	if len(next) == 0 {
		return ""
	}
	n, err := ParseLayers(string(next))
	if err != nil {
		return ""
	}
	p := LayersDocument{}
	if prev != nil {
		if p, err = ParseLayers(string(prev)); err != nil {
			return ""
		}
	}
	key := func(c Correction) string { return fmt.Sprintf("%s on B-scan %d", c.Layer, c.BScan) }
	was := map[string]string{}
	for _, c := range p.Corrections {
		was[key(c)] = fmt.Sprint(c.Points)
	}
	now := map[string]string{}
	for _, c := range n.Corrections {
		now[key(c)] = fmt.Sprint(c.Points)
	}
	d := diffIDs(was, now)
	if d == (delta{}) {
		return "no change"
	}
	// One save changes one boundary: name it.
	if d.added+d.changed+d.removed == 1 {
		for k, v := range now {
			if old, ok := was[k]; !ok {
				return k + " corrected"
			} else if old != v {
				return k + " changed"
			}
		}
		for k := range was {
			if _, ok := now[k]; !ok {
				return k + " reset to the model's"
			}
		}
	}
	return appendWords(nil, d, "boundary", "changed")[0]
}
