package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
)

// analyzeLayers reads name as an OCT volume whose pages are depths (what aomas phantom
// --kind volume writes), registers its B-scans, segments the retinal layers and writes the
// boundaries, in the file's own coordinates, to csvPath. umPerPx (0: unknown) is the lateral
// sampling, x and y alike.
func analyzeLayers(ctx context.Context, name, csvPath string, axialUm, umPerPx float64, stdout io.Writer) error {
	frames, err := imageio.ReadFrames(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w, h := frames[0].W, frames[0].H
	v := &imaging.Volume{X: w, Y: h, Z: len(frames), SpacingUm: [3]float64{umPerPx, umPerPx, axialUm}, Vox: make([]float32, w*h*len(frames))}
	for z, f := range frames {
		if f.W != w || f.H != h {
			return fmt.Errorf("%s: page %d is %d×%d, page 0 %d×%d", name, z, f.W, f.H, w, h)
		}
		copy(v.Vox[z*w*h:], f.Pix)
	}
	m, err := imaging.RegisterBScans(v, imaging.BScanRegisterOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	reg, err := imaging.CorrectBScanMotion(v, m)
	if err != nil {
		return err
	}
	lb, err := imaging.SegmentLayers(reg, imaging.LayerOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	f, err := os.Create(csvPath)
	if err != nil {
		return fmt.Errorf("create %s: %w", csvPath, err)
	}
	if err := imaging.WriteLayersCSV(f, lb.WithMotion(m)); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", csvPath, err)
	}
	fmt.Fprintf(stdout, "%s: %d B-scans × %d A-scans × %d depths; motion RMS %.2f px; boundaries written to %s\n",
		name, v.Y, v.X, v.Z, m.RMS(), csvPath)
	for _, l := range imaging.RetinalLayers {
		g := imaging.GridMean(imaging.GridOf(imaging.ThicknessMap(lb, l), 8), 4)
		fmt.Fprintf(stdout, "  %-8s thickness %.1f px (95%% CI %.1f–%.1f)\n", l.Name, g.Value, g.CI95Low, g.CI95High)
	}
	return nil
}
