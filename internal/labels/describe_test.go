package labels

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const v1 = `{"format":"aomas-annotation","version":1,"width":256,"height":256,"umPerPx":1,
 "points":[["m0",10,10,"model"],["m1",20,20,"model"],["m2",30,30,"model"],["h0",40,40,"human"]],
 "polylines":[],"polygons":[{"id":"g0","points":[[0,0],[9,0],[9,9]]}],"mask":[65536]}`

const v2 = `{"format":"aomas-annotation","version":1,"width":256,"height":256,"umPerPx":1,
 "points":[["m0",10,10,"model"],["m1",21.5,20,"human"],["h0",40,40,"human"],["h1",50,50,"human"],["h2",60,60,"human"]],
 "polylines":[{"id":"l0","points":[[1,1],[5,5]]}],"polygons":[{"id":"g0","points":[[0,0],[9,0],[9,12]]}],"mask":[100,1204,64232]}`

func TestDescribe(t *testing.T) {
	require.Equal(t, "4 marks (1 by hand); +1 region", Describe(nil, []byte(v1)), "a first save: what it holds")
	require.Equal(t, "+2 marks, 1 mark moved, −1 mark; +1 vessel line; 1 region changed; mask +1,204 px", Describe([]byte(v1), []byte(v2)))
	require.Equal(t, "+1 mark, 1 mark moved, −2 marks; −1 vessel line; 1 region changed; mask −1,204 px", Describe([]byte(v2), []byte(v1)))
	require.Equal(t, "no change", Describe([]byte(v2), []byte(v2)))
	require.Equal(t, "", Describe(nil, []byte(`{"points":[[1,2]]}`)), "not an annotation document")
	require.Equal(t, "", Describe([]byte(`{}`), []byte(v1)))
	require.Equal(t, "", Describe(nil, []byte(`{"format":"aomas-annotation","points":[["a","x",1,"model"]]}`)), "a malformed mark")
	require.Equal(t, "50,000", thousands(50000))
	require.Equal(t, "1,234,567", thousands(1234567))
	require.Equal(t, "999", thousands(999))
}

// BenchmarkDescribe50k: what each save of a 50,000-mark document costs for its history line.
func BenchmarkDescribe50k(b *testing.B) {
	doc := func(shift float64) []byte {
		var sb strings.Builder
		sb.WriteString(`{"format":"aomas-annotation","version":1,"width":4096,"height":4096,"umPerPx":0.5,"points":[`)
		for i := range 50000 {
			if i > 0 {
				sb.WriteByte(',')
			}
			x := float64(i%220)*18.5 + shift*float64(i%7)
			fmt.Fprintf(&sb, `["m%d",%.2f,%.2f,"model"]`, i, x, float64(i/220)*18)
		}
		sb.WriteString(`],"polylines":[],"polygons":[],"mask":[16777216]}`)
		return []byte(sb.String())
	}
	prev, next := doc(0), doc(0.5)
	b.SetBytes(int64(len(prev) + len(next)))
	for b.Loop() {
		if Describe(prev, next) == "" {
			b.Fatal("no description")
		}
	}
}
