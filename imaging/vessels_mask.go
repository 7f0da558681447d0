package imaging

import "math"

// VesselsFromMask turns a vessel mask (for example a network's probability ≥ threshold)
// into the same result DetectVessels gives: small pieces dropped, Zhang–Suen skeleton, and at
// each skeleton pixel a diameter. EDTDiameterPx is the distance-transform width (2·d − 1),
// which only takes odd whole values; when prob is given, DiameterPx is instead the integral of
// the probability along the normal to the skeleton (its direction from the skeleton pixels
// within 3 px), sub-pixel for a probability that is 1 inside the vessel and 0 outside.
// minArea ≤ 0 means DetectVessels' default (30 px).
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
			s := VesselSample{X: x, Y: y, DiameterPx: d, EDTDiameterPx: d}
			if prob != nil {
				if pd, ok := probWidth(prob, res.Skeleton, w, h, x, y, dist[i]+3); ok {
					s.DiameterPx = pd
				}
			}
			res.Samples = append(res.Samples, s)
		}
	}
	return res
}

// probWidth integrates prob (bilinear, 0.25 px steps) along the normal to the skeleton at
// (x, y) out to reach px each way; ok is false where the skeleton gives no direction.
func probWidth(prob []float32, skel []bool, w, h, x, y int, reach float64) (float64, bool) {
	var n, sx, sy, sxx, sxy, syy float64
	for dy := -3; dy <= 3; dy++ {
		for dx := -3; dx <= 3; dx++ {
			xx, yy := x+dx, y+dy
			if xx < 0 || yy < 0 || xx >= w || yy >= h || !skel[yy*w+xx] {
				continue
			}
			fx, fy := float64(dx), float64(dy)
			n++
			sx, sy = sx+fx, sy+fy
			sxx, sxy, syy = sxx+fx*fx, sxy+fx*fy, syy+fy*fy
		}
	}
	if n < 3 {
		return 0, false
	}
	cxx, cxy, cyy := sxx/n-sx*sx/n/n, sxy/n-sx*sy/n/n, syy/n-sy*sy/n/n
	theta := 0.5 * math.Atan2(2*cxy, cxx-cyy) // the skeleton's direction
	nx, ny := -math.Sin(theta), math.Cos(theta)
	at := func(px, py float64) float64 {
		if px < 0 || py < 0 || px > float64(w-1) || py > float64(h-1) {
			return 0
		}
		x0, y0 := int(px), int(py)
		x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
		fx, fy := px-float64(x0), py-float64(y0)
		return (1-fy)*((1-fx)*float64(prob[y0*w+x0])+fx*float64(prob[y0*w+x1])) +
			fy*((1-fx)*float64(prob[y1*w+x0])+fx*float64(prob[y1*w+x1]))
	}
	const step = 0.25
	sum := 0.0
	for t := -reach; t <= reach+1e-9; t += step {
		sum += at(float64(x)+t*nx, float64(y)+t*ny) * step
	}
	return sum, true
}
