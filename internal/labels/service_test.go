package labels_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/storage"
)

// gatedStore is the real MinIO store with a gate in Put: a Put of key blockKey waits until
// release is closed, and every Put is counted.
type gatedStore struct {
	*storage.Store
	blockKey string
	entered  chan struct{}
	release  chan struct{}
	opened   sync.Once

	mu   sync.Mutex
	puts []string
}

// open lets the blocked Put go on; it may be called more than once.
func (g *gatedStore) open() { g.opened.Do(func() { close(g.release) }) }

func (g *gatedStore) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.Object, error) {
	g.mu.Lock()
	g.puts = append(g.puts, key)
	g.mu.Unlock()
	if key == g.blockKey {
		close(g.entered)
		select {
		case <-g.release:
		case <-ctx.Done():
			return storage.Object{}, ctx.Err()
		}
	}
	return g.Store.Put(ctx, key, r, size, contentType)
}

func (g *gatedStore) putCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.puts)
}

type fixture struct {
	conn   *sqlx.DB
	store  *gatedStore
	svc    *labels.Service
	volume int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	conn := testenv.Postgres(t)
	store := &gatedStore{Store: testenv.Store(t), entered: make(chan struct{}), release: make(chan struct{})}
	vol := testenv.PhantomVolume(t, conn, store.Store, 1, 16, 1)
	return &fixture{conn: conn, store: store, svc: &labels.Service{DB: conn, Store: store}, volume: vol}
}

func (f *fixture) save(ctx context.Context, base int, doc string) (db.Label, error) {
	return f.svc.Save(ctx, labels.SaveInput{VolumeID: f.volume, Kind: "cones", BaseVersion: base, Document: doc, Author: "ann@example.org"})
}

func doc(points string) string {
	return `{"format":"aomas-annotation","version":1,"width":64,"height":64,"umPerPx":1,"points":[` + points +
		`],"polylines":[],"polygons":[],"mask":[]}`
}

// TestSaveHoldsNoLockAcrossPut: while one save is stuck writing its document to object
// storage, another save from the same base goes through and a stale one gets its
// conflict at once; neither waits on a row lock. The stuck save then finds it is stale.
func TestSaveHoldsNoLockAcrossPut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.save(ctx, 0, doc(`["m0",1,1,"model"]`))
	require.NoError(t, err)

	slow := doc(`["m0",1,1,"model"],["s1",2,2,"human"]`)
	f.store.blockKey = labels.DocumentKey(f.volume, "cones", []byte(slow))
	t.Cleanup(f.store.open) // a failed test leaves no save stuck in Put
	type result struct {
		l   db.Label
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := f.save(ctx, 1, slow)
		done <- result{l, err}
	}()
	select {
	case <-f.store.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the slow save never reached Put")
	}

	// Both run while the slow save is inside Put; a lock held across it would stall them
	// until the deadline.
	quick, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l, err := f.save(quick, 1, doc(`["m0",1,1,"model"],["q1",3,3,"human"]`))
	require.NoError(t, err, "a save from the same base while another save's Put is in flight")
	require.Equal(t, 2, l.Version)
	_, err = f.save(quick, 1, doc(`["m0",9,9,"model"]`))
	var stale *labels.StaleError
	require.ErrorAs(t, err, &stale, "a save from a stale base while another save's Put is in flight")
	require.Equal(t, 2, stale.Current)
	require.ErrorIs(t, err, db.ErrStale)
	require.Equal(t, "the label changed since this edit began: it is at version 2 now; reload it and apply the edit again", err.Error())

	f.store.open()
	select {
	case r := <-done:
		require.ErrorAs(t, r.err, &stale, "the slow save started from version 1, which is gone")
		require.Equal(t, 2, stale.Current)
	case <-time.After(30 * time.Second):
		t.Fatal("the slow save never finished")
	}
	got, err := db.LabelByID(ctx, f.conn, l.ID)
	require.NoError(t, err)
	require.Equal(t, 2, got.Version)
	text, err := f.svc.Document(ctx, got)
	require.NoError(t, err)
	require.JSONEq(t, doc(`["m0",1,1,"model"],["q1",3,3,"human"]`), text, "the stale saves overwrote nothing")
	h, err := f.svc.History(ctx, l.ID)
	require.NoError(t, err)
	require.Len(t, h, 2)
}

// TestSameDocumentSharesOneObject: documents are stored under their digest, so saving the
// same bytes again (an undo back to an earlier state, a retried save) writes to the same
// object, and a stale save writes nothing at all.
func TestSameDocumentSharesOneObject(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	x, y := doc(`["m0",1,1,"model"]`), doc(`["m0",1,1,"model"],["h0",5,5,"human"]`)
	for base, d := range []string{x, y, x} {
		_, err := f.save(ctx, base, d)
		require.NoError(t, err)
	}
	l, err := db.LabelOf(ctx, f.conn, f.volume, "cones")
	require.NoError(t, err)
	var keys []string
	for v := 1; v <= 3; v++ {
		lv, err := db.CurrentLabelVersion(ctx, f.conn, l.ID, v)
		require.NoError(t, err)
		keys = append(keys, lv.ObjectKey)
	}
	require.Equal(t, labels.DocumentKey(f.volume, "cones", []byte(x)), keys[0])
	require.Equal(t, keys[0], keys[2], "versions 1 and 3 hold the same bytes: one object")
	require.NotEqual(t, keys[0], keys[1])
	require.Regexp(t, fmt.Sprintf(`^labels/%d/cones/[0-9a-f]{64}\.json$`, f.volume), keys[0])
	_, err = f.store.Stat(ctx, keys[0])
	require.NoError(t, err)

	puts := f.store.putCount()
	_, err = f.save(ctx, 1, y)
	var stale *labels.StaleError
	require.ErrorAs(t, err, &stale)
	require.Equal(t, puts, f.store.putCount(), "a save known to be stale writes nothing")

	h, err := f.svc.History(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, "−1 mark", h[2].Changes)
}

// TestOldObjectKeysStillRead: versions saved before documents were content addressed keep
// their labels/<label id>/v<n>.json key; reading and saving over them goes through the row.
func TestOldObjectKeysStillRead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := doc(`["m0",1,1,"model"],["m1",2,2,"model"]`)
	var l db.Label
	require.NoError(t, db.InTx(ctx, f.conn, func(tx *sqlx.Tx) error {
		var err error
		if l, err = db.CreateLabel(ctx, tx, f.volume, "cones"); err != nil {
			return err
		}
		key := fmt.Sprintf("labels/%d/v1.json", l.ID)
		obj, err := f.store.Store.Put(ctx, key, bytes.NewReader([]byte(old)), int64(len(old)), "application/json")
		if err != nil {
			return err
		}
		l, err = db.AddLabelVersion(ctx, tx, db.LabelVersion{LabelID: l.ID, Version: 1, ObjectKey: obj.Key, SizeBytes: obj.Size, SHA256: obj.SHA256, Author: "old"}, "")
		return err
	}))
	text, err := f.svc.Document(ctx, l)
	require.NoError(t, err)
	require.Equal(t, old, text)

	_, err = f.save(ctx, 1, doc(`["m0",1,1,"model"]`))
	require.NoError(t, err)
	h, err := f.svc.History(ctx, l.ID)
	require.NoError(t, err)
	require.Equal(t, "−1 mark", h[1].Changes, "the change list is against the old-key document")
}

// TestReviewStates: the service's refusals are typed, with the messages clients see.
func TestReviewStates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l, err := f.save(ctx, 0, doc(`["m0",1,1,"model"]`))
	require.NoError(t, err)
	_, err = f.svc.Review(ctx, l.ID, 1, labels.Verdict{Approve: true}, "rev@example.org")
	var state *labels.StateError
	require.ErrorAs(t, err, &state, "a draft cannot be approved")
	require.ErrorIs(t, err, db.ErrLabelState)
	require.Equal(t, "a DRAFT label cannot be APPROVED", err.Error())

	l, err = f.svc.Submit(ctx, l.ID, 1, "ann@example.org")
	require.NoError(t, err)
	require.Equal(t, db.LabelInReview, l.State)
	_, err = f.save(ctx, 1, doc(`[]`))
	require.ErrorAs(t, err, &state)
	require.Equal(t, "the label is IN_REVIEW; it can be edited again once returned", err.Error())

	var bad *labels.InputError
	_, err = f.svc.Review(ctx, l.ID, 1, labels.Verdict{}, "rev@example.org")
	require.ErrorAs(t, err, &bad)
	require.Equal(t, "a returned label needs a comment saying what to change", err.Error())
	l, err = f.svc.Review(ctx, l.ID, 1, labels.Verdict{Comment: "m0 is a rod"}, "rev@example.org")
	require.NoError(t, err)
	require.Equal(t, db.LabelReturned, l.State)

	_, err = f.svc.Submit(ctx, l.ID, 0, "ann@example.org")
	var stale *labels.StaleError
	require.ErrorAs(t, err, &stale)
	require.Equal(t, 1, stale.Current)

	for _, in := range []labels.SaveInput{
		{VolumeID: f.volume, Kind: "rods", BaseVersion: 1, Document: `{}`},
		{VolumeID: f.volume, Kind: "cones", BaseVersion: 1, Document: `{not json`},
	} {
		_, err := f.svc.Save(ctx, in)
		require.True(t, errors.As(err, &bad), "%+v: %v", in, err)
	}
	h, err := f.svc.History(ctx, l.ID)
	require.NoError(t, err)
	var actions []string
	for _, e := range h {
		actions = append(actions, e.Action)
	}
	require.Equal(t, []string{labels.ActionSaved, labels.ActionSubmitted, labels.ActionReturned}, actions)
	require.Equal(t, "m0 is a rod", h[2].Comment)
}
