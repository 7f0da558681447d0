package worker

// The layers step of an OCT run, and the artifacts it leaves for the viewer:
//
//   - kind "layers", layers.csv: the boundaries, header bscan,x,layer,z, one row per B-scan,
//     column and boundary (ILM, NFL_GCL, IPL_INL, OPL_ONL, ELM, ISOS, COST, RPE_BM), z in
//     voxels (0-based, voxel centres at integers, two decimals), in the coordinates of the
//     volume as uploaded (B-scan b is the plane y = b; motion is put back), so they draw
//     straight over the volume's B-scans.
//   - kind "thickness:<LAYER>", thickness-<LAYER>.json: an imaging.ScalarGrid of the layer's
//     thickness in voxels over the en-face plane (x across, y = B-scan), for LAYER in RNFL,
//     GCL_IPL, INL_OPL, ONL, IS, OS, RPE, TOTAL (imaging.RetinalLayers).
//   - kind "slab:<name>", slab-<name>.f32 (W·H little-endian float32 in [0, 1]) and kind
//     "slab-preview:<name>", slab-<name>.png: each slab's en-face projection after motion
//     correction; the photoreceptor slab is also the run's "image" and "preview".

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/jobs"
)

// layersOutput is what the layers step hands on: the photoreceptor slab in the place of the
// preprocessed image (so segment finds the cones there), and the OCT results.
type layersOutput struct {
	preprocessOutput
	Bscans int `json:"bscans"`
	Depth  int `json:"depth"`
	// AxialUm is the calibrated depth sampling (0: none; thicknesses stay in voxels).
	AxialUm            float64                 `json:"axial_um"`
	LayersKey          string                  `json:"layers_key"`
	Slabs              map[string]slabArtifact `json:"slabs"`
	MotionLateralRMSPx float64                 `json:"motion_lateral_rms_px"`
	MotionAxialRMSPx   float64                 `json:"motion_axial_rms_px"`
	// ThicknessKeys maps each layer to its thickness grid's key.
	ThicknessKeys map[string]string `json:"thickness_keys"`
}

type slabArtifact struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
}

// enFace decodes the en-face input of segment, metrics and QC: the preprocessed image of a
// frame stack, or the photoreceptor slab of an OCT volume (then also returned in full).
func (sc *stepContext) enFace(out *preprocessOutput) (*layersOutput, error) {
	if _, ok := sc.inputs[jobs.StepLayers]; ok {
		var lo layersOutput
		if err := sc.input(jobs.StepLayers, &lo); err != nil {
			return nil, err
		}
		*out = lo.preprocessOutput
		return &lo, nil
	}
	return nil, sc.input(jobs.StepPreprocess, out)
}

// layersStep registers the B-scans of an OCT volume, segments its retinal layers, and
// projects the run's slabs.
func layersStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	in, res, err := parseInput(ctx, sc, 0.05)
	if err != nil {
		return nil, err
	}
	vol, err := res.Volume()
	if err != nil {
		return nil, decodeError(in.VolumeID, err)
	}
	if vol.X < 16 || vol.Y < 4 || vol.Z < 32 {
		return nil, fmt.Errorf("volume %d is %d×%d×%d: too small for an OCT volume (at least 16 A-scans, 4 B-scans, 32 depth samples): %w",
			in.VolumeID, vol.X, vol.Y, vol.Z, asynq.SkipRetry)
	}
	out := layersOutput{Bscans: vol.Y, Depth: vol.Z, Slabs: map[string]slabArtifact{}, ThicknessKeys: map[string]string{}}
	out.W, out.H, out.Frames = vol.X, vol.Y, vol.Z
	if out.UmPerPx, out.PixelSizeSource, err = calibration(ctx, sc.rt.db, sc.run, sc.params); err != nil {
		return nil, err
	}
	if out.PixelSizeSource != db.PixelSizeNone {
		v, err := db.VolumeByIDForRun(ctx, sc.rt.db, sc.run.VolumeID)
		if err != nil {
			return nil, err
		}
		if v.SpacingZUm != nil && *v.SpacingZUm > 0 {
			out.AxialUm = *v.SpacingZUm
		}
	}
	if err := sc.report(ctx, 0.15, fmt.Sprintf("registering %d B-scans", vol.Y)); err != nil {
		return nil, err
	}
	motion, err := imaging.RegisterBScans(vol, imaging.BScanRegisterOptions{Workers: 1})
	if err != nil {
		return nil, fmt.Errorf("register B-scans: %w: %w", err, asynq.SkipRetry)
	}
	for i := range motion.DX {
		out.MotionLateralRMSPx += motion.DX[i] * motion.DX[i] / float64(vol.Y)
		out.MotionAxialRMSPx += motion.DZ[i] * motion.DZ[i] / float64(vol.Y)
	}
	out.MotionLateralRMSPx, out.MotionAxialRMSPx = math.Sqrt(out.MotionLateralRMSPx), math.Sqrt(out.MotionAxialRMSPx)
	out.MotionRMSPx = motion.RMS()
	reg, err := imaging.CorrectBScanMotion(vol, motion)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err := sc.report(ctx, 0.35, "segmenting retinal layers"); err != nil {
		return nil, err
	}
	lb, err := imaging.SegmentLayers(reg, imaging.LayerOptions{AxialUm: out.AxialUm, Workers: 1})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	var csv bytes.Buffer
	if err := imaging.WriteLayersCSV(&csv, lb.WithMotion(motion)); err != nil {
		return nil, err
	}
	if out.LayersKey, err = sc.put(ctx, "layers.csv", "text/csv", "layers", csv.Bytes()); err != nil {
		return nil, err
	}
	cell := max(1, (max(vol.X, vol.Y)+127)/128)
	for _, l := range imaging.RetinalLayers {
		g, err := encodeGrid("thickness", imaging.GridOf(imaging.ThicknessMap(lb, l), cell))
		if err != nil {
			return nil, err
		}
		if out.ThicknessKeys[l.Name], err = sc.put(ctx, "thickness-"+l.Name+".json", "application/json", "thickness:"+l.Name, g); err != nil {
			return nil, err
		}
	}
	if err := sc.report(ctx, 0.7, "projecting slabs"); err != nil {
		return nil, err
	}
	slabs := sc.params.Slabs
	if len(slabs) == 0 {
		slabs = imaging.DefaultSlabs()
	}
	for _, s := range slabs {
		project := imaging.SlabEnFace
		if s.Name == imaging.SlabPhotoreceptor {
			project = imaging.SlabEnFaceDenoised // cleaned for the cone detector
		}
		img, err := project(reg, lb, s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		norm := imaging.Normalize(img, imaging.NormalizeOptions{FlatFieldSigma: float64(max(img.W, img.H)) / 10})
		key, err := sc.put(ctx, "slab-"+s.Name+".f32", "application/octet-stream", "slab:"+s.Name, encodeFloat32(norm.Pix))
		if err != nil {
			return nil, err
		}
		out.Slabs[s.Name] = slabArtifact{Key: key, SHA256: sc.arts[len(sc.arts)-1].SHA256}
		png, err := encodePNG(norm)
		if err != nil {
			return nil, err
		}
		if _, err := sc.put(ctx, "slab-"+s.Name+".png", "image/png", "slab-preview:"+s.Name, png); err != nil {
			return nil, err
		}
		if s.Name == imaging.SlabPhotoreceptor {
			// Also under the frame stack's kinds, for whatever shows a run's image.
			out.SNR = imaging.EstimateSNR(img)
			if out.ImageKey, err = sc.put(ctx, "image.f32", "application/octet-stream", "image", encodeFloat32(norm.Pix)); err != nil {
				return nil, err
			}
			out.ImageSHA256 = sc.arts[len(sc.arts)-1].SHA256
			if out.PreviewKey, err = sc.put(ctx, "preview.png", "image/png", "preview", png); err != nil {
				return nil, err
			}
		}
	}
	if out.ImageKey == "" {
		return nil, fmt.Errorf("the run's slabs have no %q slab to find cones in: %w", imaging.SlabPhotoreceptor, asynq.SkipRetry)
	}
	return &stepResult{output: out}, nil
}
