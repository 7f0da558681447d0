package imaging

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDeviceCalibration(t *testing.T) {
	// Bennett et al. 1994: q = 0.01306·(AL − 1.82); a 24 mm eye gives about 0.29 mm/deg.
	require.InDelta(t, 0.28967, RetinalMagnificationMMPerDeg(24), 1e-5)
	require.InDelta(t, MMPerDegree, RetinalMagnificationMMPerDeg(24), 0.001)
	// A 1.5° AOSLO field over 512 px in a 24 mm eye: 0.849 µm/px; a longer eye, larger pixels.
	um, err := DeviceCalibration{AxialLengthMM: 24, FieldOfViewDeg: 1.5, FieldOfViewPx: 512}.UmPerPx()
	require.NoError(t, err)
	require.InDelta(t, 1.5*0.01306*(24-1.82)*1000/512, um, 1e-9)
	long, err := DeviceCalibration{AxialLengthMM: 27, FieldOfViewDeg: 1.5, FieldOfViewPx: 512}.UmPerPx()
	require.NoError(t, err)
	require.Greater(t, long, um)
	for _, bad := range []DeviceCalibration{
		{AxialLengthMM: 3, FieldOfViewDeg: 1.5, FieldOfViewPx: 512},
		{AxialLengthMM: 24, FieldOfViewDeg: 0, FieldOfViewPx: 512},
		{AxialLengthMM: 24, FieldOfViewDeg: 1.5, FieldOfViewPx: 0},
	} {
		_, err := bad.UmPerPx()
		require.Error(t, err, "%+v", bad)
	}
}
