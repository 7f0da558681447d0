package main

import (
	"fmt"
	"math"
	"os"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotPNG draws the four panels of the report into one PNG: RSS over time, queue depth,
// PostgreSQL connections against the pools' bound, and throughput against workers.
func plotPNG(r *result, path string) error {
	minutes := func(t float64) float64 { return t / 60 }
	soak := fmt.Sprintf(" (soak %.1f–%.1f min)", minutes(r.SoakFrom), minutes(r.SoakTo))

	rss := plot.New()
	rss.Title.Text = "Resident memory" + soak
	rss.X.Label.Text, rss.Y.Label.Text = "minutes", "RSS MiB"
	names := []string{}
	for _, s := range r.Samples {
		for n := range s.RSS {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	var lines []any
	for _, n := range names {
		var xy plotter.XYs
		for _, s := range r.Samples {
			if v, ok := s.RSS[n]; ok {
				xy = append(xy, plotter.XY{X: minutes(s.T), Y: v})
			}
		}
		lines = append(lines, n, xy)
	}
	if err := plotutil.AddLines(rss, lines...); err != nil {
		return err
	}
	rss.Legend.Top = true

	queue := plot.New()
	queue.Title.Text = "Queue depth" + soak
	queue.X.Label.Text, queue.Y.Label.Text = "minutes", "tasks"
	var waiting, active plotter.XYs
	for _, s := range r.Samples {
		if s.Waiting >= 0 {
			waiting = append(waiting, plotter.XY{X: minutes(s.T), Y: float64(s.Waiting)})
			active = append(active, plotter.XY{X: minutes(s.T), Y: float64(s.Active)})
		}
	}
	if err := plotutil.AddLines(queue, "waiting", waiting, "active", active); err != nil {
		return err
	}
	queue.Legend.Top = true

	conns := plot.New()
	conns.Title.Text = "PostgreSQL connections" + soak
	conns.X.Label.Text, conns.Y.Label.Text = "minutes", "connections"
	var used, bound plotter.XYs
	for _, s := range r.Samples {
		if s.PGConns >= 0 {
			used = append(used, plotter.XY{X: minutes(s.T), Y: float64(s.PGConns)})
			bound = append(bound, plotter.XY{X: minutes(s.T), Y: float64(poolSize * (1 + procsIn(s)))})
		}
	}
	if err := plotutil.AddLines(conns, "in use", used, "pools' bound", bound); err != nil {
		return err
	}
	conns.Legend.Top = true

	thr := plot.New()
	thr.Title.Text = fmt.Sprintf("Run throughput (%d CPUs)", r.NumCPU)
	thr.X.Label.Text, thr.Y.Label.Text = "worker processes", "runs/s"
	var got, cpuBound plotter.XYs
	var cpuPerRun float64
	for _, d := range r.Drains {
		got = append(got, plotter.XY{X: float64(d.Workers), Y: d.RunsPerSec})
		cpuPerRun = max(cpuPerRun, d.CPU/float64(max(d.Runs, 1)))
	}
	if len(got) > 0 {
		if err := plotutil.AddLinePoints(thr, "measured", got); err != nil {
			return err
		}
		if cpuPerRun > 0 {
			lim := float64(r.NumCPU) / cpuPerRun
			cpuBound = plotter.XYs{{X: got[0].X, Y: lim}, {X: got[len(got)-1].X, Y: lim}}
			if err := plotutil.AddLines(thr, "CPU bound (CPUs / worker CPU-s per run)", cpuBound); err != nil {
				return err
			}
		}
		thr.Y.Min = 0
		thr.Y.Max = math.Max(thr.Y.Max, 0.1)
		thr.Legend.Top = true
	}

	img := vgimg.New(vg.Points(1200), vg.Points(800))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 2, PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(8),
		PadX: vg.Points(24), PadY: vg.Points(24)}
	grid := [][]*plot.Plot{{rss, queue}, {conns, thr}}
	canvases := plot.Align(grid, tiles, dc)
	for i := range grid {
		for j := range grid[i] {
			grid[i][j].Draw(canvases[i][j])
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// procsIn counts the worker processes the sample saw (serve left out), or for a
// throughput phase, that phase's workers (they are not followed one by one).
func procsIn(s sample) int {
	var n int
	if _, err := fmt.Sscanf(s.Phase, "throughput-%d", &n); err == nil {
		return n
	}
	n = 0
	for name := range s.RSS {
		if name != "serve" {
			n++
		}
	}
	return n
}
