package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
)

// cheap makes hashing fast in tests; TestPasswordHashing measures the real settings.
var cheap = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHashing(t *testing.T) {
	start := time.Now()
	h1, err := auth.HashPassword("correct horse battery", auth.DefaultParams())
	require.NoError(t, err)
	t.Logf("argon2id with default settings (m=64 MiB, t=3, p=2): %v per hash", time.Since(start).Round(time.Millisecond))
	require.True(t, strings.HasPrefix(h1, "$argon2id$v=19$m=65536,t=3,p=2$"), h1)
	h2, err := auth.HashPassword("correct horse battery", auth.DefaultParams())
	require.NoError(t, err)
	require.NotEqual(t, h1, h2, "each hash has its own salt")
	require.False(t, auth.NeedsRehash(h1, auth.DefaultParams()))

	weak, err := auth.HashPassword("correct horse battery", cheap)
	require.NoError(t, err)
	require.True(t, auth.NeedsRehash(weak, auth.DefaultParams()))

	cases := []struct {
		name, hash, password string
		want                 bool
		wantErr              bool
	}{
		{"right", h1, "correct horse battery", true, false},
		{"wrong", h1, "correct horse battery!", false, false},
		{"empty", h1, "", false, false},
		{"cheap right", weak, "correct horse battery", true, false},
		{"not ours", "$2a$10$abcdefghijklmnopqrstuv", "x", false, true},
		{"absurd memory", strings.Replace(weak, "m=64,", "m=99999999,", 1), "x", false, true},
		{"truncated", weak[:len(weak)-30], "correct horse battery", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, err := auth.VerifyPassword(c.hash, c.password)
			if c.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, ok)
		})
	}
	require.ErrorIs(t, auth.CheckPassword("short"), auth.ErrWeakPassword)
	require.ErrorIs(t, auth.CheckPassword(strings.Repeat("x", 1025)), auth.ErrWeakPassword)
	require.NoError(t, auth.CheckPassword("twelve chars"))
}

// BenchmarkHashPassword reports what one login costs the server with the default settings.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery", auth.DefaultParams()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(auth.DefaultParams().MemoryKiB)/1024, "MiB/hash")
}
