package main

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/aomas/aomas/imaging"
)

// capScore is the centre-line and diameter agreement of one detector over the held-back set.
type capScore struct {
	Precision         float64    `json:"precision"`
	Recall            float64    `json:"recall"`
	F1                float64    `json:"f1"`
	F1CI95            [2]float64 `json:"f1_ci95"`
	MedianDiameterErr float64    `json:"median_diameter_error_px"`
	DiameterSamples   int        `json:"diameter_samples"`
	Images            int        `json:"n_images"`
}

// centrelineCounts returns, with tolerance tol px: detected skeleton pixels near a truth
// centre-line, all skeleton pixels, truth centre-line samples (every 1 px inside the image)
// near a skeleton pixel, and all truth samples.
func centrelineCounts(res imaging.VesselResult, truth imaging.CapillaryTruth, tol float64) (tpD, nD, tpT, nT int) {
	w, h := res.W, res.H
	var skel []imaging.Point
	for i, s := range res.Skeleton {
		if s {
			skel = append(skel, imaging.Point{X: float64(i % w), Y: float64(i / w)})
		}
	}
	for _, p := range skel {
		nD++
		for _, s := range truth.Segments {
			if distToPolyline(p, s.Points) <= tol {
				tpD++
				break
			}
		}
	}
	for _, s := range truth.Segments {
		for k := 1; k < len(s.Points); k++ {
			a, b := s.Points[k-1], s.Points[k]
			l := math.Hypot(b.X-a.X, b.Y-a.Y)
			for t := 0.0; t < l; t++ {
				p := imaging.Point{X: a.X + (b.X-a.X)*t/l, Y: a.Y + (b.Y-a.Y)*t/l}
				if p.X < 0 || p.Y < 0 || p.X > float64(w-1) || p.Y > float64(h-1) {
					continue
				}
				nT++
				for _, q := range skel {
					if math.Abs(q.X-p.X) <= tol && math.Abs(q.Y-p.Y) <= tol && math.Hypot(q.X-p.X, q.Y-p.Y) <= tol {
						tpT++
						break
					}
				}
			}
		}
	}
	return
}

// diameterErrors compares diameters at skeleton pixels on one vessel's centre-line, away from
// junctions, ends and the border (the rule of imaging's own diameter test).
func diameterErrors(res imaging.VesselResult, truth imaging.CapillaryTruth) []float64 {
	var errs []float64
	size := res.W
	for _, s := range res.Samples {
		p := imaging.Point{X: float64(s.X), Y: float64(s.Y)}
		if s.X < 10 || s.Y < 10 || s.X >= size-10 || s.Y >= res.H-10 {
			continue
		}
		best, second := -1, -1
		dists := make([]float64, len(truth.Segments))
		for i, seg := range truth.Segments {
			dists[i] = distToPolyline(p, seg.Points)
			if best < 0 || dists[i] < dists[best] {
				best, second = i, best
			} else if second < 0 || dists[i] < dists[second] {
				second = i
			}
		}
		seg := truth.Segments[best]
		a, b := seg.Points[0], seg.Points[len(seg.Points)-1]
		if dists[best] > 1.5 || math.Hypot(p.X-a.X, p.Y-a.Y) < 3*seg.DiameterPx || math.Hypot(p.X-b.X, p.Y-b.Y) < 3*seg.DiameterPx {
			continue
		}
		if second >= 0 && dists[second] < seg.DiameterPx+truth.Segments[second].DiameterPx+4 {
			continue
		}
		errs = append(errs, math.Abs(s.DiameterPx-seg.DiameterPx))
	}
	return errs
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// scoreSet pools the counts over images; the CI is a bootstrap over images.
func scoreSet(results []imaging.VesselResult, truths []imaging.CapillaryTruth) capScore {
	type cnt struct{ tpD, nD, tpT, nT int }
	cs := make([]cnt, len(results))
	var errs []float64
	for i := range results {
		a, b, c, d := centrelineCounts(results[i], truths[i], 2)
		cs[i] = cnt{a, b, c, d}
		errs = append(errs, diameterErrors(results[i], truths[i])...)
	}
	f1 := func(idx []int) (p, r, f float64) {
		var s cnt
		for _, i := range idx {
			s.tpD += cs[i].tpD
			s.nD += cs[i].nD
			s.tpT += cs[i].tpT
			s.nT += cs[i].nT
		}
		if s.nD > 0 {
			p = float64(s.tpD) / float64(s.nD)
		}
		if s.nT > 0 {
			r = float64(s.tpT) / float64(s.nT)
		}
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		return
	}
	all := make([]int, len(cs))
	for i := range all {
		all[i] = i
	}
	var out capScore
	out.Precision, out.Recall, out.F1 = f1(all)
	// Deterministic bootstrap (LCG) over images.
	state := uint64(12345)
	var boots []float64
	for range 2000 {
		idx := make([]int, len(cs))
		for k := range idx {
			state = state*6364136223846793005 + 1442695040888963407
			idx[k] = int((state >> 33) % uint64(len(cs)))
		}
		_, _, f := f1(idx)
		boots = append(boots, f)
	}
	slices.Sort(boots)
	out.F1CI95 = [2]float64{boots[int(0.025*float64(len(boots)))], boots[int(0.975*float64(len(boots)))-1]}
	out.MedianDiameterErr = median(errs)
	out.DiameterSamples = len(errs)
	out.Images = len(cs)
	return out
}

// runCapEval scores the network's probability maps (written by train_capillaries.py as
// <file>.prob.f32 beside each held-back phantom) and the classical DetectVessels on the same
// images, and prints one JSON object.
func runCapEval(args []string) error {
	fs := flag.NewFlagSet("capeval", flag.ExitOnError)
	work := fs.String("work", "training/work", "folder written by prep data")
	threshold := fs.Float64("threshold", 0.5, "network probability threshold")
	_ = fs.Parse(args)
	b, err := os.ReadFile(filepath.Join(*work, "capillaries", "test.json"))
	if err != nil {
		return err
	}
	var index []sample
	if err := json.Unmarshal(b, &index); err != nil {
		return err
	}
	var netRes, clsRes []imaging.VesselResult
	var truths []imaging.CapillaryTruth
	for _, s := range index {
		pix, err := readF32(filepath.Join(*work, s.File), s.W*s.H)
		if err != nil {
			return err
		}
		prob, err := readF32(filepath.Join(*work, s.File+".prob.f32"), s.W*s.H)
		if err != nil {
			return err
		}
		tb, err := os.ReadFile(filepath.Join(*work, s.Truth))
		if err != nil {
			return err
		}
		var truth imaging.CapillaryTruth
		if err := json.Unmarshal(tb, &truth); err != nil {
			return err
		}
		mask := make([]bool, len(prob))
		for i, p := range prob {
			mask[i] = float64(p) >= *threshold
		}
		netRes = append(netRes, imaging.VesselsFromMask(mask, prob, s.W, s.H, 0))
		clsRes = append(clsRes, imaging.DetectVessels(&imaging.Image{W: s.W, H: s.H, Pix: pix}, imaging.VesselOptions{}))
		truths = append(truths, truth)
	}
	out := map[string]capScore{"network": scoreSet(netRes, truths), "classical": scoreSet(clsRes, truths)}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
