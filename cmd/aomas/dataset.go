package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/intake"
)

// runDataset is `aomas dataset import`.
func runDataset(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "usage: aomas dataset import DIR --name NAME --project P [--case CASE | --eye OD|OS] [--limit N] [--modality M] [--subject S]")
		return &exitError{code: 2, err: errors.New("dataset: want import")}
	}
	return runDatasetImport(ctx, args[1:], getenv, stdout, stderr)
}

// runDatasetImport brings in the images of a folder in the format of the shared
// ao-cunefare-2017-train set (manifest.csv, images, coordinate files) as volumes of the
// project, each with its manual marks frozen as an item of the named dataset.
func runDatasetImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("dataset import", flag.ContinueOnError)
	fset.SetOutput(stderr)
	name := fset.String("name", "", "the dataset's name in the project (made when new)")
	project := fset.String("project", "", "the project the volumes and the dataset belong to")
	caseArg := fset.String("case", "", "a case of the project every image joins (global id or row number); else one case per subject")
	eye := fset.String("eye", "", "without --case: the eye (OD or OS) of the subjects' cases, which the manifest does not state")
	limit := fset.Int("limit", 0, "import only the first N images selected (0: all)")
	modality := fset.String("modality", "", "import only this modality: confocal or split-detector")
	subject := fset.String("subject", "", "import only this subject's images")
	cf := newConfigFlags(fset, needDB|needRedis|needS3)
	// The folder comes first; flags follow it.
	var dir string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		dir, args = args[0], args[1:]
	}
	if done, err := parseFlags(fset, args); done {
		if err == nil {
			err = errExit(0)
		}
		return err
	}
	if dir == "" && fset.NArg() == 1 {
		dir = fset.Arg(0)
	}
	if dir == "" || *name == "" || *project == "" {
		return usageErr("dataset import: DIR, --name and --project are required")
	}
	if *modality != "" && *modality != "confocal" && *modality != "split-detector" {
		return usageErr("dataset import: --modality is confocal or split-detector")
	}
	if *limit < 0 {
		return usageErr("dataset import: --limit is a count")
	}
	var caseID int64
	if *caseArg != "" {
		n, err := strconv.ParseInt(*caseArg, 10, 64)
		if err != nil {
			typ, id, derr := gid.Decode(*caseArg)
			if derr != nil || typ != "Case" {
				return usageErr("dataset import: --case %q is not a case id", *caseArg)
			}
			n = id
		}
		caseID = n
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
	in := &intake.Service{DB: d.db, Store: d.store, SubjectKey: c.SubjectKey, MaxBytes: c.MaxUpload, TempDir: filepath.Join(c.DataDir, "tmp")}
	svc := &evaluation.Service{DB: d.db, Store: d.store, Logger: logger}
	ds, done, err := svc.Import(ctx, in, evaluation.ImportOptions{Dir: dir, Project: *project, Dataset: *name, CaseID: caseID, Eye: *eye,
		Limit: *limit, Modality: *modality, Subject: *subject})
	for _, im := range done {
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%d marks\n", im.Image, gid.Encode("Volume", im.VolumeID), im.Modality, im.Marks)
	}
	if err != nil {
		return fmt.Errorf("dataset import: %w", err)
	}
	fmt.Fprintf(stdout, "dataset %s (%s): %d images imported\n", ds.Name, gid.Encode("Dataset", ds.ID), len(done))
	return nil
}
