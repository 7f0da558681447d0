//go:build !foundation_only

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aomas/aomas/ingest"
)

// inspectRecord is one line of `aomas inspect --json`; the keys are a published contract.
type inspectRecord struct {
	File              string     `json:"file"`
	Format            string     `json:"format"`
	Modality          string     `json:"modality"`
	SOPClassUID       string     `json:"sopClassUid"`
	TransferSyntaxUID string     `json:"transferSyntaxUid"`
	Frames            int        `json:"frames"`
	Rows              int        `json:"rows"`
	Cols              int        `json:"cols"`
	SamplesPerPixel   int        `json:"samplesPerPixel"`
	BitsAllocated     int        `json:"bitsAllocated"`
	SpacingUm         [3]float64 `json:"spacingUm"`
	Decodable         bool       `json:"decodable"`
	Error             *string    `json:"error"`
	// VolumeKind is FRAME_STACK (z is time) or OCT_VOLUME (z is depth), "" when the file
	// was not recognised; VolumeKindSource says who said so (FILE, SIDECAR, UPLOADER, DEFAULT).
	VolumeKind       string `json:"volumeKind"`
	VolumeKindSource string `json:"volumeKindSource"`
	// Dims are the volume's axes: for an OCT, x A-scans per B-scan, y B-scans, z depth
	// samples; for a frame stack, x columns, y rows, z frames. Spacing is in µm along each,
	// null where unknown.
	Dims    inspectDims    `json:"dims"`
	Spacing inspectSpacing `json:"spacing"`
	// DeviceBoundaries names the layer boundaries the device stored (a .vol), null otherwise.
	DeviceBoundaries []string `json:"deviceBoundaries"`
}

type inspectDims struct {
	X int `json:"x"`
	Y int `json:"y"`
	Z int `json:"z"`
}

type inspectSpacing struct {
	X    *float64 `json:"x"`
	Y    *float64 `json:"y"`
	Z    *float64 `json:"z"`
	Unit string   `json:"unit"`
}

func spacingOf(sp [3]float64) inspectSpacing {
	out := inspectSpacing{Unit: "um"}
	for i, p := range []**float64{&out.X, &out.Y, &out.Z} {
		if sp[i] > 0 {
			v := sp[i]
			*p = &v
		}
	}
	return out
}

// runInspect prints what the ingester sees in each file, without any service. It exits 2
// when any file is rejected.
func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	headerOnly := fs.Bool("header-only", false, "read headers only; do not decode the pixels to prove they decode")
	maxBytes := fs.Int64("max-bytes", ingest.DefaultMaxBytes, "reject files larger than this many bytes")
	kind := fs.String("volume-kind", "", "state the volume kind (FRAME_STACK or OCT_VOLUME) as an upload would; a file that says otherwise is rejected")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aomas inspect [--json] [--header-only] FILE...")
		fmt.Fprintln(stderr, "A raw volume FILE needs a sidecar FILE.json or FILE-without-extension.json beside it.")
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errExit(2)
	}
	var tw *tabwriter.Writer
	if !*asJSON {
		tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FILE\tFORMAT\tKIND\tMODALITY\tTRANSFER SYNTAX\tFRAMES\tROWS\tCOLS\tSPP\tBITS\tSPACING µm (x,y,z)\tDECODABLE\tERROR")
	}
	rejected := 0
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := inspectFile(name, ingest.Options{MaxBytes: *maxBytes, VolumeKind: *kind}, !*headerOnly)
		if rec.Error != nil {
			rejected++
		}
		if *asJSON {
			b, err := json.Marshal(rec)
			if err != nil {
				return fmt.Errorf("encode %s: %w", name, err)
			}
			if _, err := fmt.Fprintf(stdout, "%s\n", b); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			continue
		}
		errText := ""
		if rec.Error != nil {
			errText = *rec.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%t\t%s\n", rec.File, dash(rec.Format), dash(rec.VolumeKind), dash(rec.Modality),
			dash(rec.TransferSyntaxUID), rec.Frames, rec.Rows, rec.Cols, rec.SamplesPerPixel, rec.BitsAllocated,
			spacingText(rec.SpacingUm), rec.Decodable, errText)
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	if rejected > 0 {
		return errExit(2)
	}
	return nil
}

// inspectFile parses one file (and decodes it when decode is set) into a record; every
// failure, including one to open the file, becomes the record's error.
func inspectFile(name string, opts ingest.Options, decode bool) inspectRecord {
	rec := inspectRecord{File: name}
	fail := func(err error) inspectRecord {
		msg := err.Error()
		var rej *ingest.RejectError
		if errors.As(err, &rej) {
			msg = rej.Code + ": " + rej.Reason
		}
		rec.Error = &msg
		rec.Decodable = false
		return rec
	}
	f, err := os.Open(name)
	if err != nil {
		return fail(err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !st.Mode().IsRegular() {
		// Reading a FIFO or device could block for ever.
		return fail(fmt.Errorf("%s is not a regular file", name))
	}
	if sc, ok := findSidecar(name); ok {
		opts.Sidecar = sc
	}
	res, perr := ingest.Parse(f, st.Size(), name, opts)
	rec.Format, rec.Modality, rec.SOPClassUID, rec.TransferSyntaxUID = res.Format, res.Modality, res.SOPClassUID, res.TransferSyntaxUID
	rec.Frames, rec.Rows, rec.Cols = res.Frames, res.Rows, res.Cols
	rec.SamplesPerPixel, rec.BitsAllocated = res.SamplesPerPixel, res.BitsAllocated
	rec.SpacingUm, rec.Decodable = res.SpacingUm, res.Decodable
	rec.VolumeKind, rec.VolumeKindSource = res.VolumeKind, res.VolumeKindSource
	rec.Dims = inspectDims{X: res.Cols, Y: res.Rows, Z: res.Frames}
	rec.Spacing = spacingOf(res.SpacingUm)
	if res.Vol != nil {
		rec.DeviceBoundaries = res.Vol.BoundaryNames()
	}
	if perr != nil {
		return fail(perr)
	}
	if decode {
		if _, err := res.Volume(); err != nil {
			return fail(err)
		}
	}
	return rec
}

// findSidecar reads FILE.json or FILE-without-its-extension.json when either exists and is
// small; the content sniff in ingest.Parse still wins for DICOM and TIFF files.
func findSidecar(name string) ([]byte, bool) {
	for _, p := range []string{name + ".json", strings.TrimSuffix(name, filepath.Ext(name)) + ".json"} {
		if p == name {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() || st.Size() > 64<<10 {
			continue
		}
		b, err := os.ReadFile(p)
		if err == nil {
			return b, true
		}
	}
	return nil, false
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func spacingText(sp [3]float64) string {
	if sp == [3]float64{} {
		return "-"
	}
	parts := make([]string, 3)
	for i, v := range sp {
		parts[i] = strconv.FormatFloat(v, 'g', 6, 64)
	}
	return strings.Join(parts, ",")
}
