package imaging

// VesselsFromMask turns a vessel mask (for example a network's probability ≥ threshold)
// into the same result DetectVessels gives: small pieces dropped, Zhang–Suen skeleton, and at
// each skeleton pixel the distance-transform diameter (2·d − 1), which is also DiameterPx
// since a mask carries no intensity profile to refine it. prob may be nil; when set it is
// kept as the Vesselness map. minArea ≤ 0 means DetectVessels' default (30 px).
func VesselsFromMask(mask []bool, prob []float32, w, h, minArea int) VesselResult {
	if minArea <= 0 {
		minArea = VesselOptions{}.withDefaults().MinAreaPx
	}
	res := VesselResult{W: w, H: h, Mask: make([]bool, w*h), Vesselness: make([]float32, w*h)}
	copy(res.Mask, mask)
	if prob != nil {
		copy(res.Vesselness, prob)
	}
	if w < 3 || h < 3 {
		res.Skeleton = make([]bool, w*h)
		return res
	}
	dropSmallComponents(res.Mask, w, h, minArea)
	res.Skeleton = zhangSuen(res.Mask, w, h)
	dist := distanceTransform(res.Mask, w, h)
	for y := range h {
		for x := range w {
			i := y*w + x
			if !res.Skeleton[i] {
				continue
			}
			d := 2*dist[i] - 1
			res.Samples = append(res.Samples, VesselSample{X: x, Y: y, DiameterPx: d, EDTDiameterPx: d})
		}
	}
	return res
}
