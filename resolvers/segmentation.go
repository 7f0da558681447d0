package resolvers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
)

// segmentRecord is the part of the segment step's output (jobs/worker) Run.segmentation reads.
type segmentRecord struct {
	Detector        string       `json:"detector"`
	Cones           *detectorRec `json:"cones"`
	Vessels         *detectorRec `json:"vessels"`
	MeanUncertainty *float64     `json:"mean_uncertainty"`
}

type detectorRec struct {
	Detector       string `json:"detector"`
	Choice         string `json:"choice"`
	ModelVersionID int64  `json:"model_version_id"`
	Device         string `json:"device"`
}

// segmentation translates a segment step's output. A run segmented before the detectors
// were recorded (cones only, classical) reads as that.
func (r *Resolver) segmentation(ctx context.Context, output string) (*model.Segmentation, error) {
	var rec segmentRecord
	if err := json.Unmarshal([]byte(output), &rec); err != nil {
		return nil, fmt.Errorf("segment output: %w", err)
	}
	if rec.Cones == nil {
		rec.Cones = &detectorRec{Detector: rec.Detector, Choice: "none deployed"}
	}
	out := &model.Segmentation{MeanUncertainty: rec.MeanUncertainty}
	var err error
	if out.Cones, err = r.detectorUse(ctx, rec.Cones); err != nil {
		return nil, err
	}
	if rec.Vessels != nil {
		if out.Capillaries, err = r.detectorUse(ctx, rec.Vessels); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *Resolver) detectorUse(ctx context.Context, d *detectorRec) (*model.DetectorUse, error) {
	u := &model.DetectorUse{Detector: d.Detector, Choice: d.Choice}
	if d.Device != "" {
		u.Device = &d.Device
	}
	if d.ModelVersionID > 0 {
		v, err := db.ModelVersionByID(ctx, r.DB, d.ModelVersionID)
		if err != nil {
			return nil, err
		}
		u.ModelVersion = &v
	}
	return u, nil
}
