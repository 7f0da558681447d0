package imaging_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/ingest"
)

// garriochEccDeg is where the confocal images of the shared set were taken: the
// parafoveal mosaic about 0.65° from the centre of fixation in the four oblique quadrants
// (TL/TR/BL/BR in the file names), as described by Garrioch et al., "Repeatability of in vivo
// parafoveal cone density and spacing measurements", Optom. Vis. Sci. 89(5):632, 2012, the
// source of these images (the release itself records no eccentricity).
const garriochEccDeg = 0.65

// splitLocation reads the retinal location the split-detector file names carry: "…_1.25e+03um
// T178um S.tif" (1250 µm temporal, 178 µm superior) or "…_800um T.tif" (on a meridian).
var splitLocation = regexp.MustCompile(`_([0-9.e+]+)um ([TNSI])(?:([0-9.e+]+)um ([SI]))?\.tif$`)

// lowSubject is the one split-detector subject whose experts' densities lie at 0.40–0.66
// times the Curcio mean at every one of its 47 locations from 1.4° to 10.8° (a systematic
// offset, as from a long myopic eye, whose axial length the release does not give); the
// release does not say the subjects are healthy, so this one is not asserted normal.
const lowSubject = "JC_10220"

// expertDensity is the density of an image's manual marks by the data set's standard
// protocol: marks outside a 7 px border band over (W−14)·(H−14) px, in cones/mm².
func expertDensity(im cunefareImage) float64 {
	w, h := float64(im.Img.W), float64(im.Img.H)
	n := 0
	for _, p := range im.Manual { // 0-based: x+1 is the 1-based column
		x, y := p.X+1, p.Y+1
		if x > 7.5 && x < w-6.5 && y > 7.5 && y < h-6.5 {
			n++
		}
	}
	return float64(n) / ((w - 14) * (h - 14) * im.UmPerPx * im.UmPerPx) * 1e6
}

// TestNormativeRangeContainsSharedNormals checks the QC normative range against every
// image of the healthy subjects of the shared AOSLO set (Cunefare et al. 2017): the density
// of the experts' own marks must lie inside it at the image's eccentricity. The old range
// (Curcio mean ×/÷ 1.6) flagged a normal subject's 50,166 cones/mm² at 0.65°.
func TestNormativeRangeContainsSharedNormals(t *testing.T) {
	worst := map[string]float64{}
	lowSeen := 0
	for _, im := range loadCunefare(t, "confocal") {
		d := expertDensity(im)
		lo, _, hi := imaging.NormativeConeDensityRange(garriochEccDeg, 0)
		require.True(t, d >= lo && d <= hi, "%s: experts' density %.0f cones/mm² outside the normal range %.0f–%.0f at %.2f°", im.Name, d, lo, hi, garriochEccDeg)
		worst["confocal"] = max(worst["confocal"], math.Abs(math.Log(d/math.Sqrt(lo*hi))))
	}
	for _, im := range loadCunefare(t, "split_detector") {
		m := splitLocation.FindStringSubmatch(im.Name)
		require.NotNil(t, m, "no retinal location in %q", im.Name)
		a, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		b := 0.0
		if m[3] != "" {
			b, err = strconv.ParseFloat(m[3], 64)
			require.NoError(t, err)
		}
		ecc := math.Hypot(a, b) / 1000 / imaging.MMPerDegree
		d := expertDensity(im)
		lo, _, hi := imaging.NormativeConeDensityRange(ecc, 0)
		if im.Subject == lowSubject {
			// Not asserted normal: see lowSubject. QC flags it, as it should flag a density
			// 0.4–0.7 times the mean at every eccentricity.
			lowSeen++
			continue
		}
		require.True(t, d >= lo && d <= hi, "%s: experts' density %.0f cones/mm² outside the normal range %.0f–%.0f at %.2f°", im.Name, d, lo, hi, ecc)
		worst["split"] = max(worst["split"], math.Abs(math.Log(d/math.Sqrt(lo*hi))))
	}
	require.Positive(t, lowSeen, "the set no longer holds %s", lowSubject)
	t.Logf("largest |log(density / range centre)|: confocal %.2f, split detector %.2f (range half-width log 2 = 0.69 near the fovea, log 1.6 = 0.47 beyond 3.5°)", worst["confocal"], worst["split"])

	// The old fixed ×/÷1.6 band flagged a normal subject: keep that finding reproduced.
	lo, mean, _ := imaging.NormativeConeDensityRange(garriochEccDeg, 1.6)
	require.Greater(t, lo, 50166.0, "the old band (mean %.0f ÷ 1.6) excluded the lowest normal confocal image", mean)
}

// TestSpacingAgreesOnSharedImages: on every image of the shared AOSLO set, neither the
// experts' marks nor the classical detector's raise SPACING_MISMATCH: their inter-cell
// distance agrees with the spectrum's cone ring within the modality's tolerance.
func TestSpacingAgreesOnSharedImages(t *testing.T) {
	for _, mod := range []struct {
		dir string
		m   imaging.ConeModality
	}{{"confocal", imaging.ConeConfocal}, {"split_detector", imaging.ConeSplitDetector}} {
		tol := imaging.SpacingTolerance(mod.m)
		worst := 1.0
		for _, im := range loadCunefare(t, mod.dir) {
			spec := imaging.ConeSpacingPx(im.Img, imaging.ConeDetectOptions{Modality: mod.m})
			require.Positive(t, spec, im.Name)
			for who, pts := range map[string][]imaging.Point{
				"experts":  im.Manual,
				"detector": imaging.DetectCones(im.Img, imaging.ConeDetectOptions{Modality: mod.m}),
			} {
				icd := imaging.ConeMetrics(pts, im.Img.W, im.Img.H, 1, imaging.ConeMetricsOptions{}).ICDUm.Value
				flags := imaging.QC(imaging.QCInput{DetectedSpacingPx: icd, SpectrumSpacingPx: spec,
					Limits: imaging.QCLimits{SpacingTolerance: tol}})
				require.Empty(t, flags, "%s, %s' marks: %.1f px apart, spectrum %.1f px", im.Name, who, icd, spec)
				worst = max(worst, icd/spec, spec/icd)
			}
		}
		t.Logf("%s: largest spacing ratio %.2f (tolerance %.2f)", mod.dir, worst, tol)
	}
}

// TestConeRingTellsMosaicsFromOthers: every confocal image of the shared set, raw or
// flat-field normalised as the pipeline does, has a cone ring above MinConeRingExcess; real
// CT, MR, PET and CR slices, noise and a smooth gradient stay below it (NO_CONE_MOSAIC).
func TestConeRingTellsMosaicsFromOthers(t *testing.T) {
	lowest := math.Inf(1)
	for _, im := range loadCunefare(t, "confocal") {
		for _, img := range []*imaging.Image{im.Img, imaging.Normalize(im.Img, imaging.NormalizeOptions{FlatFieldSigma: float64(max(im.Img.W, im.Img.H)) / 10})} {
			_, e := imaging.ConeRingProminence(img)
			require.Empty(t, imaging.QC(imaging.QCInput{CheckRing: true, RingExcess: e}), "%s: excess %.2f", im.Name, e)
			lowest = min(lowest, e)
		}
	}
	highest := 0.0
	others := map[string]*imaging.Image{}
	for _, name := range []string{"1.dcm", "3.dcm", "4.dcm", "5.dcm"} { // PET, MR, CR, CT
		b, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "dicom", name))
		require.NoError(t, err)
		res, err := ingest.Parse(bytes.NewReader(b), int64(len(b)), name, ingest.Options{})
		require.NoError(t, err)
		v, err := res.Volume()
		require.NoError(t, err)
		others[res.Modality] = &imaging.Image{W: v.X, H: v.Y, Pix: v.Vox[:v.X*v.Y]}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noise, smooth := imaging.NewImage(256, 256), imaging.NewImage(256, 256)
	for i := range noise.Pix {
		noise.Pix[i] = float32(rng.Float64())
		smooth.Pix[i] = float32(i%256+i/256)/512 + 0.02*float32(rng.Float64())
	}
	others["noise"], others["gradient"] = noise, smooth
	for name, img := range others {
		for _, im := range []*imaging.Image{img, imaging.Normalize(img, imaging.NormalizeOptions{FlatFieldSigma: float64(max(img.W, img.H)) / 10})} {
			_, e := imaging.ConeRingProminence(im)
			flags := imaging.QC(imaging.QCInput{CheckRing: true, RingExcess: e})
			require.Len(t, flags, 1, "%s: excess %.2f", name, e)
			require.Equal(t, imaging.QCNoConeMosaic, flags[0].Code)
			highest = max(highest, e)
		}
	}
	t.Logf("cone ring excess: confocal mosaics ≥ %.2f, others ≤ %.2f, threshold %.2f", lowest, highest, imaging.MinConeRingExcess)
}
