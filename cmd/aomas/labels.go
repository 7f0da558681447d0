package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/labels"
)

// runLabels is `aomas labels import`.
func runLabels(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "usage: aomas labels import --case CASE [--author NAME] PATH...")
		return &exitError{code: 2, err: errors.New("labels: want import")}
	}
	return runLabelsImport(ctx, args[1:], getenv, stdout, stderr)
}

// runLabelsImport brings AO coordinate files (`<image stem>_coords.csv`, comma separated,
// or `<image stem>_manualcoord.txt`, tab separated; x,y in MATLAB 1-based pixels) in as the
// next cone label version of the case's volume whose file has that stem. PATHs are files or
// folders (searched for coordinate files).
func runLabelsImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("labels import", flag.ContinueOnError)
	fset.SetOutput(stderr)
	caseArg := fset.String("case", "", "the case whose volumes the files belong to: its id (global or row number)")
	author := fset.String("author", "aomas labels import", "who the label versions are recorded as saved by")
	cf := newConfigFlags(fset, needDB|needRedis|needS3)
	if done, err := parseFlags(fset, args); done {
		if err == nil {
			err = errExit(0)
		}
		return err
	}
	if *caseArg == "" || fset.NArg() == 0 {
		return usageErr("labels import: --case and at least one PATH are required")
	}
	caseID, err := strconv.ParseInt(*caseArg, 10, 64)
	if err != nil {
		typ, n, derr := gid.Decode(*caseArg)
		if derr != nil || typ != "Case" {
			return usageErr("labels import: --case %q is not a case id", *caseArg)
		}
		caseID = n
	}
	var files []string
	for _, p := range fset.Args() {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if _, ok := labels.CoordsStem(path); ok && !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("labels import: %w", err)
		}
	}
	if len(files) == 0 {
		return usageErr("labels import: no coordinate files (*_coords.csv, *_manualcoord.txt) in the paths given")
	}
	c, err := cf.load(getenv)
	if err != nil {
		return err
	}
	logger := c.logger(stderr)
	d, err := connect(ctx, c, logger, 30*time.Second)
	if err != nil {
		return err
	}
	defer d.close()
	vols, err := db.VolumesByCaseIDs(ctx, d.db, []int64{caseID})
	if err != nil {
		return err
	}
	byStem := map[string][]db.Volume{}
	for _, v := range vols {
		if v.ArchivedAt == nil && v.Status == "READY" {
			byStem[labels.ImageStem(v.Filename)] = append(byStem[labels.ImageStem(v.Filename)], v)
		}
	}
	svc := &labels.Service{DB: d.db, Store: d.store}
	failed := 0
	for _, path := range files {
		stem, _ := labels.CoordsStem(path)
		match := byStem[stem]
		if len(match) != 1 {
			fmt.Fprintf(stderr, "%s: %d volumes of case %d have a file named %s.*: skipped\n", path, len(match), caseID, stem)
			failed++
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		pts, err := labels.ParseCoords(f)
		_ = f.Close()
		if err == nil {
			var l db.Label
			if l, err = svc.ImportMarks(ctx, match[0], pts, *author); err == nil {
				fmt.Fprintf(stdout, "%s\tvolume %d\t%d marks\tlabel version %d\n", path, match[0].ID, len(pts), l.Version)
				continue
			}
		}
		fmt.Fprintf(stderr, "%s: %v\n", path, err)
		failed++
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("labels import: %d of %d files not imported", failed, len(files))}
	}
	return nil
}
