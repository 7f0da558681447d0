package auth_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/aomas/aomas/internal/auth"
)

func TestParseMutationLimits(t *testing.T) {
	def, roles, err := auth.ParseMutationLimits("")
	require.NoError(t, err)
	require.Equal(t, auth.MutationLimit(), def)
	require.Equal(t, 1000, roles["scanner"].Burst)

	def, roles, err = auth.ParseMutationLimits(" *=5/50, tech=2.5/30 ")
	require.NoError(t, err)
	require.Equal(t, rate.Limit(5), def.Rate)
	require.Equal(t, 50, def.Burst)
	require.Equal(t, rate.Limit(2.5), roles["tech"].Rate)
	require.Equal(t, 30, roles["tech"].Burst)

	for _, bad := range []string{"tech", "tech=5", "tech=0/5", "tech=5/0", "=5/5", "tech=x/5"} {
		_, _, err := auth.ParseMutationLimits(bad)
		require.Error(t, err, bad)
	}
}

func TestMutationLimitsTakeAllOrNone(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	m := auth.NewMutationLimits(auth.LimiterConfig{Rate: 1, Burst: 10, Now: clock},
		map[string]auth.LimiterConfig{"scanner": {Rate: 10, Burst: 100}})

	_, burst, ok := m.Take("token:1", nil, 11)
	require.False(t, ok, "more than the burst never fits")
	require.Equal(t, 10, burst)
	_, _, ok = m.Take("token:1", nil, 8)
	require.True(t, ok)
	wait, _, ok := m.Take("token:1", nil, 5)
	require.False(t, ok)
	require.Equal(t, 3*time.Second, wait, "3 more events at 1 a second")
	_, _, ok = m.Take("token:1", nil, 2)
	require.True(t, ok, "a refusal takes nothing")

	// The most generous role counts, in its own bucket.
	_, burst, ok = m.Take("token:1", []string{"labeler", "scanner"}, 100)
	require.True(t, ok)
	require.Equal(t, 100, burst)
}
