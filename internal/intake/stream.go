package intake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/storage"
)

// headBytes is how much of a streamed file is kept in memory for the format pre-scan: a
// DICOM's header and a TIFF's first directory lie there in practice; reads past it go to
// the stored object by range.
const headBytes = 1 << 20

// errTooLarge stops a streamed upload that passed the size limit.
var errTooLarge = errors.New("upload over the size limit")

// StreamKey is where a streamed upload is stored: a key of its own, since its content hash
// is known only once the last byte went by.
func StreamKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "volumes/s/" + hex.EncodeToString(b[:])
}

// IngestStream ingests r while it arrives: the bytes go through SHA-256 into object
// storage as they are received (nothing is spooled to disk, memory stays at the upload's
// part buffers and the first MiB), then the stored object is read with ingest, its head
// from memory and anything past it by range. Every rejection is typed and recorded as with
// IngestFile; an object written for an upload that ends as no volume (too large, cut off,
// a duplicate, a failed insert) is removed again, so nothing is half-stored.
func (s *Service) IngestStream(ctx context.Context, r io.Reader, in Input) (Outcome, error) {
	if _, err := db.CaseByID(ctx, s.DB, in.CaseID); err != nil {
		return Outcome{}, err // before a byte is stored
	}
	limit := s.maxBytes()
	lr := &limitedHead{r: r, max: limit}
	key := StreamKey()
	obj, err := s.Store.PutStream(ctx, key, lr, "application/octet-stream")
	if errors.Is(err, errTooLarge) || lr.over {
		// minio-go aborted the multipart upload; nothing of key is there.
		return s.refuse(ctx, in, lr.n, &ingest.RejectError{Code: ingest.CodeTooLarge,
			Reason: fmt.Sprintf("the file is over the upload limit of %d bytes", limit)})
	}
	if err != nil {
		return Outcome{}, err
	}
	// From here on the object exists: it is removed unless a volume row names it.
	kept := false
	defer func() {
		if !kept {
			_ = s.Store.Delete(context.WithoutCancel(ctx), key)
		}
	}()
	size, sha := obj.Size, obj.SHA256
	if size == 0 {
		return s.refuse(ctx, in, 0, &ingest.RejectError{Code: ingest.CodeEmpty, Reason: "the file is empty"})
	}
	ik := ingestKey(sha, in)
	if v, err := db.ReadyVolumeByIngestKey(ctx, s.DB, in.CaseID, ik); err == nil {
		return Outcome{Volume: v, Duplicate: true}, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return Outcome{}, err
	}

	// Bytes some volume already keeps are stored once: that object is used and ours dropped.
	keep := key
	if k, err := db.StoredObjectBySHA(ctx, s.DB, sha); err == nil && k != key {
		if st, err := s.Store.Stat(ctx, k); err == nil && st.Size == size {
			keep = k
		}
	}
	ra := &headThenStore{head: lr.head, size: size}
	if size > int64(len(lr.head)) {
		rest, _, err := s.Store.Open(ctx, key)
		if err != nil {
			return Outcome{}, err
		}
		defer func() { _ = rest.Close() }()
		ra.rest = rest
	}
	opts := s.Limits
	opts.MaxBytes, opts.Sidecar, opts.VolumeKind = limit, in.Sidecar, in.VolumeKind
	res, perr := ingest.Parse(ra, size, in.Filename, opts)
	var rej *ingest.RejectError
	if perr != nil && !errors.As(perr, &rej) {
		return Outcome{}, fmt.Errorf("read upload: %w", perr)
	}
	out, err := s.record(ctx, in, res, rej, stored{key: keep, size: size, sha: sha, ingestKey: ik, contentType: obj.ContentType})
	if err != nil || out.Duplicate {
		return out, err
	}
	kept = keep == key
	return out, nil
}

// limitedHead passes r through, keeping its first headBytes and failing with errTooLarge
// once more than max bytes went by.
type limitedHead struct {
	r    io.Reader
	max  int64
	n    int64
	head []byte
	over bool
}

func (l *limitedHead) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if room := headBytes - len(l.head); room > 0 && n > 0 {
		l.head = append(l.head, p[:min(n, room)]...)
	}
	l.n += int64(n)
	if l.n > l.max {
		l.over = true
		return n, errTooLarge
	}
	return n, err
}

// headThenStore reads a stored upload: the head from memory, the rest from the store.
type headThenStore struct {
	head []byte
	rest storage.ReadAtCloser
	size int64
}

func (h *headThenStore) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at %d: negative offset", off)
	}
	if off >= h.size {
		return 0, io.EOF
	}
	if end := off + int64(len(p)); end <= int64(len(h.head)) {
		return copy(p, h.head[off:end]), nil
	}
	if h.rest == nil {
		n := copy(p, h.head[min(off, int64(len(h.head))):])
		return n, io.EOF
	}
	return h.rest.ReadAt(p, off)
}
