package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/storage"
)

// PhantomVolume stores a READY raw float32 cone-mosaic volume (frames × size × size at
// 0.6 µm per pixel, 3° eccentricity) under its content key, records it with a subject and a
// case of its own, and returns the volume's row id. The same seed gives the same bytes.
// Pipeline tests and benchmarks start runs on it without going through an upload.
func PhantomVolume(t testing.TB, conn db.DB, store *storage.Store, seed uint64, size, frames int) int64 {
	t.Helper()
	ctx := context.Background()
	stack, _ := imaging.PhantomConeStack(imaging.ConePhantomOptions{Width: size, Height: size, Seed: seed, Frames: frames,
		EccentricityDeg: 3, UmPerPx: 0.6})
	raw := make([]byte, 0, 4*size*size*frames)
	for _, f := range stack {
		for _, v := range f.Pix {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	}
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:])
	key := intake.VolumeKey(digest)
	if _, err := store.Put(ctx, key, bytes.NewReader(raw), int64(len(raw)), ""); err != nil {
		t.Fatalf("store phantom volume: %v", err)
	}
	var vol int64
	err := sqlx.GetContext(ctx, conn, &vol, `
		WITH s AS (INSERT INTO subjects (code) VALUES ($1) RETURNING id),
		     c AS (INSERT INTO cases (subject_id, eye) SELECT id, 'OD' FROM s RETURNING id)
		INSERT INTO volumes (case_id, dim_z, dim_y, dim_x, dtype, size_bytes, sha256, source_format,
			object_key, filename, status, spacing_x_um, spacing_y_um, pixel_size_source)
		SELECT id, $2, $3, $3, 'float32', $4, $5, 'raw', $6, 'stack.raw', 'READY', 0.6, 0.6, 'FILE' FROM c
		RETURNING id`, fmt.Sprintf("S%d-%s", seed, digest[:12]), frames, size, len(raw), digest, key)
	if err != nil {
		t.Fatalf("record phantom volume: %v", err)
	}
	return vol
}
