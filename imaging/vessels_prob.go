package imaging

// VesselsFromProbability turns a vessel probability map (a learned segmenter's output, 0 to
// 1 per pixel) into the VesselResult the capillary metrics read: mask = p ≥ threshold with
// pieces under minAreaPx dropped, its Zhang–Suen skeleton, and at each skeleton pixel the
// distance-transform diameter. The mask follows the probability's edge, so its width is the
// vessel's; there is no intensity profile to refine it against.
func VesselsFromProbability(prob *Image, threshold float64, minAreaPx int) VesselResult {
	w, h := prob.W, prob.H
	res := VesselResult{W: w, H: h, Vesselness: make([]float32, w*h), Mask: make([]bool, w*h), Skeleton: make([]bool, w*h)}
	copy(res.Vesselness, prob.Pix)
	if w < 3 || h < 3 {
		return res
	}
	for i, p := range prob.Pix {
		res.Mask[i] = float64(p) >= threshold
	}
	if minAreaPx > 0 {
		dropSmallComponents(res.Mask, w, h, minAreaPx)
	}
	res.Skeleton = zhangSuen(res.Mask, w, h)
	dist := distanceTransform(res.Mask, w, h)
	for y := range h {
		for x := range w {
			if i := y*w + x; res.Skeleton[i] {
				d := 2*dist[i] - 1
				res.Samples = append(res.Samples, VesselSample{X: x, Y: y, DiameterPx: d, EDTDiameterPx: d})
			}
		}
	}
	return res
}
