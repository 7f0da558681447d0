package imaging

import "math"

// WienerOptions tunes WienerDenoise.
type WienerOptions struct {
	// SpacingPx is the cone spacing in px, which places the band taken as noise above the
	// mosaic's frequencies; 0 means a band from 0.35 cycles/px, right for spacings of
	// about 5 px and more.
	SpacingPx float64
	// Halves, when both are set (each the size of the image), are two projections of the
	// same structure under independent noise, such as the two depth halves of the slab the
	// image projects (SlabEnFaceHalves). The structure's power is then read from their
	// cross-spectrum, whatever the noise's spectrum (speckle correlated over the PSF is not
	// white: it has most of its power where the mosaic has its own), and SpacingPx is
	// not used.
	Halves [2]*Image
}

// wienerRingSmooth is how many neighbouring rings on either side the split-half estimate
// averages its cross- and total power over: the cross-spectrum of two noisy halves is
// itself noisy (on the photoreceptor slab, 2 rings lift the cone F1 by about 0.005; 4 blur
// the mosaic's peak and cost 0.015).
const wienerRingSmooth = 2

// wienerNoiseBand is the lowest frequency (cycles/px) of the band WienerDenoise takes as
// noise: 1.5 × the hexagonal mosaic's row frequency 2/(√3·spacing), kept within
// [0.3, 0.45] so that the band (up to 0.5 cycles/px) holds enough frequencies to average.
func wienerNoiseBand(spacingPx float64) float64 {
	if spacingPx <= 0 {
		return 0.35
	}
	return math.Min(math.Max(1.5*2/(math.Sqrt(3)*spacingPx), 0.3), 0.45)
}

// WienerDenoise is an empirical Wiener filter for images whose structure is isotropic
// (a cone mosaic): the power spectrum is averaged over rings of equal frequency and each
// ring scaled by the square of its signal share S/P, i.e. the Wiener filter applied
// twice, which leaves a blob detector fewer noise blobs than once (cone F1 on the volume
// phantom's photoreceptor slab 0.985 against 0.978 with per-voxel speckle, 0.961 against
// 0.943 with the tissue's own). The signal power S comes from the cross-spectrum of
// opts.Halves when given; otherwise the noise is taken as white (speckle independent from
// pixel to pixel) and S = P − N, N the mean power over the band above the mosaic's
// frequencies (from wienerNoiseBand up to 0.5 cycles/px, where the structure has no power
// left). Unlike a fixed blur it keeps every frequency the structure fills and removes the
// noise everywhere else. The mean is kept.
func WienerDenoise(img *Image, opts WienerOptions) *Image {
	w, h := img.W, img.H
	if w < 8 || h < 8 {
		return img.Clone()
	}
	f := newFFT2(w, h)
	transform := func(im *Image) ([]complex128, float64) {
		src := make([]float64, w*h)
		mean := 0.0
		for _, p := range im.Pix {
			mean += float64(p)
		}
		mean /= float64(len(im.Pix))
		for i, p := range im.Pix {
			src[i] = float64(p) - mean
		}
		spec := make([]complex128, f.specLen())
		f.forwardReal(spec, src)
		return spec, mean
	}
	spec, mean := transform(img)
	var ha, hb []complex128
	split := opts.Halves[0] != nil && opts.Halves[1] != nil
	if split {
		for _, hh := range opts.Halves {
			if hh.W != w || hh.H != h {
				return img.Clone()
			}
		}
		ha, _ = transform(opts.Halves[0])
		hb, _ = transform(opts.Halves[1])
	}

	// Rings one frequency step of the longer axis wide (the finest step; wider rings
	// blur the mosaic's peak into its neighbours and cost about 0.01 in cone F1), up to
	// the corner.
	step := 1 / float64(max(w, h))
	rings := int(math.Ceil(math.Sqrt2*0.5/step)) + 1
	freq := func(u, v int) float64 {
		fv := v
		if v > h/2 {
			fv = v - h
		}
		return math.Hypot(float64(u)/float64(w), float64(fv)/float64(h))
	}
	power := make([]float64, rings)
	cross := make([]float64, rings)
	count := make([]float64, rings)
	ring := make([]int32, len(spec)) // each coefficient's ring, for the gains below
	var noise, noiseN float64
	lo := wienerNoiseBand(opts.SpacingPx)
	for u := range w/2 + 1 {
		for v := range h {
			i := u*h + v
			c := spec[i]
			p := real(c)*real(c) + imag(c)*imag(c)
			r := freq(u, v)
			k := min(int(r/step), rings-1)
			ring[i] = int32(k)
			power[k] += p
			count[k]++
			if split {
				cross[k] += real(ha[i])*real(hb[i]) + imag(ha[i])*imag(hb[i])
			} else if r >= lo && r <= 0.5 {
				noise += p
				noiseN++
			}
		}
	}
	gain := make([]float64, rings)
	switch {
	case split:
		for k := range gain {
			var c, p float64
			for j := max(0, k-wienerRingSmooth); j <= min(rings-1, k+wienerRingSmooth); j++ {
				c += cross[j]
				p += power[j]
			}
			if p > 0 {
				g := min(max(c/p, 0), 1)
				gain[k] = g * g
			}
		}
	case noiseN == 0:
		return img.Clone()
	default:
		noise /= noiseN
		for k := range gain {
			if count[k] > 0 && power[k] > 0 {
				p := power[k] / count[k]
				g := math.Max(0, p-noise) / p
				gain[k] = g * g
			}
		}
	}
	for i := 1; i < len(spec); i++ { // spec[0], the mean, was removed: nothing to scale
		spec[i] *= complex(gain[ring[i]], 0)
	}
	src := make([]float64, w*h)
	f.inverseReal(src, spec)
	out := NewImage(w, h)
	norm := 1 / float64(w*h)
	for i, v := range src {
		out.Pix[i] = float32(v*norm + mean)
	}
	return out
}
