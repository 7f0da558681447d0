package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/aomas/aomas/jobs/worker"
)

// analyzeRecord is what aomas analyze reports for one file.
type analyzeRecord struct {
	File      string                     `json:"file"`
	Width     int                        `json:"width"`
	Height    int                        `json:"height"`
	Frames    int                        `json:"frames"`
	Modality  string                     `json:"modality"`
	SpacingPx float64                    `json:"spacingPx"`
	ConeCount int                        `json:"coneCount"`
	UmPerPx   float64                    `json:"umPerPx,omitempty"`
	SNR       float64                    `json:"snr"`
	Motion    []imaging.FrameMotion      `json:"motion,omitempty"`
	Metrics   *imaging.ConeMetricsResult `json:"metrics,omitempty"`
	QC        []imaging.QCFlag           `json:"qc"`
	// Detector is what found the cones: the shipped model's "name version" or classical-log.
	Detector string `json:"detector"`
	// ModelUncertainty is the model's mean per-mark uncertainty (absent for classical).
	ModelUncertainty *float64        `json:"modelUncertainty,omitempty"`
	Points           []imaging.Point `json:"-"`
	normalisedImage  *imaging.Image
}

// runAnalyze registers, averages, normalises, detects cones in and measures each file.
func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	pointsOut := fs.String("points-out", "", "write the detected cone centres (x,y, 0-based px) to this CSV (one input file only)")
	overlayOut := fs.String("overlay-out", "", "write an RGB PNG with the detected cones over the image (one input file only)")
	umPerPx := fs.Float64("um-per-px", 0, "sampling in µm per px; needed for density and distances in µm")
	ecc := fs.Float64("eccentricity-deg", 0, "retinal eccentricity in degrees; sets the expected spacing and the normal density range")
	detector := fs.String("detector", "model", "cone detector: model (the shipped network for the modality, through ONNX Runtime on the CPU) or classical (LoG)")
	ortLib := fs.String("ort-lib", os.Getenv("AOMAS_ORT_LIB"), "the ONNX Runtime shared library, for --detector model (env AOMAS_ORT_LIB)")
	modality := fs.String("modality", string(imaging.ConeConfocal), "confocal or split-detector")
	axialUm := fs.Float64("axial-um", 0, "with --layers-out: the depth sampling in µm (places the layer search windows; unknown: 3.5)")
	layersOut := fs.String("layers-out", "", "treat FILE as an OCT volume (pages are depths, x A-scans, y B-scans), segment its retinal layers and write the boundaries to this CSV (bscan,x,layer,z; one input file only)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aomas analyze [--layers-out FILE.csv] [--json] [--points-out FILE.csv] [--um-per-px X] [--eccentricity-deg E] [--overlay-out FILE.png] [--detector model|classical] [--modality confocal|split-detector] FILE...")
		fmt.Fprintln(stderr, "FILE is a PNG or TIFF image; a multi-page TIFF is a frame stack, registered and averaged first.")
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, args); done {
		return err
	}
	var problem string
	switch {
	case fs.NArg() == 0:
		problem = "give at least one FILE"
	case (*pointsOut != "" || *overlayOut != "" || *layersOut != "") && fs.NArg() > 1:
		problem = "--points-out, --overlay-out and --layers-out take a single input FILE"
	case *detector != "classical" && *detector != "model":
		problem = fmt.Sprintf("--detector %q: want model or classical", *detector)
	case *modality != string(imaging.ConeConfocal) && *modality != string(imaging.ConeSplitDetector):
		problem = fmt.Sprintf("--modality %q: want confocal or split-detector", *modality)
	case *axialUm < 0 || *axialUm > 50 || math.IsNaN(*axialUm):
		problem = "--axial-um must be between 0 and 50"
	case *umPerPx < 0 || math.IsNaN(*umPerPx) || math.IsInf(*umPerPx, 0):
		problem = "--um-per-px must be positive"
	case *ecc < 0 || *ecc > 60 || math.IsNaN(*ecc):
		problem = "--eccentricity-deg must be between 0 and 60"
	}
	if problem != "" {
		fmt.Fprintf(stderr, "analyze: %s\n", problem)
		fs.Usage()
		return errExit(2)
	}
	if *layersOut != "" {
		return analyzeLayers(ctx, fs.Arg(0), *layersOut, *axialUm, *umPerPx, stdout)
	}
	cfg := analyzeConfig{umPerPx: *umPerPx, eccDeg: *ecc, modality: imaging.ConeModality(*modality)}
	if *detector == "model" {
		m, err := shippedConeModel(ctx, *ortLib, cfg.modality)
		if err != nil {
			fmt.Fprintf(stderr, "analyze: --detector model: %v (or use --detector classical)\n", err)
			return errExit(2)
		}
		cfg.model = m
	}
	var tw *tabwriter.Writer
	if !*asJSON {
		tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FILE\tSIZE\tFRAMES\tSPACING px\tCONES\tDENSITY /mm² (95% CI)\tNND µm\t% HEX\tSNR\tQC\tDETECTOR")
	}
	failed := 0
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := analyzeFile(ctx, name, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "analyze: %s: %v\n", name, err)
			failed++
			continue
		}
		if *pointsOut != "" {
			if err := imageio.WritePoints(*pointsOut, rec.Points); err != nil {
				return err
			}
		}
		if *overlayOut != "" {
			if err := imageio.WritePNG(*overlayOut, coneOverlay(rec.normalisedImage, rec.Points)); err != nil {
				return err
			}
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(rec); err != nil {
				return err
			}
			continue
		}
		density, nnd, hex := "-", "-", "-"
		if m := rec.Metrics; m != nil {
			density = fmt.Sprintf("%.0f (%.0f–%.0f)", m.DensityPerMM2.Value, m.DensityPerMM2.CI95Low, m.DensityPerMM2.CI95High)
			nnd = fmt.Sprintf("%.2f", m.NNDUm.Value)
			hex = fmt.Sprintf("%.1f", m.PercentHex.Value)
		}
		qc := "ok"
		if len(rec.QC) > 0 {
			qc = ""
			for i, f := range rec.QC {
				if i > 0 {
					qc += ","
				}
				qc += f.Code
			}
		}
		fmt.Fprintf(tw, "%s\t%d×%d\t%d\t%.2f\t%d\t%s\t%s\t%s\t%.1f\t%s\t%s\n", filepath.Base(rec.File), rec.Width, rec.Height,
			rec.Frames, rec.SpacingPx, rec.ConeCount, density, nnd, hex, rec.SNR, qc, rec.Detector)
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return errExit(1)
	}
	return nil
}

type analyzeConfig struct {
	umPerPx, eccDeg float64
	modality        imaging.ConeModality
	// model is the shipped cone model; nil: the classical detector.
	model *inference.Model
}

// analyzeFile runs the in-process pipeline on one file.
func analyzeFile(ctx context.Context, name string, cfg analyzeConfig) (*analyzeRecord, error) {
	frames, err := imageio.ReadFrames(name)
	if err != nil {
		return nil, err
	}
	rec := &analyzeRecord{File: name, Width: frames[0].W, Height: frames[0].H, Frames: len(frames),
		Modality: string(cfg.modality), UmPerPx: cfg.umPerPx}
	img := frames[0]
	if len(frames) > 1 {
		motion, err := imaging.RegisterStack(frames, imaging.RegisterOptions{})
		if err != nil {
			return nil, fmt.Errorf("register frames: %w", err)
		}
		rec.Motion = motion
		img = imaging.AverageFrames(frames, motion)
	}
	rec.SNR = imaging.EstimateSNR(img)
	norm := imaging.Normalize(img, imaging.NormalizeOptions{FlatFieldSigma: float64(max(img.W, img.H)) / 10})
	rec.normalisedImage = norm
	opts := imaging.ConeDetectOptions{Modality: cfg.modality}
	if cfg.eccDeg > 0 && cfg.umPerPx > 0 {
		opts.EccentricityDeg, opts.UmPerPx = cfg.eccDeg, cfg.umPerPx
	}
	rec.SpacingPx = imaging.ConeSpacingPx(norm, opts)
	// The pixel size alone (no eccentricity) still lets the detector tell rods from cones
	// once the spacing is known.
	opts.SpacingPx, opts.UmPerPx = rec.SpacingPx, cfg.umPerPx
	if cfg.model != nil {
		res, err := cfg.model.Cones(ctx, norm, rec.SpacingPx, true)
		if err != nil {
			return nil, fmt.Errorf("cone model: %w", err)
		}
		c := cfg.model.Card()
		rec.Points, rec.Detector = res.Points, c.Name+" "+c.Version
		mean := 0.0
		for _, u := range res.Uncertainty {
			mean += u
		}
		if len(res.Uncertainty) > 0 {
			mean /= float64(len(res.Uncertainty))
		}
		rec.ModelUncertainty = &mean
	} else {
		rec.Points, rec.Detector = imaging.DetectCones(norm, opts), "classical-log"
	}
	rec.ConeCount = len(rec.Points)
	qcIn := imaging.QCInput{SNR: rec.SNR, ConeCount: rec.ConeCount, CountCones: true,
		EccentricityDeg: cfg.eccDeg, HasEccentricity: cfg.eccDeg > 0, Limits: imaging.QCLimits{MaxUncertainty: worker.MaxModelUncertainty(cfg.modality)}}
	if rec.ModelUncertainty != nil {
		qcIn.ModelUncertainty = *rec.ModelUncertainty
	}
	if cfg.umPerPx > 0 {
		m := imaging.ConeMetrics(rec.Points, img.W, img.H, cfg.umPerPx, imaging.ConeMetricsOptions{})
		rec.Metrics = &m
		qcIn.DensityPerMM2 = m.DensityPerMM2.Value
	}
	rec.QC = imaging.QC(qcIn)
	if rec.QC == nil {
		rec.QC = []imaging.QCFlag{}
	}
	return rec, nil
}

// coneOverlay draws the image in grey with a red cross on every detected cone.
func coneOverlay(img *imaging.Image, pts []imaging.Point) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.W, img.H))
	for i, v := range img.Pix {
		g := uint8(math.Max(0, math.Min(1, float64(v)))*255 + 0.5)
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = g, g, g, 255
	}
	red := color.RGBA{R: 255, A: 255}
	for _, p := range pts {
		cx, cy := int(math.Round(p.X)), int(math.Round(p.Y))
		for d := -1; d <= 1; d++ {
			out.SetRGBA(cx+d, cy, red)
			out.SetRGBA(cx, cy+d, red)
		}
	}
	return out
}
