package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/stretchr/testify/require"
)

// TestPhantomAnalyzeScore runs the three tools end to end on a cone phantom.
func TestPhantomAnalyzeScore(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out, errb bytes.Buffer
	require.NoError(t, runPhantom(ctx, []string{"--kind", "cones", "--size", "160", "--seed", "3", "--out", dir}, &out, &errb), errb.String())
	var truth imaging.ConeTruth
	js, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &truth))
	require.NotEmpty(t, truth.Cones)
	require.Contains(t, string(js), `"umPerPx"`)

	pts := filepath.Join(dir, "points.csv")
	overlay := filepath.Join(dir, "overlay.png")
	out.Reset()
	require.NoError(t, runAnalyze(ctx, []string{"--json", "--points-out", pts, "--overlay-out", overlay,
		"--um-per-px", "0.5", "--eccentricity-deg", "1.5", filepath.Join(dir, "image.tif")}, &out, &errb), errb.String())
	var rec analyzeRecord
	require.NoError(t, json.Unmarshal(out.Bytes(), &rec))
	require.NotNil(t, rec.Metrics)
	csv, err := os.ReadFile(pts)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(csv, []byte("x,y\n")))
	_, err = imageio.ReadFrames(overlay)
	require.NoError(t, err)

	truthCSV := filepath.Join(dir, "truth.csv")
	require.NoError(t, imageio.WritePoints(truthCSV, truth.Cones))
	out.Reset()
	require.NoError(t, runScore(ctx, []string{"--truth", truthCSV, "--points", pts, "--image", filepath.Join(dir, "image.tif"), "--json"}, &out, &errb), errb.String())
	var s imaging.Score
	require.NoError(t, json.Unmarshal(out.Bytes(), &s))
	t.Logf("phantom → analyze → score: %d cones detected, Dice %.4f, density %.0f/mm² (truth %.0f)",
		rec.ConeCount, s.Dice, rec.Metrics.DensityPerMM2.Value, truth.DensityPerMM2)
	require.GreaterOrEqual(t, s.Dice, 0.97)
	require.Equal(t, "cones-confocal 1.0.0", rec.Detector, "analyze runs the shipped model by default")
	require.NotNil(t, rec.ModelUncertainty)

	// --detector classical keeps the classical detector.
	out.Reset()
	require.NoError(t, runAnalyze(ctx, []string{"--json", "--detector", "classical", "--points-out", pts, "--um-per-px", "0.5",
		"--eccentricity-deg", "1.5", filepath.Join(dir, "image.tif")}, &out, &errb), errb.String())
	var cls analyzeRecord
	require.NoError(t, json.Unmarshal(out.Bytes(), &cls))
	require.Equal(t, "classical-log", cls.Detector)
	require.Nil(t, cls.ModelUncertainty)
	out.Reset()
	require.NoError(t, runScore(ctx, []string{"--truth", truthCSV, "--points", pts, "--image", filepath.Join(dir, "image.tif"), "--json"}, &out, &errb), errb.String())
	var sc imaging.Score
	require.NoError(t, json.Unmarshal(out.Bytes(), &sc))
	t.Logf("classical: %d cones, Dice %.4f", cls.ConeCount, sc.Dice)
	require.GreaterOrEqual(t, sc.Dice, 0.97)

	out.Reset()
	require.NoError(t, runAnalyze(ctx, []string{filepath.Join(dir, "image.tif")}, &out, &errb))
	require.Contains(t, out.String(), "CONES")
}

func TestPhantomKinds(t *testing.T) {
	for _, kind := range []string{"cones", "capillaries", "nerve-fibres", "volume", "volume --lateral-psf-um -1"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			var out, errb bytes.Buffer
			args := append([]string{"--kind"}, strings.Fields(kind)...)
			require.NoError(t, runPhantom(context.Background(), append(args, "--size", "48", "--seed", "1", "--out", dir), &out, &errb), errb.String())
			frames, err := imageio.ReadFrames(filepath.Join(dir, "image.tif"))
			require.NoError(t, err)
			require.Equal(t, 48, frames[0].W)
			js, err := os.ReadFile(filepath.Join(dir, "truth.json"))
			require.NoError(t, err)
			require.True(t, json.Valid(js))
		})
	}
}

func TestPhantomStackAnalyze(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	ctx := context.Background()
	require.NoError(t, runPhantom(ctx, []string{"--size", "128", "--frames", "4", "--out", dir}, &out, &errb), errb.String())
	frames, err := imageio.ReadFrames(filepath.Join(dir, "image.tif"))
	require.NoError(t, err)
	require.Len(t, frames, 4)
	out.Reset()
	require.NoError(t, runAnalyze(ctx, []string{"--json", filepath.Join(dir, "image.tif")}, &out, &errb), errb.String())
	var rec analyzeRecord
	require.NoError(t, json.Unmarshal(out.Bytes(), &rec))
	require.Equal(t, 4, rec.Frames)
	require.Len(t, rec.Motion, 4)
	require.Greater(t, rec.ConeCount, 50)
}

func TestToolsBadInput(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "x.tif")
	require.NoError(t, os.WriteFile(notImage, []byte("not an image"), 0o644))
	tests := []struct {
		name string
		run  func(context.Context, []string, io.Writer, io.Writer) error
		args []string
		code int
	}{
		{"phantom without out", runPhantom, []string{"--kind", "cones"}, 2},
		{"phantom unknown kind", runPhantom, []string{"--kind", "rods", "--out", dir}, 2},
		{"phantom bad size", runPhantom, []string{"--size", "-3", "--out", dir}, 2},
		{"phantom bad flag", runPhantom, []string{"--nope"}, 2},
		{"phantom bad PSF", runPhantom, []string{"--kind", "volume", "--lateral-psf-um", "NaN", "--out", dir}, 2},
		{"phantom PSF of a plane", runPhantom, []string{"--kind", "cones", "--lateral-psf-um", "1", "--out", dir}, 2},
		{"analyze no file", runAnalyze, nil, 2},
		{"analyze bad detector", runAnalyze, []string{"--detector", "cnn", notImage}, 2},
		{"analyze bad modality", runAnalyze, []string{"--modality", "oct", notImage}, 2},
		{"analyze not an image", runAnalyze, []string{notImage}, 1},
		{"analyze missing file", runAnalyze, []string{filepath.Join(dir, "missing.png")}, 1},
		{"score no size", runScore, []string{"--truth", notImage, "--points", notImage}, 2},
		{"score no truth", runScore, []string{"--points", notImage, "--width", "5", "--height", "5"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := tc.run(context.Background(), tc.args, &out, &errb)
			var ee *exitError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, tc.code, ee.code)
			require.NotEmpty(t, errb.String())
		})
	}
	var out, errb bytes.Buffer
	err := runScore(context.Background(), []string{"--truth", notImage, "--points", notImage, "--width", "9", "--height", "9"}, &out, &errb)
	require.ErrorContains(t, err, "at least 2")
}

// BenchmarkAnalyzeStack times aomas analyze end to end on a 32-frame 512×512 stack (read,
// register, average, normalise, detect, metrics, QC); the target is ≤ 2 s.
func BenchmarkAnalyzeStack(b *testing.B) {
	dir := b.TempDir()
	frames, _ := imaging.PhantomConeStack(imaging.ConePhantomOptions{Width: 512, Height: 512, Frames: 32, Seed: 1})
	path := filepath.Join(dir, "stack.tif")
	require.NoError(b, imageio.WriteTIFF16(path, frames))
	args := []string{"--json", "--um-per-px", "0.5", path}
	b.ResetTimer()
	for b.Loop() {
		require.NoError(b, runAnalyze(context.Background(), args, io.Discard, io.Discard))
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/stack")
}
