package ingest

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// dicomKind records the kind a DICOM's SOP class states and, for Ophthalmic Tomography
// (PS3.3 A.52: multi-frame, one frame a B-scan, Pixel Measures and Plane Position in the
// shared and per-frame functional groups), the spacing in volume axes and the per-frame
// positions. SpacingUm is then x = the column spacing (between A-scans), z = the row
// spacing (depth), y = the distance between consecutive frame positions (median), else
// Spacing Between Slices; Slice Thickness is a B-scan's thickness, not its spacing, and is
// not used.
func dicomKind(res *Result, ds *dicom.Dataset) error {
	if k := sopKind(res.SOPClassUID); k != "" {
		res.VolumeKind, res.VolumeKindSource = k, KindSourceFile
	}
	if res.SOPClassUID != SOPOphthalmicTomography {
		return nil
	}
	inPlane := res.SpacingUm
	res.SpacingUm = [3]float64{inPlane[0], 0, inPlane[1]}
	items := sequenceItems(ds, tag.PerFrameFunctionalGroupsSequence, math.MaxInt)
	if len(items) > 0 && len(items) != res.Frames {
		return reject(CodeDimensionMismatch, "the image has %d frames but %d per-frame functional group items", res.Frames, len(items))
	}
	var pos [][3]float64
	for i := range items {
		pp := sequenceItems(&items[i], tag.PlanePositionSequence, 1)
		if len(pp) == 0 {
			pos = nil
			break
		}
		v := finiteFloats(&pp[0], tag.ImagePositionPatient)
		if len(v) != 3 {
			pos = nil
			break
		}
		pos = append(pos, [3]float64{v[0], v[1], v[2]})
	}
	res.FramePositionsMm = pos
	if d := medianStep(pos); d > 0 {
		res.SpacingUm[1] = mmToUm(d)
	}
	if res.SpacingUm[1] == 0 {
		sources := []dicom.Dataset{*ds}
		for _, fg := range []tag.Tag{tag.SharedFunctionalGroupsSequence, tag.PerFrameFunctionalGroupsSequence} {
			for _, item := range sequenceItems(ds, fg, 1) {
				sources = append(sources, sequenceItems(&item, tag.PixelMeasuresSequence, 1)...)
			}
		}
		for i := range sources {
			if z := positiveFloats(&sources[i], tag.SpacingBetweenSlices); len(z) >= 1 {
				res.SpacingUm[1] = z[0] * 1000
				break
			}
		}
	}
	return nil
}

// medianStep is the median distance between consecutive positions (mm), 0 with fewer than two.
func medianStep(pos [][3]float64) float64 {
	if len(pos) < 2 {
		return 0
	}
	d := make([]float64, len(pos)-1)
	for i := range d {
		a, b := pos[i], pos[i+1]
		d[i] = math.Sqrt((b[0]-a[0])*(b[0]-a[0]) + (b[1]-a[1])*(b[1]-a[1]) + (b[2]-a[2])*(b[2]-a[2]))
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// finiteFloats returns the values of a DS, FL or FD element when all are finite.
func finiteFloats(ds *dicom.Dataset, t tag.Tag) []float64 {
	e, err := ds.FindElementByTag(t)
	if err != nil || e.Value == nil {
		return nil
	}
	var out []float64
	switch v := e.Value.GetValue().(type) {
	case []float64:
		out = v
	case []string:
		for _, s := range v {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil
			}
			out = append(out, f)
		}
	}
	for _, f := range out {
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e9 {
			return nil
		}
	}
	return out
}
