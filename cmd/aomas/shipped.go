package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/models"
)

// shippedModels are the models that come with aomas, embedded in the binary.
func shippedModels() fs.FS { return models.Shipped }

// shippedConeModel loads the shipped cone model for modality (one for any modality when
// none is for it) on the CPU.
func shippedConeModel(ctx context.Context, lib string, modality imaging.ConeModality) (*inference.Model, error) {
	if lib == "" {
		return nil, errors.New("no ONNX Runtime library: set AOMAS_ORT_LIB or --ort-lib (make deps puts it in .local/onnxruntime)")
	}
	if _, err := inference.Init(lib, inference.CPU); err != nil {
		return nil, err
	}
	want := "confocal"
	if modality == imaging.ConeSplitDetector {
		want = "split"
	}
	fsys := shippedModels()
	names, err := fs.Glob(fsys, "*.card.json")
	if err != nil {
		return nil, err
	}
	var pick *inference.Card
	var weights string
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		c, err := inference.ReadCard(b)
		if err != nil {
			return nil, fmt.Errorf("shipped card %s: %w", n, err)
		}
		if c.Task == inference.TaskCones && (c.Modality == want || (c.Modality == "any" && pick == nil)) {
			pick, weights = &c, strings.TrimSuffix(n, ".card.json")+".onnx"
		}
	}
	if pick == nil {
		return nil, fmt.Errorf("no shipped cone model for %s images", modality)
	}
	pool := inference.NewPool(filepath.Join(os.TempDir(), "aomas-model-cache"), 1)
	return pool.Model(ctx, *pick, func(context.Context) ([]byte, error) { return fs.ReadFile(fsys, weights) })
}
