package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/storage"
)

func TestPutGetStatPresign(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	payload := make([]byte, 3<<20+17) // spans several parts' worth of buffering
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	want := sha256.Sum256(payload)

	tests := []struct {
		name string
		size int64
	}{
		{"known size", int64(len(payload))},
		{"unknown size", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "volumes/" + tc.name
			obj, err := s.Put(ctx, key, bytes.NewReader(payload), tc.size, "application/octet-stream")
			require.NoError(t, err)
			require.Equal(t, hex.EncodeToString(want[:]), obj.SHA256)
			require.EqualValues(t, len(payload), obj.Size)

			st, err := s.Stat(ctx, key)
			require.NoError(t, err)
			require.EqualValues(t, len(payload), st.Size)

			r, err := s.Get(ctx, key)
			require.NoError(t, err)
			got, err := io.ReadAll(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			require.Equal(t, payload, got)

			u, err := s.PresignGet(ctx, key, time.Minute, "v.raw")
			require.NoError(t, err)
			resp, err := http.Get(u.String())
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, payload, body)
			require.Contains(t, resp.Header.Get("Content-Disposition"), "v.raw")
		})
	}
}

func TestPresignPutThenStat(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	u, err := s.PresignPut(ctx, "uploads/direct", time.Minute)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, u.String(), bytes.NewReader([]byte("scanner bytes")))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	st, err := s.Stat(ctx, "uploads/direct")
	require.NoError(t, err)
	require.EqualValues(t, len("scanner bytes"), st.Size)
}

func TestMissingObjectIsNotFound(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	_, err := s.Stat(ctx, "nope")
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.Get(ctx, "nope")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func TestEnsureBucketIsIdempotentAndPingFailsWhenUnreachable(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	require.NoError(t, s.EnsureBucket(ctx))
	require.NoError(t, s.Ping(ctx))

	cfg := testenv.S3Config(t)
	cfg.Endpoint = "127.0.0.1:1" // nothing listens there
	dead, err := storage.New(cfg)
	require.NoError(t, err)
	pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	require.Error(t, dead.Ping(pctx))
}

func TestRecordedDigestMatchesStoredObject(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	conn := testenv.Postgres(t)
	obj, err := s.Put(ctx, "a/b", bytes.NewReader([]byte("hello")), 5, "")
	require.NoError(t, err)
	rec, err := db.RecordArtifact(ctx, conn, db.Artifact{ObjectKey: obj.Key, SizeBytes: obj.Size, SHA256: obj.SHA256, ContentType: obj.ContentType})
	require.NoError(t, err)
	require.Equal(t, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", rec.SHA256)

	// Recording the same object again is idempotent; a different digest under the key is refused.
	again, err := db.RecordArtifact(ctx, conn, db.Artifact{ObjectKey: obj.Key, SizeBytes: obj.Size, SHA256: obj.SHA256, ContentType: obj.ContentType})
	require.NoError(t, err)
	require.Equal(t, rec.ID, again.ID)
	_, err = db.RecordArtifact(ctx, conn, db.Artifact{ObjectKey: obj.Key, SizeBytes: 1, SHA256: hex.EncodeToString(make([]byte, 32))})
	require.ErrorContains(t, err, "different object")
	got, err := db.ArtifactByKey(ctx, conn, obj.Key)
	require.NoError(t, err)
	require.Equal(t, rec.SHA256, got.SHA256)
	_, err = db.ArtifactByKey(ctx, conn, "missing")
	require.ErrorIs(t, err, db.ErrNotFound)
}
