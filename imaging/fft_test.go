package imaging

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFFT2RoundTripAndDFT(t *testing.T) {
	for _, sz := range [][2]int{{8, 4}, {6, 5}, {16, 16}, {12, 7}} {
		nx, ny := sz[0], sz[1]
		rng := rand.New(rand.NewPCG(1, uint64(nx*ny)))
		src := make([]float64, nx*ny)
		for i := range src {
			src[i] = rng.NormFloat64()
		}
		f := newFFT2(nx, ny)
		spec := make([]complex128, f.specLen())
		f.forwardReal(spec, src)
		var maxErr float64
		for u := range f.hx {
			for v := range ny {
				var want complex128
				for y := range ny {
					for x := range nx {
						ph := -2 * math.Pi * (float64(u*x)/float64(nx) + float64(v*y)/float64(ny))
						want += complex(src[y*nx+x]*math.Cos(ph), src[y*nx+x]*math.Sin(ph))
					}
				}
				d := spec[u*ny+v] - want
				maxErr = math.Max(maxErr, math.Hypot(real(d), imag(d)))
			}
		}
		require.Less(t, maxErr, 1e-9, "forward vs DFT %dx%d", nx, ny)
		back := make([]float64, nx*ny)
		f.inverseReal(back, spec)
		for i := range src {
			require.InDelta(t, src[i], back[i]/float64(nx*ny), 1e-9, "round trip %dx%d", nx, ny)
		}
	}
}
