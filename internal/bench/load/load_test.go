package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c config)
		err   string
	}{
		{name: "defaults are the issue's figures", env: nil, check: func(t *testing.T, c config) {
			require.Equal(t, 10*time.Minute, c.Duration)
			require.Equal(t, []int{50, 10, 500}, []int{c.Analysts, c.Scanners, c.Runs})
			require.Equal(t, []int{1, 2, 4}, c.DrainWorkers)
		}},
		{name: "quick mode is short", env: map[string]string{"LOAD_QUICK": "1"}, check: func(t *testing.T, c config) {
			require.True(t, c.Quick)
			require.Equal(t, time.Minute, c.Duration)
			require.Less(t, c.Analysts, 50)
		}},
		{name: "variables win over quick mode", env: map[string]string{"LOAD_QUICK": "1", "LOAD_DURATION": "90s", "LOAD_ANALYSTS": "7",
			"LOAD_DRAIN_WORKERS": "4, 1"}, check: func(t *testing.T, c config) {
			require.Equal(t, 90*time.Second, c.Duration)
			require.Equal(t, 7, c.Analysts)
			require.Equal(t, []int{1, 4}, c.DrainWorkers)
		}},
		{name: "bad values are named", env: map[string]string{"LOAD_DURATION": "-1m", "LOAD_SCANNERS": "0", "LOAD_DRAIN_WORKERS": "1,x"},
			err: "LOAD_DURATION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.env))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.ErrorContains(t, err, "LOAD_SCANNERS")
				require.ErrorContains(t, err, "LOAD_DRAIN_WORKERS")
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, percentile(d, 0.5))
	require.Equal(t, 99*time.Millisecond, percentile(d, 0.99))
	require.Equal(t, 100*time.Millisecond, percentile(d, 1))
	require.Equal(t, time.Duration(0), percentile(nil, 0.5))
}

// TestMemoryVerdict: growth is judged on the soak's second half only, so a warm-up climb
// is not a leak and a steady climb after it is.
func TestMemoryVerdict(t *testing.T) {
	r := &result{SoakFrom: 0, SoakTo: 600}
	for ts := 0.0; ts <= 600; ts += 2 {
		warm := min(ts, 120) / 120 * 80 // climbs 80 MiB in the first two minutes, then flat
		r.Samples = append(r.Samples, sample{T: ts, RSS: map[string]float64{
			"serve":    40 + warm + float64(int(ts)%7), // flat after warm-up, with noise
			"worker-1": 100 + ts/60*3,                  // 3 MiB a minute throughout
			"worker-2": 100 + float64(int(ts)%60),      // a 60 MiB saw-tooth on a flat floor
		}})
	}
	rows := memory(r)
	require.Len(t, rows, 3)
	require.Equal(t, "serve", rows[0].Name)
	require.False(t, rows[0].Grows, "%+v", rows[0])
	require.InDelta(t, 0, rows[0].TroughSlope, 0.5)
	require.True(t, rows[1].Grows, "%+v", rows[1])
	require.InDelta(t, 3, rows[1].TroughSlope, 0.01)
	require.InDelta(t, 15, rows[1].Change, 0.5)
	require.False(t, rows[2].Grows, "%+v", rows[2])
	require.InDelta(t, 0, rows[2].TroughSlope, 0.01)
}
