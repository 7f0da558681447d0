// Command ortbench measures the Go + ONNX Runtime inference path (inference.Model.Heatmaps:
// normalisation, padding, tiling, batched runs, stitching) in images/s on the device asked
// for, and checks agreement: it writes a fixed input and the network's raw output on it, and
// compares two such outputs. scripts/bench/gpu/run.sh drives it beside PyTorch eager.
//
//	ortbench -card C -onnx M -device cuda -size 512 -batches 1,8,32 -dtype fp16
//	ortbench -card C -onnx M -device cpu -dump DIR   (DIR/input.f32, DIR/output-cpu-fp32.f32)
//	ortbench -compare A.f32 B.f32
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/inference"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ortbench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		lib     = flag.String("lib", os.Getenv("AOMAS_ORT_LIB"), "libonnxruntime.so.1 (providers beside it for cuda)")
		device  = flag.String("device", "cpu", "cpu, cuda or auto")
		cardF   = flag.String("card", "inference/testdata/unet-small.card.json", "model card")
		onnxF   = flag.String("onnx", "", "weights (default: beside the card, <name>.onnx); a different file (fp16) keeps the card but its own digest")
		dtype   = flag.String("dtype", "fp32", "label for the weights' precision")
		size    = flag.Int("size", 512, "image side in px")
		batches = flag.String("batches", "1,8", "images per call")
		seconds = flag.Float64("seconds", 3, "minimum time per batch size")
		threads = flag.Int("threads", 0, "intra-op threads (0: one per core)")
		nospin  = flag.Bool("nospin", false, "idle intra-op threads sleep instead of spinning")
		dump    = flag.String("dump", "", "write input.f32 and output-<device>-<dtype>.f32 (batch 1) here instead of timing")
		compare = flag.Bool("compare", false, "compare the two .f32 files given as arguments")
	)
	flag.Parse()
	if *compare {
		return compareFiles(flag.Arg(0), flag.Arg(1))
	}
	want, err := inference.ParseDevice(*device)
	if err != nil {
		return err
	}
	dev, err := inference.Init(*lib, want)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "ortbench: device", inference.Describe())
	cb, err := os.ReadFile(*cardF)
	if err != nil {
		return err
	}
	card, err := inference.ReadCard(cb)
	if err != nil {
		return err
	}
	if *onnxF == "" {
		*onnxF = filepath.Join(filepath.Dir(*cardF), card.Name+".onnx")
	}
	weights, err := os.ReadFile(*onnxF)
	if err != nil {
		return err
	}
	card.SHA256 = digest(weights)
	cache, err := os.MkdirTemp("", "ortbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)
	pool := inference.NewPool(cache, 1)
	defer pool.Close()
	if *threads > 0 {
		pool.SetIntraOpThreads(*threads)
	}
	pool.SetSpinning(!*nospin)
	ctx := context.Background()
	model, err := pool.Model(ctx, card, func(context.Context) ([]byte, error) { return weights, nil })
	if err != nil {
		return err
	}
	if *dump != "" {
		return dumpIO(ctx, model, *dump, string(dev), *dtype, *size)
	}
	for _, s := range strings.Split(*batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad batch %q", s)
		}
		ips, err := throughput(ctx, model.WithTiling(inference.Tiling{Size: *size, Overlap: 64, Batch: n}), n, *size, *seconds)
		if err != nil {
			return fmt.Errorf("batch %d: %w", n, err)
		}
		line, _ := json.Marshal(map[string]any{"impl": "go-ort", "device": string(dev), "dtype": *dtype,
			"batch": n, "size": *size, "images_per_s": ips, "threads": *threads, "spinning": !*nospin})
		fmt.Println(string(line))
	}
	return nil
}

// throughput runs batches of n noise images until at least seconds have passed (after one
// warm-up call) and returns images/s.
func throughput(ctx context.Context, m *inference.Model, n, size int, seconds float64) (float64, error) {
	r := rand.New(rand.NewPCG(1, 2))
	imgs := make([]*imaging.Image, n)
	for i := range imgs {
		imgs[i] = imaging.NewImage(size, size)
		for k := range imgs[i].Pix {
			imgs[i].Pix[k] = r.Float32()
		}
	}
	if _, err := m.Heatmaps(ctx, imgs); err != nil {
		return 0, err
	}
	runs, start := 0, time.Now()
	for runs < 2 || time.Since(start).Seconds() < seconds {
		if _, err := m.Heatmaps(ctx, imgs); err != nil {
			return 0, err
		}
		runs++
	}
	return float64(runs*n) / time.Since(start).Seconds(), nil
}

// dumpIO writes a fixed standard-normal input (1×1×size×size) and the raw output on it.
func dumpIO(ctx context.Context, m *inference.Model, dir, dev, dtype string, size int) error {
	r := rand.New(rand.NewPCG(3, 4))
	in := make([]float32, size*size)
	for i := range in {
		in[i] = float32(r.NormFloat64())
	}
	out, err := m.Raw(ctx, in, 1, size, size)
	if err != nil {
		return err
	}
	if err := writeF32(filepath.Join(dir, "input.f32"), in); err != nil {
		return err
	}
	return writeF32(filepath.Join(dir, fmt.Sprintf("output-%s-%s.f32", dev, dtype)), out)
}

func writeF32(path string, v []float32) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return os.WriteFile(path, b, 0o644)
}

func readF32(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// compareFiles prints the largest absolute difference and the largest difference relative
// to max(|b|, 1e-3) between two outputs.
func compareFiles(a, b string) error {
	x, err := readF32(a)
	if err != nil {
		return err
	}
	y, err := readF32(b)
	if err != nil {
		return err
	}
	if len(x) != len(y) || len(x) == 0 {
		return fmt.Errorf("%s has %d values, %s has %d", a, len(x), b, len(y))
	}
	var maxAbs, maxRel float64
	for i := range x {
		d := math.Abs(float64(x[i]) - float64(y[i]))
		maxAbs = math.Max(maxAbs, d)
		maxRel = math.Max(maxRel, d/math.Max(math.Abs(float64(y[i])), 1e-3))
	}
	line, _ := json.Marshal(map[string]any{"a": filepath.Base(a), "b": filepath.Base(b), "n": len(x), "max_abs": maxAbs, "max_rel": maxRel})
	fmt.Println(string(line))
	return nil
}

func digest(b []byte) string {
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
