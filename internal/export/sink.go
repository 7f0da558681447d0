package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aomas/aomas/storage"
)

// Sink is an export store: an S3 bucket or a shared folder. Files are written under a
// folder per export; a file becomes visible under its name only when committed.
type Sink interface {
	// Create starts writing name in export dir.
	Create(ctx context.Context, dir, name, contentType string) (File, error)
	// Has reports whether name exists in export dir.
	Has(ctx context.Context, dir, name string) (bool, error)
	// Kind is "S3" or "FOLDER".
	Kind() string
}

// File is one file being written. Commit makes it whole under its name; Abort drops what
// was written. Either may be called once; Abort after Commit does nothing.
type File interface {
	io.Writer
	Commit() (Written, error)
	Abort()
}

// Written is a committed file: its name, size and SHA-256.
type Written struct {
	Name   string `json:"name"`
	Size   int64  `json:"size_bytes"`
	SHA256 string `json:"sha256"`
	Rows   int64  `json:"rows"`
}

// counter hashes and counts what passes through it.
type counter struct {
	h hash.Hash
	n int64
}

func newCounter() *counter { return &counter{h: sha256.New()} }

func (c *counter) Write(p []byte) (int, error) {
	c.h.Write(p)
	c.n += int64(len(p))
	return len(p), nil
}

func (c *counter) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

// S3Sink writes exports into a bucket: one object per file, streamed with unknown size (in
// parts), so nothing is held whole in memory. An aborted file aborts its multipart upload.
type S3Sink struct {
	Store *storage.Store
	// Prefix is put before every key ("exports/").
	Prefix string
}

// Kind says "S3".
func (s *S3Sink) Kind() string { return DestinationS3 }

func (s *S3Sink) key(dir, name string) string { return s.Prefix + dir + "/" + name }

// Create starts an upload of name.
func (s *S3Sink) Create(ctx context.Context, dir, name, contentType string) (File, error) {
	pr, pw := io.Pipe()
	f := &s3File{name: name, pw: pw, c: newCounter(), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		_, f.err = s.Store.Put(ctx, s.key(dir, name), pr, -1, contentType)
		_ = pr.CloseWithError(f.err)
	}()
	return f, nil
}

// Has reports whether the object exists.
func (s *S3Sink) Has(ctx context.Context, dir, name string) (bool, error) {
	_, err := s.Store.Stat(ctx, s.key(dir, name))
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// URL presigns a download of name for ttl.
func (s *S3Sink) URL(ctx context.Context, dir, name string, ttl time.Duration) (*url.URL, error) {
	return s.Store.PresignGet(ctx, s.key(dir, name), ttl, name)
}

type s3File struct {
	name string
	pw   *io.PipeWriter
	c    *counter
	// done is closed when the upload has stopped; err is then its outcome.
	done chan struct{}
	err  error
	over bool
}

func (f *s3File) Write(p []byte) (int, error) {
	n, err := f.pw.Write(p)
	_, _ = f.c.Write(p[:n]) // a hash and a count: cannot fail
	return n, err
}

func (f *s3File) Commit() (Written, error) {
	if f.over {
		return Written{}, fmt.Errorf("%s: already closed", f.name)
	}
	f.over = true
	_ = f.pw.Close()
	<-f.done
	if f.err != nil {
		return Written{}, f.err
	}
	return Written{Name: f.name, Size: f.c.n, SHA256: f.c.sum()}, nil
}

func (f *s3File) Abort() {
	if f.over {
		return
	}
	f.over = true
	// The upload sees an error instead of EOF, so minio-go aborts the multipart upload.
	_ = f.pw.CloseWithError(errors.New("export aborted"))
	<-f.done // the upload fails with the abort just asked for: nothing to report
}

// DirSink writes exports into a folder (an NFS mount, say): each file is written under a
// temporary name, synced and renamed, so a reader never sees half a file under its name.
type DirSink struct {
	Dir string
}

// Kind says "FOLDER".
func (d *DirSink) Kind() string { return DestinationFolder }

// Path is where name of export dir lies.
func (d *DirSink) Path(dir, name string) string { return filepath.Join(d.Dir, dir, name) }

// Create opens a temporary file beside name.
func (d *DirSink) Create(_ context.Context, dir, name, _ string) (File, error) {
	full := d.Path(dir, name)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return nil, fmt.Errorf("export folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), "."+filepath.Base(name)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("export file: %w", err)
	}
	return &dirFile{name: name, path: full, f: tmp, c: newCounter()}, nil
}

// Has reports whether the file exists.
func (d *DirSink) Has(_ context.Context, dir, name string) (bool, error) {
	_, err := os.Stat(d.Path(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

type dirFile struct {
	name, path string
	f          *os.File
	c          *counter
	over       bool
}

func (f *dirFile) Write(p []byte) (int, error) {
	n, err := f.f.Write(p)
	_, _ = f.c.Write(p[:n]) // a hash and a count: cannot fail
	return n, err
}

func (f *dirFile) Commit() (Written, error) {
	if f.over {
		return Written{}, fmt.Errorf("%s: already closed", f.name)
	}
	f.over = true
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.f.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(f.f.Name())
		return Written{}, fmt.Errorf("write %s: %w", f.name, err)
	}
	return Written{Name: f.name, Size: f.c.n, SHA256: f.c.sum()}, nil
}

func (f *dirFile) Abort() {
	if f.over {
		return
	}
	f.over = true
	_ = f.f.Close()
	_ = os.Remove(f.f.Name())
}
