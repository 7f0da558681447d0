// Package storage keeps aomas's bulk data (volumes, intermediates, masks, model weights) in
// S3-compatible object storage through minio-go.
package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// ErrNotFound reports that an object does not exist.
var ErrNotFound = errors.New("object not found")

// Config says where the object store is.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	Secure    bool
	Region    string
}

// Store is one bucket of an S3-compatible object store.
type Store struct {
	client *minio.Client
	bucket string
	region string
}

// Object describes a stored object; SHA256 is the hex digest of its bytes.
type Object struct {
	Key         string
	Size        int64
	SHA256      string
	ContentType string
}

// New returns a Store for cfg. It does not contact the server; EnsureBucket does.
func New(cfg Config) (*Store, error) {
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("object storage client: %w", err)
	}
	return &Store{client: c, bucket: cfg.Bucket, region: cfg.Region}, nil
}

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// EnsureBucket creates the bucket when it does not exist yet.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region})
	if err != nil {
		// Another replica may have made it between our check and our call.
		if resp := minio.ToErrorResponse(err); resp.Code == "BucketAlreadyOwnedByYou" {
			return nil
		}
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Ping reports whether the bucket can be reached.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("object storage: %w", err)
	}
	if !ok {
		return fmt.Errorf("object storage: bucket %s does not exist", s.bucket)
	}
	return nil
}

// Put streams r into key and returns the object with the SHA-256 of the bytes written.
// size may be -1 when unknown; memory stays bounded either way because minio-go uploads
// in parts.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Object, error) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := sha256.New()
	info, err := s.client.PutObject(ctx, s.bucket, key, io.TeeReader(r, h), size, minio.PutObjectOptions{
		ContentType: contentType,
		NumThreads:  uploadThreads,
		PartSize:    uploadPartSize,
	})
	if err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	return Object{Key: key, Size: info.Size, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: contentType}, nil
}

// PutStream streams r, of a length not known beforehand, into key while hashing it, and
// returns the object with its size and SHA-256. Parts are read into streamThreads buffers
// and uploaded in parallel while the next part is read, so receiving and storing overlap;
// memory stays at streamThreads parts. When r fails, the multipart upload is aborted:
// nothing of key is left.
func (s *Store) PutStream(ctx context.Context, key string, r io.Reader, contentType string) (Object, error) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := sha256.New()
	info, err := s.client.PutObject(ctx, s.bucket, key, io.TeeReader(r, h), -1, minio.PutObjectOptions{
		ContentType:           contentType,
		NumThreads:            streamThreads,
		PartSize:              streamPartSize,
		ConcurrentStreamParts: true,
	})
	if err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	return Object{Key: key, Size: info.Size, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: contentType}, nil
}

// streamThreads and streamPartSize bound a streamed upload's memory (threads × part size).
const (
	streamThreads  = 4
	streamPartSize = 8 << 20
)

// uploadThreads and uploadPartSize bound what one upload holds in memory (one part buffer
// per thread) while keeping parts in flight in parallel.
const (
	uploadThreads  = 2
	uploadPartSize = 16 << 20
)

// PutReaderAt uploads the size bytes of r, whose SHA-256 the caller has already computed
// (a spooled upload is hashed in its own pass). Parts go up in parallel straight from r.
func (s *Store) PutReaderAt(ctx context.Context, key string, r io.ReaderAt, size int64, sha256hex, contentType string) (Object, error) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	// A SectionReader keeps io.ReaderAt visible, so minio-go reads parts concurrently.
	info, err := s.client.PutObject(ctx, s.bucket, key, io.NewSectionReader(r, 0, size), size, minio.PutObjectOptions{
		ContentType: contentType,
		NumThreads:  uploadThreads,
		PartSize:    uploadPartSize,
	})
	if err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	if info.Size != size {
		return Object{}, fmt.Errorf("put %s: stored %d of %d bytes", key, info.Size, size)
	}
	return Object{Key: key, Size: info.Size, SHA256: sha256hex, ContentType: contentType}, nil
}

// Get opens key for reading. The caller closes the reader.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if _, err := s.Stat(ctx, key); err != nil {
		return nil, err
	}
	o, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	return o, nil
}

// ReadAtCloser is an object opened for random access.
type ReadAtCloser interface {
	io.ReaderAt
	io.Closer
}

// Open opens key for random access and returns it with its size. Reads ask the store for
// the bytes from their offset onwards and keep that stream open, so reads that follow one
// another (planes in order) are one GET, and a read elsewhere starts another; nothing
// holds more than the caller's buffer. The caller closes it.
func (s *Store) Open(ctx context.Context, key string) (ReadAtCloser, int64, error) {
	st, err := s.Stat(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	return &rangeReader{ctx: ctx, s: s, key: key, size: st.Size}, st.Size, nil
}

type rangeReader struct {
	ctx  context.Context
	s    *Store
	key  string
	size int64

	mu   sync.Mutex
	body io.ReadCloser
	pos  int64
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if off < 0 {
		return 0, fmt.Errorf("read %s at %d: negative offset", r.key, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	if r.body == nil || off != r.pos {
		if r.body != nil {
			_ = r.body.Close()
			r.body = nil
		}
		var opts minio.GetObjectOptions
		if off > 0 {
			if err := opts.SetRange(off, 0); err != nil { // from off to the end
				return 0, fmt.Errorf("read %s at %d: %w", r.key, off, err)
			}
		}
		o, err := r.s.client.GetObject(r.ctx, r.s.bucket, r.key, opts)
		if err != nil {
			return 0, fmt.Errorf("read %s at %d: %w", r.key, off, err)
		}
		r.body, r.pos = o, off
	}
	want := p[:min(int64(len(p)), r.size-off)]
	n, err := io.ReadFull(r.body, want)
	r.pos += int64(n)
	if err != nil {
		_ = r.body.Close()
		r.body = nil
		return n, fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *rangeReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	return err
}

// Stat returns the size and content type of key; its SHA256 is left empty because the
// digest lives in PostgreSQL with the row that owns the object.
func (s *Store) Stat(ctx context.Context, key string) (Object, error) {
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return Object{}, fmt.Errorf("stat %s: %w", key, ErrNotFound)
		}
		return Object{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return Object{Key: key, Size: info.Size, ContentType: info.ContentType}, nil
}

// Delete removes key; deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// PresignGet returns a URL that lets its holder download key for ttl.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (*url.URL, error) {
	params := url.Values{}
	if filename != "" {
		params.Set("response-content-disposition", fmt.Sprintf("attachment; filename=%q", filename))
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, ttl, params)
	if err != nil {
		return nil, fmt.Errorf("presign get %s: %w", key, err)
	}
	return u, nil
}

// PresignPut returns a URL that lets its holder upload key within ttl.
func (s *Store) PresignPut(ctx context.Context, key string, ttl time.Duration) (*url.URL, error) {
	u, err := s.client.PresignedPutObject(ctx, s.bucket, key, ttl)
	if err != nil {
		return nil, fmt.Errorf("presign put %s: %w", key, err)
	}
	return u, nil
}

// RemoveBucket deletes every object in the bucket and then the bucket; tests use it.
func (s *Store) RemoveBucket(ctx context.Context) error {
	objs := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true})
	for errResp := range s.client.RemoveObjects(ctx, s.bucket, objs, minio.RemoveObjectsOptions{}) {
		if errResp.Err != nil {
			return fmt.Errorf("empty bucket %s: %w", s.bucket, errResp.Err)
		}
	}
	if err := s.client.RemoveBucket(ctx, s.bucket); err != nil {
		return fmt.Errorf("remove bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Keys lists the keys under prefix (tests and maintenance).
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		out = append(out, o.Key)
	}
	return out, nil
}
