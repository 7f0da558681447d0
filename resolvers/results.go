package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/jobs"
)

// preprocessFigures are the preprocess step's outputs the metrics step measured with.
type preprocessFigures struct {
	W       int     `json:"w"`
	H       int     `json:"h"`
	UmPerPx float64 `json:"um_per_px"`
}

// MaxCellDistributionsPerOperation bounds the Run.cellDistributions fields one operation may
// resolve: each reads a run's marks and builds their Voronoi cells, so a listing of runs
// must not multiply that work.
const MaxCellDistributionsPerOperation = 4

// cellDistributions histograms the bound cells of run's stored cone marks, in the image and
// pixel size the metrics step used (px units when that size is unknown); nil before the
// preprocess and segment steps stored their outputs. The work is bounded by maxPointsCSV.
func (r *Resolver) cellDistributions(ctx context.Context, run *db.Run, bins int) (*model.CellDistributions, error) {
	if bins < 5 || bins > 100 {
		return nil, &codedError{code: CodeInvalidInput, msg: fmt.Sprintf("bins %d: want 5 to 100", bins)}
	}
	if n := r.loaders(ctx).cellDistributions.Add(1); n > MaxCellDistributionsPerOperation {
		return nil, invalidInput(fmt.Sprintf("at most %d cellDistributions may be asked for in one request", MaxCellDistributionsPerOperation))
	}
	steps, err := db.PipelineSteps(ctx, r.DB, run.ID)
	if err != nil {
		return nil, err
	}
	var pre *preprocessFigures
	var calibrated *float64 // the metrics step's pixel size: set again when a volume is calibrated later
	for _, s := range steps {
		switch {
		case s.Name == jobs.StepPreprocess && s.Output != nil:
			pre = &preprocessFigures{}
			if err := json.Unmarshal([]byte(*s.Output), pre); err != nil {
				return nil, fmt.Errorf("preprocess output of run %d: %w", run.ID, err)
			}
		case s.Name == jobs.StepMetrics && s.Output != nil:
			var m struct {
				UmPerPx *float64 `json:"um_per_px"`
			}
			if err := json.Unmarshal([]byte(*s.Output), &m); err != nil {
				return nil, fmt.Errorf("metrics output of run %d: %w", run.ID, err)
			}
			calibrated = m.UmPerPx
		}
	}
	csv, err := r.modelPoints(ctx, run.ID)
	if pre == nil || csv == nil || err != nil {
		return nil, err
	}
	pts, err := parsePointsCSV(*csv)
	if err != nil {
		return nil, fmt.Errorf("points of run %d: %w", run.ID, err)
	}
	umPerPx := pre.UmPerPx
	if calibrated != nil {
		umPerPx = *calibrated
	}
	cells := imaging.ConeCells(pts, pre.W, pre.H)
	scale, length, area := 1.0, "px", "px²"
	if umPerPx > 0 {
		scale, length, area = umPerPx, "µm", "µm²"
	}
	nnd := make([]float64, len(cells))
	icd := make([]float64, len(cells))
	areas := make([]float64, len(cells))
	for i, c := range cells {
		nnd[i], icd[i], areas[i] = c.NNDPx*scale, c.ICDPx*scale, c.AreaPx2*scale*scale
	}
	return &model.CellDistributions{
		Nnd:  histogram(imaging.NewHistogram(nnd, bins), length),
		Icd:  histogram(imaging.NewHistogram(icd, bins), length),
		Area: histogram(imaging.NewHistogram(areas, bins), area),
	}, nil
}

func histogram(h imaging.Histogram, unit string) *model.Histogram {
	return &model.Histogram{Unit: unit, Min: h.Min, BinWidth: h.BinWidth, Counts: h.Counts, Total: h.Total, Mean: h.Mean}
}

// parsePointsCSV reads the segment step's points (a header, then x,y per line, more columns ignored).
func parsePointsCSV(s string) ([]imaging.Point, error) {
	lines := strings.Split(s, "\n")
	out := make([]imaging.Point, 0, len(lines))
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if i == 0 || line == "" {
			continue
		}
		xs, rest, ok := strings.Cut(line, ",")
		ys, _, _ := strings.Cut(rest, ",")
		x, errX := strconv.ParseFloat(xs, 64)
		y, errY := strconv.ParseFloat(ys, 64)
		if !ok || errX != nil || errY != nil {
			return nil, fmt.Errorf("line %d: %q is not x,y", i+1, line)
		}
		out = append(out, imaging.Point{X: x, Y: y})
	}
	return out, nil
}
