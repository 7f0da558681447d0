package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
)

// runPhantom writes a synthetic AO image (or frame stack, or volume) and its truth.json.
func runPhantom(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("phantom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", "cones", "cones, capillaries, nerve-fibres or volume")
	size := fs.Int("size", 256, "image side in px (volume: x and y)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same files")
	ecc := fs.Float64("eccentricity-deg", 1.5, "retinal eccentricity in degrees (cones, volume)")
	snr := fs.Float64("snr", 0, "signal-to-noise ratio (0: the kind's default; see the truth file)")
	frames := fs.Int("frames", 1, "number of frames (cones): more than 1 writes a multi-page TIFF with motion")
	psf := fs.Float64("lateral-psf-um", 0.85, "volume: σ of the lateral PSF in µm, the speckle's grain (the speckle is the tissue's own: correlated across B-scans, moving with the eye); negative: speckle drawn per voxel")
	out := fs.String("out", "", "output directory (created if missing)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aomas phantom --kind cones|capillaries|nerve-fibres|volume --size N --seed S [--eccentricity-deg E] [--snr X] [--frames F] [--lateral-psf-um U] --out DIR")
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, args); done {
		return err
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "phantom: unexpected argument %q\n", fs.Arg(0))
		return errExit(2)
	case *out == "":
		fmt.Fprintln(stderr, "phantom: --out is required")
		return errExit(2)
	case *size < 16 || *size > 8192:
		fmt.Fprintln(stderr, "phantom: --size must be between 16 and 8192")
		return errExit(2)
	case *frames < 1 || *frames > 1024:
		fmt.Fprintln(stderr, "phantom: --frames must be between 1 and 1024")
		return errExit(2)
	case *snr < 0 || math.IsNaN(*snr):
		fmt.Fprintln(stderr, "phantom: --snr must be positive")
		return errExit(2)
	case *ecc < 0 || *ecc > 60:
		fmt.Fprintln(stderr, "phantom: --eccentricity-deg must be between 0 and 60")
		return errExit(2)
	case math.IsNaN(*psf) || *psf > 10:
		fmt.Fprintln(stderr, "phantom: --lateral-psf-um must be at most 10 (negative: speckle per voxel)")
		return errExit(2)
	}
	psfSet := false
	fs.Visit(func(f *flag.Flag) { psfSet = psfSet || f.Name == "lateral-psf-um" })
	if psfSet && *kind != "volume" {
		fmt.Fprintln(stderr, "phantom: --lateral-psf-um applies only to --kind volume")
		return errExit(2)
	}
	if *frames > 1 && *kind != "cones" {
		fmt.Fprintln(stderr, "phantom: --frames applies only to --kind cones")
		return errExit(2)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var imgs []*imaging.Image
	var truth any
	var layers *imaging.LayerBoundaries
	switch *kind {
	case "cones":
		imgs, truth = imaging.PhantomConeStack(imaging.ConePhantomOptions{
			Width: *size, Height: *size, Seed: *seed, EccentricityDeg: *ecc, SNR: *snr, Frames: *frames,
		})
	case "capillaries":
		img, t := imaging.PhantomCapillaries(imaging.CapillaryPhantomOptions{Size: *size, Seed: *seed, SNR: *snr})
		imgs, truth = []*imaging.Image{img}, t
	case "nerve-fibres", "nerve-fibers":
		img, t := imaging.PhantomNerveFibres(imaging.NervePhantomOptions{Size: *size, Seed: *seed, SNR: *snr})
		imgs, truth = []*imaging.Image{img}, t
	case "volume":
		vol, t := imaging.PhantomVolume(imaging.VolumePhantomOptions{X: *size, Y: *size, Seed: *seed, EccentricityDeg: *ecc, SNR: *snr, LateralPSFUm: *psf})
		imgs, truth = volumeSlices(vol), t
		layers = &imaging.LayerBoundaries{X: vol.X, Y: vol.Y, Z: t.Boundaries}
	default:
		fmt.Fprintf(stderr, "phantom: unknown --kind %q (want cones, capillaries, nerve-fibres or volume)\n", *kind)
		return errExit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	imgPath := filepath.Join(*out, "image.tif")
	if err := imageio.WriteTIFF16(imgPath, imgs); err != nil {
		return err
	}
	js, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return fmt.Errorf("encode truth: %w", err)
	}
	truthPath := filepath.Join(*out, "truth.json")
	if err := os.WriteFile(truthPath, append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	if layers != nil {
		// The layer boundaries' truth, in the format of aomas analyze --layers-out.
		p := filepath.Join(*out, "layers_truth.csv")
		f, err := os.Create(p)
		if err != nil {
			return fmt.Errorf("create %s: %w", p, err)
		}
		err = imaging.WriteLayersCSV(f, layers)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		truthPath += " and " + p
	}
	fmt.Fprintf(stdout, "wrote %s (%d×%d, %d page(s)) and %s\n", imgPath, imgs[0].W, imgs[0].H, len(imgs), truthPath)
	return nil
}

// volumeSlices turns a volume into one en-face (x, y) page per depth z, scaled to [0, 1] by
// its maximum so the 16-bit file keeps the dynamic range.
func volumeSlices(v *imaging.Volume) []*imaging.Image {
	var peak float32
	for _, x := range v.Vox {
		peak = max(peak, x)
	}
	if peak <= 0 {
		peak = 1
	}
	out := make([]*imaging.Image, v.Z)
	for z := range out {
		img := imaging.NewImage(v.X, v.Y)
		for i := range img.Pix {
			img.Pix[i] = v.Vox[z*v.X*v.Y+i] / peak
		}
		out[z] = img
	}
	return out
}
