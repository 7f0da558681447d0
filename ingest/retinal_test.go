package ingest

import (
	"bytes"
	"github.com/aomas/aomas/internal/testenv/shared"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTIFFDefaultResolutionIsNoPixelSize: a TIFF's 72 or 96 dpi (the software default, in
// inches or centimetres) says nothing about the retina and gives no spacing; a real physical
// resolution still does.
func TestTIFFDefaultResolutionIsNoPixelSize(t *testing.T) {
	for _, tc := range []struct {
		name       string
		unit       int
		xres, yres float64
		want       float64
	}{
		{"72 dpi", 2, 72, 72, 0},
		{"96 dpi", 2, 96, 96, 0},
		{"72 dpi in cm", 3, 72 / 2.54, 72 / 2.54, 0},
		{"300 dpi", 2, 300, 300, 25400.0 / 300},
		{"2 px/µm in cm", 3, 20000, 20000, 0.5},
		{"72 × 300 dpi", 2, 72, 300, 25400.0 / 72},
		{"no unit", 1, 72, 72, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := tiffSpacing(tiffPage{resUnit: tc.unit, xres: tc.xres, yres: tc.yres})
			require.InDelta(t, tc.want, sp[0], 1e-9)
		})
	}
	// A real AOSLO TIFF of the shared set carries the 72-dpi default (the 352.8 µm of the bug).
	root := shared.Dir(t)
	name := filepath.Join(root, "data", "ao-cunefare-2017-train", "confocal", "images", "JC_0007_BL_0.08_aligned_CenterCropped.tif")
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	res, err := Parse(f, st.Size(), name, Options{})
	require.NoError(t, err)
	require.Zero(t, res.SpacingUm[0], "no pixel size from a 72-dpi tag")
}

// TestCheckRetinal: radiology DICOM (CT, MR, PET, CR) is refused by modality or SOP class;
// ophthalmic, secondary-capture and non-DICOM files pass.
func TestCheckRetinal(t *testing.T) {
	for _, tc := range []struct {
		res    Result
		refuse bool
	}{
		{Result{Format: FormatDICOM, Modality: "CT"}, true},
		{Result{Format: FormatDICOM, Modality: "MR"}, true},
		{Result{Format: FormatDICOM, Modality: "PT"}, true},
		{Result{Format: FormatDICOM, Modality: "SC", SOPClassUID: "1.2.840.10008.5.1.4.1.1.4"}, true},
		{Result{Format: FormatDICOM, Modality: "OP"}, false},
		{Result{Format: FormatDICOM, Modality: "OPT"}, false},
		{Result{Format: FormatDICOM, Modality: "SC", SOPClassUID: "1.2.840.10008.5.1.4.1.1.7"}, false},
		{Result{Format: FormatDICOM}, false},
		{Result{Format: FormatTIFF}, false},
	} {
		rej := CheckRetinal(&tc.res)
		require.Equal(t, tc.refuse, rej != nil, "%+v", tc.res)
		if rej != nil {
			require.Equal(t, CodeNotAOImage, rej.Code)
		}
	}
	for _, name := range []string{"3.dcm", "5.dcm"} { // real MR and CT files
		b, err := os.ReadFile(filepath.Join("testdata", "dicom", name))
		require.NoError(t, err)
		res, err := Parse(bytes.NewReader(b), int64(len(b)), name, Options{})
		require.NoError(t, err)
		require.NotNil(t, CheckRetinal(res), name)
	}
}
