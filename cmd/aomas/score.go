package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
)

// runScore scores a points CSV against manual marks with the Cunefare et al. 2017 protocol.
func runScore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	truthPath := fs.String("truth", "", "manual marks: x,y or x<TAB>y per line (header optional)")
	pointsPath := fs.String("points", "", "detected points CSV (x,y, 0-based), e.g. from aomas analyze --points-out")
	width := fs.Int("width", 0, "image width in px")
	height := fs.Int("height", 0, "image height in px")
	imagePath := fs.String("image", "", "image to take the width and height from")
	oneBased := fs.Bool("one-based-truth", false, "the truth file uses MATLAB 1-based coordinates (as the Cunefare data set)")
	asJSON := fs.Bool("json", false, "print the score as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aomas score --truth FILE --points FILE [--width W --height H | --image IMG] [--one-based-truth] [--json]")
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, args); done {
		return err
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "score: unexpected argument %q\n", fs.Arg(0))
		return errExit(2)
	case *truthPath == "" || *pointsPath == "":
		fmt.Fprintln(stderr, "score: --truth and --points are required")
		return errExit(2)
	case *imagePath == "" && (*width <= 0 || *height <= 0):
		fmt.Fprintln(stderr, "score: give --width and --height, or --image")
		return errExit(2)
	case *imagePath != "" && (*width != 0 || *height != 0):
		fmt.Fprintln(stderr, "score: give either --width/--height or --image, not both")
		return errExit(2)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w, h := *width, *height
	if *imagePath != "" {
		img, err := imageio.ReadImage(*imagePath)
		if err != nil {
			return err
		}
		w, h = img.W, img.H
	}
	manual, err := imageio.ReadPoints(*truthPath, *oneBased)
	if err != nil {
		return err
	}
	det, err := imageio.ReadPoints(*pointsPath, false)
	if err != nil {
		return err
	}
	if len(manual) < 2 {
		return fmt.Errorf("score: the truth file has %d marks; the protocol needs at least 2", len(manual))
	}
	s := imaging.ScoreDetections(det, manual, w, h)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "match radius %.3f px; TP %d FP %d FN %d\nsensitivity %.4f\nFDR %.4f\nDice %.4f\n",
		s.MatchRadius, s.TP, s.FP, s.FN, s.Sensitivity, s.FDR, s.Dice)
	return nil
}
