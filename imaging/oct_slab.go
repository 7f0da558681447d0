package imaging

import (
	"errors"
	"fmt"
	"math"
)

// Slab is an en-face slab of an OCT volume: from boundary Top + TopOffsetPx down to
// boundary Bottom + BottomOffsetPx (voxels, positive deeper), projected by Mode.
type Slab struct {
	Name           string         `json:"name"`
	Top            string         `json:"top"`
	TopOffsetPx    float64        `json:"topOffsetPx"`
	Bottom         string         `json:"bottom"`
	BottomOffsetPx float64        `json:"bottomOffsetPx"`
	Mode           ProjectionMode `json:"mode"`
}

// Slab names of DefaultSlabs.
const (
	SlabPhotoreceptor = "photoreceptor"
	SlabNFL           = "nfl"
	SlabSVP           = "svp"
	SlabICP           = "icp"
	SlabDCP           = "dcp"
)

// DefaultSlabs are the slabs an OCT run projects unless told otherwise: the photoreceptor
// slab from the IS/OS band to the COST band (the cone mosaic), the nerve-fibre layer, and
// the superficial, intermediate and deep capillary plexuses (just below the NFL/GCL, at
// the top of the INL, and above the OPL/ONL by the INL/OPL junction).
func DefaultSlabs() []Slab {
	return []Slab{
		{SlabPhotoreceptor, "ISOS", -1, "COST", 1, ProjectMean},
		{SlabNFL, "ILM", 1, "NFL_GCL", 0, ProjectMean},
		{SlabSVP, "NFL_GCL", 1, "NFL_GCL", 6, ProjectMean},
		{SlabICP, "IPL_INL", 0, "IPL_INL", 4, ProjectMean},
		{SlabDCP, "OPL_ONL", -10, "OPL_ONL", -6, ProjectMean},
	}
}

// Check reports whether the slab names known boundaries and a projection mode.
func (s Slab) Check() error {
	if BoundaryIndex(s.Top) < 0 || BoundaryIndex(s.Bottom) < 0 {
		return fmt.Errorf("slab %q: unknown boundary %q or %q", s.Name, s.Top, s.Bottom)
	}
	if s.Mode != ProjectMean && s.Mode != ProjectMax {
		return fmt.Errorf("slab %q: unknown mode %q", s.Name, s.Mode)
	}
	if math.IsNaN(s.TopOffsetPx) || math.IsNaN(s.BottomOffsetPx) || math.Abs(s.TopOffsetPx) > 1000 || math.Abs(s.BottomOffsetPx) > 1000 {
		return fmt.Errorf("slab %q: offsets out of range", s.Name)
	}
	return nil
}

// SlabEnFace projects a slab of v (whose boundaries are l) into an X×Y image: in each
// column the voxels from the top to the bottom surface (offsets added; fractional voxels at
// the ends weighted by their share for the mean), by mean or maximum. A column whose slab
// is empty or outside the volume takes the voxel nearest to its top surface.
func SlabEnFace(v *Volume, l *LayerBoundaries, s Slab) (*Image, error) {
	return slabProject(v, l, s, 0)
}

// SlabEnFaceHalves projects the upper and the lower half of slab s (each column's depth
// range split at its middle) as SlabEnFace projects the whole. Where the slab spans more
// than the speckle's depth of field, the halves show the same structure under independent
// speckle, which is what WienerOptions.Halves needs.
func SlabEnFaceHalves(v *Volume, l *LayerBoundaries, s Slab) (upper, lower *Image, err error) {
	if upper, err = slabProject(v, l, s, 1); err != nil {
		return nil, nil, err
	}
	lower, err = slabProject(v, l, s, 2)
	return upper, lower, err
}

// slabProject projects slab s whole (part 0) or its upper (1) or lower (2) half.
func slabProject(v *Volume, l *LayerBoundaries, s Slab, part int) (*Image, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if v == nil || l == nil || l.X != v.X || l.Y != v.Y || len(v.Vox) != v.X*v.Y*v.Z {
		return nil, errors.New("slab en-face: volume and boundaries differ in size")
	}
	top, bot := l.Z[BoundaryIndex(s.Top)], l.Z[BoundaryIndex(s.Bottom)]
	out := NewImage(v.X, v.Y)
	plane := v.X * v.Y
	zmax := float64(v.Z) - 0.5
	for i := range plane {
		a := math.Max(float64(top[i])+s.TopOffsetPx, -0.5)
		b := math.Min(float64(bot[i])+s.BottomOffsetPx, zmax)
		switch mid := (a + b) / 2; part {
		case 1:
			b = mid
		case 2:
			a = mid
		}
		if !(b > a) {
			z := min(max(int(math.Round(a)), 0), v.Z-1)
			out.Pix[i] = v.Vox[z*plane+i]
			continue
		}
		z0, z1 := int(math.Round(a)), int(math.Round(b))
		var sum, wsum float64
		best := float32(math.Inf(-1))
		for z := max(z0, 0); z <= min(z1, v.Z-1); z++ {
			w := math.Min(b, float64(z)+0.5) - math.Max(a, float64(z)-0.5)
			if w <= 0 {
				continue
			}
			p := v.Vox[z*plane+i]
			sum += w * float64(p)
			wsum += w
			best = max(best, p)
		}
		if s.Mode == ProjectMax {
			out.Pix[i] = best
		} else {
			out.Pix[i] = float32(sum / wsum)
		}
	}
	return out, nil
}

// Flatten returns v shifted along z in every column so that boundary k lies at depth
// target (linear interpolation; voxels shifted in from outside are 0), and the boundaries
// shifted alike.
func Flatten(v *Volume, l *LayerBoundaries, k int, target float64) (*Volume, *LayerBoundaries, error) {
	if k < 0 || k >= NumBoundaries {
		return nil, nil, fmt.Errorf("flatten: no boundary %d", k)
	}
	if v == nil || l == nil || l.X != v.X || l.Y != v.Y || len(v.Vox) != v.X*v.Y*v.Z {
		return nil, nil, errors.New("flatten: volume and boundaries differ in size")
	}
	plane := v.X * v.Y
	out := &Volume{X: v.X, Y: v.Y, Z: v.Z, SpacingUm: v.SpacingUm, Vox: make([]float32, len(v.Vox))}
	fl := &LayerBoundaries{X: l.X, Y: l.Y}
	for j := range fl.Z {
		fl.Z[j] = make([]float32, plane)
	}
	for i := range plane {
		d := float64(l.Z[k][i]) - target // the output at z samples the input at z + d
		for z := range v.Z {
			q := float64(z) + d
			z0 := int(math.Floor(q))
			f := float32(q - float64(z0))
			var a, b float32
			if z0 >= 0 && z0 < v.Z {
				a = v.Vox[z0*plane+i]
			}
			if z0+1 >= 0 && z0+1 < v.Z {
				b = v.Vox[(z0+1)*plane+i]
			}
			out.Vox[z*plane+i] = a + f*(b-a)
		}
		for j := range fl.Z {
			fl.Z[j][i] = l.Z[j][i] - float32(d)
		}
	}
	return out, fl, nil
}

// RetinalLayer is a layer between two boundaries, whose thickness is mapped.
type RetinalLayer struct {
	Name        string
	Top, Bottom int // boundary indices
}

// RetinalLayers are the layers between consecutive boundaries, and the whole retina.
var RetinalLayers = []RetinalLayer{
	{"RNFL", BoundaryILM, BoundaryNFLGCL},
	{"GCL_IPL", BoundaryNFLGCL, BoundaryIPLINL},
	{"INL_OPL", BoundaryIPLINL, BoundaryOPLONL},
	{"ONL", BoundaryOPLONL, BoundaryELM},
	{"IS", BoundaryELM, BoundaryISOS},
	{"OS", BoundaryISOS, BoundaryCOST},
	{"RPE", BoundaryCOST, BoundaryRPEBM},
	{"TOTAL", BoundaryILM, BoundaryRPEBM},
}

// ThicknessMap returns the thickness of layer r in every column, in voxels (X×Y).
func ThicknessMap(l *LayerBoundaries, r RetinalLayer) *Image {
	out := NewImage(l.X, l.Y)
	for i := range out.Pix {
		out.Pix[i] = max(0, l.Z[r.Bottom][i]-l.Z[r.Top][i])
	}
	return out
}

// GridOf averages an image over square cells of cell px into a ScalarGrid (values rounded
// to 3 decimals).
func GridOf(img *Image, cell int) ScalarGrid {
	cell = max(1, cell)
	g := ScalarGrid{CellPx: cell, Cols: (img.W + cell - 1) / cell, Rows: (img.H + cell - 1) / cell}
	sum := make([]float64, g.Cols*g.Rows)
	cnt := make([]float64, len(sum))
	for y := range img.H {
		for x := range img.W {
			k := (y/cell)*g.Cols + x/cell
			sum[k] += float64(img.Pix[y*img.W+x])
			cnt[k]++
		}
	}
	g.Values = make([]float64, len(sum))
	for k := range sum {
		g.Values[k] = math.Round(sum[k]/cnt[k]*1000) / 1000
	}
	return g
}

// MotionContrastMode is how MotionContrast measures change between repeated volumes.
type MotionContrastMode string

// Motion-contrast modes.
const (
	// ContrastDecorrelation is the amplitude decorrelation 1 − mean over consecutive pairs
	// of 2·A·B/(A² + B²) (Jia et al. 2012, without the spectrum split): 0 for static tissue.
	ContrastDecorrelation MotionContrastMode = "decorrelation"
	// ContrastVariance is the variance of the log amplitude across repeats.
	ContrastVariance MotionContrastMode = "variance"
	// ContrastWeightedDecorrelation is the decorrelation weighted by the voxel's power (its
	// mean amplitude over the repeats, squared). Where noise swamps a dim voxel's signal it
	// decorrelates as much as flowing blood does; weighted, it counts for little, and a
	// slab's projection shows the vessels instead of the dim tissue between them (on the
	// volume phantom's repeats, 4 of each B-scan at SNR 10, 8 seeds: capillary centre-line
	// F1 of the plexuses 0.85, 0.84 and 0.77, against 0.38, 0.53 and 0.45 on the structural
	// slab; unweighted, 0.09–0.15 on 2 seeds).
	ContrastWeightedDecorrelation MotionContrastMode = "weighted-decorrelation"
)

// MotionContrast measures, voxel by voxel, how much repeated volumes of the same place
// (already registered to one another) change: flowing blood decorrelates the speckle
// between repeats, static tissue keeps it. Projected over a vascular slab it shows the
// capillaries (OCT angiography).
func MotionContrast(vols []*Volume, mode MotionContrastMode) (*Volume, error) {
	if len(vols) < 2 {
		return nil, errors.New("motion contrast: needs at least two repeated volumes")
	}
	a := vols[0]
	for _, v := range vols {
		if v == nil || v.X != a.X || v.Y != a.Y || v.Z != a.Z || len(v.Vox) != a.X*a.Y*a.Z {
			return nil, errors.New("motion contrast: repeated volumes differ in size")
		}
	}
	out := &Volume{X: a.X, Y: a.Y, Z: a.Z, SpacingUm: a.SpacingUm, Vox: make([]float32, len(a.Vox))}
	n := float64(len(vols))
	for i := range out.Vox {
		switch mode {
		case ContrastDecorrelation, ContrastWeightedDecorrelation:
			s, amp := 0.0, math.Abs(float64(vols[0].Vox[i]))
			for r := 1; r < len(vols); r++ {
				p, q := math.Abs(float64(vols[r-1].Vox[i])), math.Abs(float64(vols[r].Vox[i]))
				if d := p*p + q*q; d > 0 {
					s += 2 * p * q / d
				} else {
					s++
				}
				amp += q
			}
			d := 1 - s/(n-1)
			if mode == ContrastWeightedDecorrelation {
				amp /= n
				d *= amp * amp
			}
			out.Vox[i] = float32(d)
		case ContrastVariance:
			var m, m2 float64
			for _, v := range vols {
				l := math.Log(math.Abs(float64(v.Vox[i])) + 1e-6)
				m += l
				m2 += l * l
			}
			m /= n
			out.Vox[i] = float32(math.Max(m2/n-m*m, 0))
		default:
			return nil, fmt.Errorf("motion contrast: unknown mode %q", mode)
		}
	}
	return out, nil
}

// GridMean is the mean of a grid's cells with a 95% interval from the spread of the means
// of k×k sub-regions (normal approximation over the sub-region means).
func GridMean(g ScalarGrid, k int) Estimate {
	k = max(1, min(k, g.Cols, g.Rows))
	sums, cnts := make([]float64, k*k), make([]float64, k*k)
	var all, n float64
	for r := range g.Rows {
		for c := range g.Cols {
			v := g.Values[r*g.Cols+c]
			if math.IsNaN(v) {
				continue
			}
			t := (r*k/g.Rows)*k + c*k/g.Cols
			sums[t] += v
			cnts[t]++
			all += v
			n++
		}
	}
	e := Estimate{Value: math.NaN(), CI95Low: math.NaN(), CI95High: math.NaN()}
	if n == 0 {
		return e
	}
	e.Value = all / n
	var means []float64
	for t := range sums {
		if cnts[t] > 0 {
			means = append(means, sums[t]/cnts[t])
		}
	}
	if len(means) < 2 {
		return e
	}
	var m, ss float64
	for _, v := range means {
		m += v
	}
	m /= float64(len(means))
	for _, v := range means {
		ss += (v - m) * (v - m)
	}
	se := math.Sqrt(ss/float64(len(means)-1)) / math.Sqrt(float64(len(means)))
	e.CI95Low, e.CI95High = e.Value-1.96*se, e.Value+1.96*se
	return e
}

// SlabEnFaceDenoised is SlabEnFace cleaned by WienerDenoise, the structure told from the
// speckle by the cross-spectrum of the slab's two depth halves (SlabEnFaceHalves), so
// that speckle of any grain is removed where the structure has no power; for the
// photoreceptor slab, whose cones the detector then finds.
func SlabEnFaceDenoised(v *Volume, l *LayerBoundaries, s Slab) (*Image, error) {
	img, err := SlabEnFace(v, l, s)
	if err != nil {
		return nil, err
	}
	up, lo, err := SlabEnFaceHalves(v, l, s)
	if err != nil {
		return nil, err
	}
	return WienerDenoise(img, WienerOptions{Halves: [2]*Image{up, lo}}), nil
}
