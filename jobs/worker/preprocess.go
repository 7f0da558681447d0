package worker

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/jobs"
)

// preprocessOutput is the registered, averaged and normalised en-face image.
type preprocessOutput struct {
	ImageKey    string `json:"image_key"` // W·H little-endian float32 in [0, 1]
	ImageSHA256 string `json:"image_sha256"`
	PreviewKey  string `json:"preview_key"`
	W           int    `json:"w"`
	H           int    `json:"h"`
	Frames      int    `json:"frames"`
	// UmPerPx is the calibrated pixel size at preprocessing (0: none); PixelSizeSource says
	// where it came from. Metrics re-read the volume's calibration (it may be set later).
	UmPerPx         float64 `json:"um_per_px"`
	PixelSizeSource string  `json:"pixel_size_source"`
	// NotAOImage is why the file is not an adaptive-optics retinal image (a CT or MR DICOM);
	// such a run measures nothing and QC flags it.
	NotAOImage string  `json:"not_ao_image,omitempty"`
	SNR        float64 `json:"snr"`
	// MotionRMSPx is the RMS frame displacement found by registration (0 for one frame).
	MotionRMSPx float64 `json:"motion_rms_px"`
	// InputFeatures are the image's drift input features (imaging.DriftFeatures), measured
	// before normalisation, which would hide a change of illumination.
	InputFeatures map[string]float64 `json:"input_features,omitempty"`
}

// preprocessStep decodes the volume, registers and averages its frames when there are
// several, and normalises the result.
func preprocessStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	var in validateOutput
	if err := sc.input(jobs.StepValidate, &in); err != nil {
		return nil, err
	}
	raw, err := sc.get(ctx, in.VolumeKey)
	if err != nil {
		return nil, err
	}
	var opts ingest.Options
	if opts.Sidecar, opts.VolumeKind, err = readAgain(ctx, sc, in.VolumeID, in.SourceFormat); err != nil {
		return nil, err
	}
	if err := sc.report(ctx, 0.2, "decoding"); err != nil {
		return nil, err
	}
	res, err := ingest.Parse(bytes.NewReader(raw), int64(len(raw)), in.Filename, opts)
	if err == nil {
		if rej := ingest.CheckRetinal(res); rej != nil {
			// Not an AO retinal image (a CT or MR slice): nothing is decoded or measured, and
			// QC says why.
			return &stepResult{output: preprocessOutput{W: res.Cols, H: res.Rows, Frames: res.Frames,
				PixelSizeSource: db.PixelSizeNone, NotAOImage: rej.Reason}}, nil
		}
	}
	var vol *imaging.Volume
	if err == nil {
		vol, err = res.Volume()
	}
	if err != nil {
		var rej *ingest.RejectError
		if errors.As(err, &rej) {
			return nil, fmt.Errorf("decode volume %d: %w: %w", in.VolumeID, err, asynq.SkipRetry)
		}
		return nil, fmt.Errorf("decode volume %d: %w", in.VolumeID, err)
	}
	frames := make([]*imaging.Image, vol.Z)
	for z := range frames {
		n := vol.X * vol.Y
		frames[z] = &imaging.Image{W: vol.X, H: vol.Y, Pix: vol.Vox[z*n : (z+1)*n]}
	}
	out := preprocessOutput{W: vol.X, H: vol.Y, Frames: vol.Z}
	if out.UmPerPx, out.PixelSizeSource, err = calibration(ctx, sc.rt.db, sc.run, sc.params); err != nil {
		return nil, err
	}
	img := frames[0]
	if len(frames) > 1 {
		if err := sc.report(ctx, 0.4, fmt.Sprintf("registering %d frames", len(frames))); err != nil {
			return nil, err
		}
		motion, err := imaging.RegisterStack(frames, imaging.RegisterOptions{Workers: 1})
		if err != nil {
			return nil, fmt.Errorf("register frames: %w: %w", err, asynq.SkipRetry)
		}
		var ss float64
		for _, m := range motion {
			ss += m.DX*m.DX + m.DY*m.DY
		}
		out.MotionRMSPx = math.Sqrt(ss / float64(len(motion)))
		img = imaging.AverageFrames(frames, motion)
	}
	if err := sc.report(ctx, 0.7, "normalising"); err != nil {
		return nil, err
	}
	out.SNR = imaging.EstimateSNR(img)
	fin := imaging.DriftInputs{Image: img, Modality: imaging.ConeModality(sc.params.Modality)}
	if len(frames) > 1 {
		fin.MotionRMSPx = &out.MotionRMSPx
	}
	out.InputFeatures = imaging.DriftFeatures(fin)
	// Only the image's own features: the marks are the segment step's.
	delete(out.InputFeatures, imaging.FeatureCount)
	delete(out.InputFeatures, imaging.FeatureDensityPer10kPx2)
	norm := imaging.Normalize(img, imaging.NormalizeOptions{FlatFieldSigma: float64(max(img.W, img.H)) / 10})
	if out.ImageKey, err = sc.put(ctx, "image.f32", "application/octet-stream", "image", encodeFloat32(norm.Pix)); err != nil {
		return nil, err
	}
	out.ImageSHA256 = sc.arts[len(sc.arts)-1].SHA256
	preview, err := encodePNG(norm)
	if err != nil {
		return nil, err
	}
	if out.PreviewKey, err = sc.put(ctx, "preview.png", "image/png", "preview", preview); err != nil {
		return nil, err
	}
	return &stepResult{output: out}, nil
}

// readAgain returns what the file must be read with to give the volume ingest recorded: a
// raw volume's sidecar, rebuilt from the record, and the kind its uploader stated.
func readAgain(ctx context.Context, sc *stepContext, volumeID int64, format string) ([]byte, string, error) {
	v, err := db.VolumeByIDForRun(ctx, sc.rt.db, volumeID)
	if err != nil {
		return nil, "", err
	}
	if format != ingest.FormatRaw {
		return nil, v.StatedKind(), nil
	}
	b, err := ingest.RecordedSidecar([3]int{v.DimZ, v.DimY, v.DimX}, v.DataType, [3]*float64{v.SpacingXUm, v.SpacingYUm, v.SpacingZUm}, v.Axes())
	if err != nil {
		return nil, "", fmt.Errorf("sidecar of volume %d: %w", v.ID, err)
	}
	return b, v.StatedKind(), nil
}

// calibration is the pixel size the run measures with: the run's umPerPx parameter when
// given, else the volume's recorded pixel size (stated by the uploader or a technician, read
// from the file's physical metadata, or computed from a device calibration), else none (0,
// "NONE"). The file's spacing is never read here: ingest already judged it, and a TIFF's
// 72-dpi default is no pixel size.
func calibration(ctx context.Context, q sqlx.QueryerContext, run db.Run, rp jobs.RunParams) (float64, string, error) {
	if rp.UmPerPx > 0 {
		return rp.UmPerPx, "RUN", nil
	}
	v, err := db.VolumeByIDForRun(ctx, q, run.VolumeID)
	if err != nil {
		return 0, "", err
	}
	if v.PixelSizeSource == db.PixelSizeNone || v.SpacingXUm == nil || !(*v.SpacingXUm > 0) {
		return 0, db.PixelSizeNone, nil
	}
	return *v.SpacingXUm, v.PixelSizeSource, nil
}

func encodeFloat32(pix []float32) []byte {
	b := make([]byte, 4*len(pix))
	for i, v := range pix {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func decodeFloat32(b []byte, w, h int) (*imaging.Image, error) {
	if len(b) != 4*w*h {
		return nil, fmt.Errorf("image is %d bytes, want %d for %d×%d: %w", len(b), 4*w*h, w, h, asynq.SkipRetry)
	}
	img := imaging.NewImage(w, h)
	for i := range img.Pix {
		img.Pix[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return img, nil
}

// encodePNG writes an image in [0, 1] as 8-bit grey.
func encodePNG(img *imaging.Image) ([]byte, error) {
	g := image.NewGray(image.Rect(0, 0, img.W, img.H))
	for i, v := range img.Pix {
		g.Pix[i] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
