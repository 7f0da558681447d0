// Command prep writes the training data for training/*.py and evaluates capillary
// probability maps: the real AOSLO images of the Cunefare et al. 2017 training set as raw
// float32 with their 0-based marks and the spacing imaging.ConeSpacingPx gives (the spacing
// the post-processing uses at inference), cone phantoms for augmentation, and capillary
// phantoms with their truth masks, a held-back set with the classical detector's result.
//
//	go run ./internal/trainprep data -shared ../shared -out training/work -seed 1
//	go run ./internal/trainprep capeval -work training/work -threshold 0.5
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: prep data|capeval [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "data":
		err = runData(os.Args[2:])
	case "capeval":
		err = runCapEval(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "prep:", err)
		os.Exit(1)
	}
}

// sample is one image in index.json.
type sample struct {
	File      string       `json:"file"`
	Name      string       `json:"name,omitempty"`
	Modality  string       `json:"modality"`
	Subject   string       `json:"subject,omitempty"`
	W         int          `json:"w"`
	H         int          `json:"h"`
	UmPerPx   float64      `json:"umPerPx,omitempty"`
	SpacingPx float64      `json:"spacingPx,omitempty"`
	Marks     [][2]float64 `json:"marks,omitempty"`
	Mask      string       `json:"mask,omitempty"`
	Truth     string       `json:"truth,omitempty"`
	Classical string       `json:"classical,omitempty"`
}

func writeF32(path string, v []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := binary.Write(f, binary.LittleEndian, v); err != nil {
		_ = f.Close() // the write error is the one to report
		return err
	}
	return f.Close()
}

func readF32(path string, n int) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != 4*n {
		return nil, fmt.Errorf("%s: %d bytes, want %d", path, len(b), 4*n)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func runData(args []string) error {
	fs := flag.NewFlagSet("data", flag.ExitOnError)
	sharedDir := fs.String("shared", "../shared", "shared folder holding data/ao-cunefare-2017-train")
	out := fs.String("out", "training/work", "output folder")
	seed := fs.Uint64("seed", 1, "seed of the phantoms")
	nCone := fs.Int("cone-phantoms", 48, "cone phantoms for augmentation")
	nCap := fs.Int("capillary-phantoms", 160, "capillary training phantoms")
	nCapTest := fs.Int("capillary-test", 24, "held-back capillary phantoms")
	_ = fs.Parse(args)
	for _, d := range []string{"real", "cones", "capillaries"} {
		if err := os.MkdirAll(filepath.Join(*out, d), 0o755); err != nil {
			return err
		}
	}
	if err := prepReal(*sharedDir, *out); err != nil {
		return err
	}
	if err := prepConePhantoms(*out, *seed, *nCone); err != nil {
		return err
	}
	return prepCapillaries(*out, *seed, *nCap, *nCapTest)
}

func prepReal(sharedDir, out string) error {
	root := filepath.Join(sharedDir, "data", "ao-cunefare-2017-train")
	entries, err := imageio.ReadManifest(root)
	if err != nil {
		return err
	}
	var index []sample
	for i, r := range entries {
		img, err := imageio.ReadImage(filepath.Join(root, r.Image))
		if err != nil {
			return err
		}
		marks, err := imageio.ReadPoints(filepath.Join(root, r.Coords), true)
		if err != nil {
			return err
		}
		um := r.UmPerPx
		mod, cm := "confocal", imaging.ConeConfocal
		if r.Modality == "split_detector" {
			mod, cm = "split", imaging.ConeSplitDetector
		}
		s := sample{
			File: fmt.Sprintf("real/%03d.f32", i), Name: filepath.Base(r.Image), Modality: mod,
			Subject: r.Subject, W: img.W, H: img.H, UmPerPx: um,
			SpacingPx: imaging.ConeSpacingPx(img, imaging.ConeDetectOptions{Modality: cm}),
		}
		for _, p := range marks {
			s.Marks = append(s.Marks, [2]float64{p.X, p.Y})
		}
		if err := writeF32(filepath.Join(out, s.File), img.Pix); err != nil {
			return err
		}
		index = append(index, s)
	}
	return writeJSON(filepath.Join(out, "real", "index.json"), index)
}

// prepConePhantoms renders single-frame confocal-like cone mosaics across eccentricity,
// sampling and SNR.
func prepConePhantoms(out string, seed uint64, n int) error {
	var index []sample
	for i := range n {
		fi := float64(i) / float64(max(n-1, 1))
		o := imaging.ConePhantomOptions{
			Width: 160, Height: 160, Seed: seed*1000 + uint64(i),
			EccentricityDeg: 0.6 + 2.4*fi, UmPerPx: 0.40 + 0.1*math.Mod(fi*7, 1),
			SNR: 4 + 12*math.Mod(fi*3, 1), Frames: 1,
		}
		img, truth := imaging.PhantomCones(o)
		s := sample{File: fmt.Sprintf("cones/%03d.f32", i), Modality: "confocal", W: img.W, H: img.H,
			UmPerPx: o.UmPerPx, SpacingPx: truth.SpacingPx}
		for _, p := range truth.Cones {
			s.Marks = append(s.Marks, [2]float64{p.X, p.Y})
		}
		if err := writeF32(filepath.Join(out, s.File), img.Pix); err != nil {
			return err
		}
		index = append(index, s)
	}
	return writeJSON(filepath.Join(out, "cones", "index.json"), index)
}

// capillaryOptions varies SNR, calibre, blur and tree count deterministically with i.
func capillaryOptions(seed uint64, i, size int) imaging.CapillaryPhantomOptions {
	u := func(k float64) float64 { return math.Mod(float64(i)*k+0.5*k, 1) }
	minD := 2 + 2*u(0.618)
	return imaging.CapillaryPhantomOptions{
		Size: size, Seed: seed, SNR: 3 + 17*u(0.382), Roots: 2 + i%4,
		MinDiameterPx: minD, MaxDiameterPx: minD + 2 + 5*u(0.271), PSFSigmaPx: 0.5 + 0.7*u(0.839),
	}
}

// tubeMask is the truth mask: pixels within each segment's radius of its centre-line.
func tubeMask(truth imaging.CapillaryTruth, w, h int) []float32 {
	m := make([]float32, w*h)
	for _, s := range truth.Segments {
		r := s.DiameterPx / 2
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range s.Points {
			x0, x1 = math.Min(x0, p.X), math.Max(x1, p.X)
			y0, y1 = math.Min(y0, p.Y), math.Max(y1, p.Y)
		}
		for y := max(0, int(y0-r-1)); y <= min(h-1, int(y1+r+1)); y++ {
			for x := max(0, int(x0-r-1)); x <= min(w-1, int(x1+r+1)); x++ {
				if distToPolyline(imaging.Point{X: float64(x), Y: float64(y)}, s.Points) <= r {
					m[y*w+x] = 1
				}
			}
		}
	}
	return m
}

func distToPolyline(p imaging.Point, line []imaging.Point) float64 {
	best := math.Inf(1)
	for i := 1; i < len(line); i++ {
		a, b := line[i-1], line[i]
		dx, dy := b.X-a.X, b.Y-a.Y
		t := 0.0
		if l2 := dx*dx + dy*dy; l2 > 0 {
			t = math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2))
		}
		best = math.Min(best, math.Hypot(p.X-a.X-t*dx, p.Y-a.Y-t*dy))
	}
	if len(line) == 1 {
		best = math.Hypot(p.X-line[0].X, p.Y-line[0].Y)
	}
	return best
}

func prepCapillaries(out string, seed uint64, n, nTest int) error {
	var train, test []sample
	for i := range n + nTest {
		size, split := 128, "train"
		if i >= n {
			size, split = 256, "test"
		}
		o := capillaryOptions(seed*100000+uint64(i), i, size)
		img, truth := imaging.PhantomCapillaries(o)
		s := sample{File: fmt.Sprintf("capillaries/%s%03d.f32", split, i), Modality: "any", W: size, H: size,
			Mask: fmt.Sprintf("capillaries/%s%03d.mask.f32", split, i), Truth: fmt.Sprintf("capillaries/%s%03d.truth.json", split, i)}
		if err := writeF32(filepath.Join(out, s.File), img.Pix); err != nil {
			return err
		}
		if err := writeF32(filepath.Join(out, s.Mask), tubeMask(truth, size, size)); err != nil {
			return err
		}
		if err := writeJSON(filepath.Join(out, s.Truth), truth); err != nil {
			return err
		}
		if split == "train" {
			train = append(train, s)
		} else {
			test = append(test, s)
		}
	}
	if err := writeJSON(filepath.Join(out, "capillaries", "train.json"), train); err != nil {
		return err
	}
	return writeJSON(filepath.Join(out, "capillaries", "test.json"), test)
}
