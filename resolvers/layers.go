package resolvers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/labels"
)

// MaxBScanFieldsPerOperation bounds the Run.layers and Volume.layerCorrections fields one
// operation may resolve: each reads a whole volume's boundaries or corrections.
const MaxBScanFieldsPerOperation = 4

// MaxThicknessMapsPerOperation bounds the Run.thicknessMap fields one operation may resolve.
const MaxThicknessMapsPerOperation = 8

// maxLayersCSV bounds a run's layers artifact (512 B-scans × 512 A-scans × 8 boundaries is
// about 50 MB of CSV).
const maxLayersCSV = 192 << 20

// layerTable is a run's boundaries, dense: z of boundary l at (b, x) is
// z[(b·len(LayerNames)+l)·X + x], NaN where the step found none.
type layerTable struct {
	X, Y int
	z    []float32
}

func (t *layerTable) bytes() int { return len(t.z) * 4 }

// bscan returns B-scan b's boundaries, inner to outer, leaving out boundaries found nowhere on it.
func (t *layerTable) bscan(b int) []*model.LayerBoundary {
	out := make([]*model.LayerBoundary, 0, len(labels.LayerNames))
	for l, name := range labels.LayerNames {
		row := t.z[(b*len(labels.LayerNames)+l)*t.X:][:t.X]
		zs := make([]*float64, t.X)
		found := false
		for x, v := range row {
			if !math.IsNaN(float64(v)) {
				f := float64(v)
				zs[x], found = &f, true
			}
		}
		if found {
			out = append(out, &model.LayerBoundary{Layer: model.RetinalLayer(name), Z: zs})
		}
	}
	return out
}

// parseLayersCSV reads the layers step's CSV (header bscan,x,layer,z; 0-based pixels) of a
// volume nx A-scans wide with ny B-scans. A row outside the volume, an unknown layer or a
// depth that is not a number is an error naming its line.
func parseLayersCSV(r io.Reader, nx, ny int) (*layerTable, error) {
	if nx <= 0 || ny <= 0 || nx*ny > 1<<26 {
		return nil, fmt.Errorf("layers of a %d×%d volume: out of range", nx, ny)
	}
	L := len(labels.LayerNames)
	t := &layerTable{X: nx, Y: ny, z: make([]float32, nx*ny*L)}
	nan := float32(math.NaN())
	for i := range t.z {
		t.z[i] = nan
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			if string(s) != "bscan,x,layer,z" {
				return nil, fmt.Errorf("line 1: header %q is not bscan,x,layer,z", s)
			}
			continue
		}
		if len(s) == 0 {
			continue
		}
		// Bytes, not strings: a 512-B-scan volume has two million rows.
		bs, rest, ok1 := bytes.Cut(s, comma)
		xs, rest, ok2 := bytes.Cut(rest, comma)
		name, zs, ok3 := bytes.Cut(rest, comma)
		b, okB := atoi(bs)
		x, okX := atoi(xs)
		z, errZ := strconv.ParseFloat(string(zs), 32)
		l := layerIndex(name)
		switch {
		case !ok1 || !ok2 || !ok3 || !okB || !okX || errZ != nil || math.IsInf(z, 0):
			return nil, fmt.Errorf("line %d: %q is not bscan,x,layer,z", line, s)
		case b >= ny || x >= nx:
			return nil, fmt.Errorf("line %d: B-scan %d, x %d is outside the %d×%d volume", line, b, x, nx, ny)
		case l < 0:
			return nil, fmt.Errorf("line %d: layer %q is not one of %v", line, name, labels.LayerNames)
		}
		t.z[(b*L+l)*nx+x] = float32(z)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

var comma = []byte{','}

// atoi reads a non-negative decimal of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func layerIndex(name []byte) int {
	for i, n := range labels.LayerNames {
		if string(name) == n {
			return i
		}
	}
	return -1
}

// LayerTables keeps the parsed layers of recent runs, so that stepping through B-scans
// parses a run's CSV once; the same table asked for at once is parsed once.
type LayerTables struct {
	flight singleflight.Group
	mu     sync.Mutex
	done   *lru.Cache[string, *layerTable]
	keep   int
	kept   int
}

// DefaultLayerTablesKeep is the bytes of parsed boundaries kept (a 512×512×8 table is 8 MB).
const DefaultLayerTablesKeep = 64 << 20

// NewLayerTables keeps up to keep bytes of parsed tables (DefaultLayerTablesKeep when 0).
func NewLayerTables(keep int) *LayerTables {
	if keep <= 0 {
		keep = DefaultLayerTablesKeep
	}
	t := &LayerTables{keep: keep}
	t.done, _ = lru.NewWithEvict(1<<12, func(_ string, v *layerTable) { t.kept -= v.bytes() })
	return t
}

func (t *LayerTables) get(key string) (*layerTable, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done.Get(key)
}

func (t *LayerTables) put(key string, v *layerTable) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v.bytes() > t.keep/2 {
		return
	}
	t.done.Add(key, v)
	t.kept += v.bytes()
	for t.kept > t.keep {
		t.done.RemoveOldest()
	}
}

// runArtifactOf returns run's artifact of kind, or nil.
func (r *Resolver) runArtifactOf(ctx context.Context, runID int64, kind string) (*db.Artifact, error) {
	arts, err := r.loaders(ctx).artifacts.Load(ctx, runID)
	if err != nil {
		return nil, err
	}
	for _, a := range arts {
		if a.Kind == kind {
			return a, nil
		}
	}
	return nil, nil
}

// countBScanField refuses the field past MaxBScanFieldsPerOperation in one operation.
func (r *Resolver) countBScanField(ctx context.Context) error {
	if n := r.loaders(ctx).bscanFields.Add(1); n > MaxBScanFieldsPerOperation {
		return invalidInput(fmt.Sprintf("at most %d layers or layerCorrections fields may be asked for in one request", MaxBScanFieldsPerOperation))
	}
	return nil
}

func checkBScan(v *db.Volume, b int) error {
	if b < 0 || b >= v.DimY {
		return invalidInput(fmt.Sprintf("B-scan %d is outside 0..%d", b, v.DimY-1))
	}
	return nil
}

// runLayers returns B-scan b's boundaries of run, nil before the layers step stored them.
func (r *Resolver) runLayers(ctx context.Context, run *db.Run, b int) ([]*model.LayerBoundary, error) {
	v, err := load(ctx, r.loaders(ctx).volume, run.VolumeID, "volume")
	if err != nil {
		return nil, err
	}
	if err := checkBScan(v, b); err != nil {
		return nil, err
	}
	if err := r.countBScanField(ctx); err != nil {
		return nil, err
	}
	a, err := r.runArtifactOf(ctx, run.ID, "layers")
	if a == nil || err != nil {
		return nil, err
	}
	if r.Store == nil {
		return nil, &codedError{code: CodeUnavailable, msg: "object storage is not configured on this server"}
	}
	if a.SizeBytes > maxLayersCSV {
		return nil, invalidInput("the run's layers are too large to read")
	}
	key := fmt.Sprintf("%s:%d:%d", a.SHA256, v.DimX, v.DimY)
	if r.LayerTables != nil {
		if t, ok := r.LayerTables.get(key); ok {
			return t.bscan(b), nil
		}
	}
	// Shared by every request waiting for it, so it must not end with the first that gives up.
	parse := func() (any, error) {
		rc, err := r.Store.Get(context.WithoutCancel(ctx), a.ObjectKey)
		if err != nil {
			return nil, fmt.Errorf("layers of run %d: %w", run.ID, err)
		}
		defer func() { _ = rc.Close() }()
		t, err := parseLayersCSV(io.LimitReader(rc, maxLayersCSV), v.DimX, v.DimY)
		if err != nil {
			return nil, fmt.Errorf("layers of run %d: %w", run.ID, err)
		}
		if r.LayerTables != nil {
			r.LayerTables.put(key, t)
		}
		return t, nil
	}
	if r.LayerTables == nil {
		t, err := parse()
		if err != nil {
			return nil, err
		}
		return t.(*layerTable).bscan(b), nil
	}
	ch := r.LayerTables.flight.DoChan(key, parse)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*layerTable).bscan(b), nil
	}
}

var thicknessName = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}$`)

// thicknessGrid is a stored thickness map: a ScalarGrid, with the unit of its values when
// the step said ("µm" or "px"; px when it did not).
type thicknessGrid struct {
	imaging.ScalarGrid
	Unit string `json:"unit"`
}

// runThickness returns run's thickness map of layer, in µm when the volume's depth spacing
// is known (or the map is stored in µm), else in px; nil when the run stored none.
func (r *Resolver) runThickness(ctx context.Context, run *db.Run, layer string) (*model.ThicknessMap, error) {
	if !thicknessName.MatchString(layer) {
		return nil, invalidInput(fmt.Sprintf("layer %q: want a name like ILM or RPE_BM", layer))
	}
	if n := r.loaders(ctx).thicknessMaps.Add(1); n > MaxThicknessMapsPerOperation {
		return nil, invalidInput(fmt.Sprintf("at most %d thickness maps may be asked for in one request", MaxThicknessMapsPerOperation))
	}
	g, err := runGrid[thicknessGrid](ctx, r, run.ID, "thickness:"+layer)
	if g == nil || err != nil {
		return nil, err
	}
	if g.Cols <= 0 || g.Rows <= 0 || g.CellPx <= 0 || len(g.Values) != g.Cols*g.Rows {
		return nil, fmt.Errorf("thickness map %s of run %d: %d values for %d×%d cells", layer, run.ID, len(g.Values), g.Cols, g.Rows)
	}
	grid := g.ScalarGrid
	switch g.Unit {
	case "µm", "um":
		return &model.ThicknessMap{Layer: layer, Grid: &grid, Unit: "µm"}, nil
	case "", "px":
	default:
		return nil, fmt.Errorf("thickness map %s of run %d: unit %q is neither µm nor px", layer, run.ID, g.Unit)
	}
	v, err := load(ctx, r.loaders(ctx).volume, run.VolumeID, "volume")
	if err != nil {
		return nil, err
	}
	// Depth samples become µm only through a recorded depth spacing: never a guessed one.
	if v.SpacingZUm == nil || !(*v.SpacingZUm > 0) || math.IsInf(*v.SpacingZUm, 0) {
		return &model.ThicknessMap{Layer: layer, Grid: &grid, Unit: "px"}, nil
	}
	vals := make([]float64, len(grid.Values))
	for i, x := range grid.Values {
		vals[i] = x * *v.SpacingZUm
	}
	grid.Values = vals
	return &model.ThicknessMap{Layer: layer, Grid: &grid, Unit: "µm"}, nil
}

// runThicknessLayers names the run's thickness maps, in the order they were stored.
func (r *Resolver) runThicknessLayers(ctx context.Context, run *db.Run) ([]string, error) {
	arts, err := r.loaders(ctx).artifacts.Load(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, a := range arts {
		if name, ok := strings.CutPrefix(a.Kind, "thickness:"); ok && thicknessName.MatchString(name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// slabParam is one slab definition in a run's parameters (imaging.Slab's JSON, which the
// pipeline records in every OCT run's parameters, defaults included).
type slabParam struct {
	Name           string   `json:"name"`
	Top            *string  `json:"top"`
	Bottom         *string  `json:"bottom"`
	TopOffsetPx    *float64 `json:"topOffsetPx"`
	BottomOffsetPx *float64 `json:"bottomOffsetPx"`
	Mode           *string  `json:"mode"`
}

// runSlabs lists the slabs run defined (its parameters' "slabs") and those it projected
// (artifacts "slab:<name>", the float32 projection, and "slab-preview:<name>", its PNG: the
// image), definitions first in their order.
func (r *Resolver) runSlabs(ctx context.Context, run *db.Run) ([]*model.Slab, error) {
	var params struct {
		Slabs []slabParam `json:"slabs"`
	}
	// Parameters are the run's own; ones that are not this shape define no slabs.
	if err := json.Unmarshal([]byte(run.Params), &params); err != nil {
		params.Slabs = nil
	}
	arts, err := r.loaders(ctx).artifacts.Load(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	out := []*model.Slab{}
	byName := map[string]*model.Slab{}
	for _, p := range params.Slabs {
		if p.Name == "" || byName[p.Name] != nil || len(out) >= 64 {
			continue
		}
		s := &model.Slab{Name: p.Name, Top: p.Top, Bottom: p.Bottom, TopOffsetPx: p.TopOffsetPx, BottomOffsetPx: p.BottomOffsetPx, Projection: p.Mode}
		byName[p.Name] = s
		out = append(out, s)
	}
	for _, a := range arts {
		name, ok := strings.CutPrefix(a.Kind, "slab:")
		preview, isPreview := strings.CutPrefix(a.Kind, "slab-preview:")
		if isPreview {
			name, ok = preview, true
		}
		if !ok || name == "" || (byName[name] == nil && len(out) >= 64) {
			continue
		}
		s := byName[name]
		if s == nil {
			s = &model.Slab{Name: name}
			byName[name] = s
			out = append(out, s)
		}
		if isPreview && s.Image == nil {
			s.Image = a
		}
	}
	return out, nil
}

// volumeLayerCorrections returns the corrections on B-scan b of the volume's layers label.
func (r *Resolver) volumeLayerCorrections(ctx context.Context, v *db.Volume, b int) ([]*model.LayerCorrection, error) {
	if err := checkBScan(v, b); err != nil {
		return nil, err
	}
	if err := r.countBScanField(ctx); err != nil {
		return nil, err
	}
	l, err := db.LabelOf(ctx, r.DB, v.ID, labels.LayersKind)
	if errors.Is(err, db.ErrNotFound) {
		return []*model.LayerCorrection{}, nil
	}
	if err != nil {
		return nil, err
	}
	doc, err := r.Labels.Document(ctx, l)
	if err != nil {
		return nil, err
	}
	d, err := labels.ParseLayers(doc)
	if err != nil {
		return nil, fmt.Errorf("layers label %d: %w", l.ID, err)
	}
	out := []*model.LayerCorrection{}
	for _, c := range d.On(b) {
		pts := make([]*model.LayerPoint, len(c.Points))
		for i, p := range c.Points {
			pts[i] = &model.LayerPoint{X: p.X, Z: p.Z}
		}
		out = append(out, &model.LayerCorrection{Bscan: b, Layer: model.RetinalLayer(c.Layer), Points: pts, Z: c.Profile(v.DimX)})
	}
	return out, nil
}

// saveLayerBoundary hands a corrected boundary to the labels service once the volume is
// known to be the caller's; the B-scan's size bounds the control points.
func (r *Resolver) saveLayerBoundary(ctx context.Context, in model.SaveLayerBoundaryInput) (*db.Label, error) {
	volumeID, err := r.ownedID(ctx, in.VolumeID, "Volume")
	if err != nil {
		return nil, err
	}
	v, err := load(ctx, r.loaders(ctx).volume, volumeID, "volume")
	if err != nil {
		return nil, err
	}
	pts := make([]labels.BoundaryPoint, len(in.Points))
	for i, p := range in.Points {
		pts[i] = labels.BoundaryPoint{X: p.X, Z: p.Z}
	}
	l, err := r.Labels.SaveBoundary(ctx, labels.BoundaryInput{VolumeID: volumeID, BaseVersion: in.BaseVersion, BScan: in.Bscan,
		Layer: string(in.Layer), Points: pts, Width: v.DimX, Depth: v.DimZ, BScans: v.DimY, Author: actor(ctx)})
	if err != nil {
		return nil, err
	}
	return &l, nil
}
