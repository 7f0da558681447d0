package labels

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
)

func square(x, y, side float64) []db.Point {
	return []db.Point{{X: x, Y: y}, {X: x + side, Y: y}, {X: x + side, Y: y + side}, {X: x, Y: y + side}}
}

// TestVerdictCheck: which returns and approvals the service refuses before reading anything.
func TestVerdictCheck(t *testing.T) {
	many := make([]db.ReviewRegion, maxRegions+1)
	for i := range many {
		many[i] = db.ReviewRegion{Points: square(0, 0, 4), Comment: "x"}
	}
	for _, tc := range []struct {
		name string
		v    Verdict
		ok   bool
	}{
		{"approve", Verdict{Approve: true}, true},
		{"return with a comment", Verdict{Comment: "fix"}, true},
		{"return without a comment", Verdict{}, false},
		{"return a region with its comment", Verdict{Regions: []db.ReviewRegion{{Points: square(1, 1, 8), Comment: "rod"}}}, true},
		{"region comments left to the review's", Verdict{Comment: "see", Regions: []db.ReviewRegion{{Points: square(1, 1, 8)}}}, true},
		{"a region with no comment anywhere", Verdict{Regions: []db.ReviewRegion{{Points: square(1, 1, 8), Comment: "a"}, {Points: square(20, 20, 8)}}}, false},
		{"approve with regions", Verdict{Approve: true, Regions: []db.ReviewRegion{{Points: square(1, 1, 8), Comment: "a"}}}, false},
		{"two points", Verdict{Comment: "c", Regions: []db.ReviewRegion{{Points: square(1, 1, 8)[:2]}}}, false},
		{"no area", Verdict{Comment: "c", Regions: []db.ReviewRegion{{Points: []db.Point{{X: 0, Y: 0}, {X: 1, Y: 1}, {X: 2, Y: 2}}}}}, false},
		{"negative", Verdict{Comment: "c", Regions: []db.ReviewRegion{{Points: square(-5, 1, 8)}}}, false},
		{"NaN", Verdict{Comment: "c", Regions: []db.ReviewRegion{{Points: []db.Point{{X: math.NaN(), Y: 0}, {X: 5, Y: 0}, {X: 5, Y: 5}}}}}, false},
		{"too many regions", Verdict{Comment: "c", Regions: many}, false},
		{"too many points", Verdict{Comment: "c", Regions: []db.ReviewRegion{{Points: make([]db.Point, maxRegionPoints+1)}}}, false},
		{"a long comment", Verdict{Comment: strings.Repeat("x", maxComment+1)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Check()
			if tc.ok {
				require.NoError(t, err)
				return
			}
			var in *InputError
			require.True(t, errors.As(err, &in), "%v", err)
		})
	}
}
