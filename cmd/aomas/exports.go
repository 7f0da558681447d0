package main

import (
	"context"
	"crypto/sha256"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/storage"
)

// exportStore is the export bucket's configuration: endpoint, keys, TLS and region default
// to the object store's; nil when S3 exports are off.
func exportStore(c *config) *storage.Config {
	if c.ExportS3.Bucket == "off" || c.ExportS3.Bucket == "" {
		return nil
	}
	e := c.ExportS3
	if e.Endpoint == "" {
		e.Endpoint, e.Secure = c.S3.Endpoint, c.S3.Secure
		if e.AccessKey == "" && e.SecretKey == "" {
			e.AccessKey, e.SecretKey = c.S3.AccessKey, c.S3.SecretKey
		}
	}
	if e.Region == "" {
		e.Region = c.S3.Region
	}
	return &e
}

// newExports builds the export service over d, enqueuing on client (nil in a worker, which
// only runs exports); its bucket is made when missing.
func newExports(ctx context.Context, c *config, d *deps, client *asynq.Client, logger *slog.Logger) (*export.Service, error) {
	s := &export.Service{DB: d.db, Labels: &labels.Service{DB: d.db, Store: d.store}, Redis: d.redis, Logger: logger}
	if client != nil {
		s.Queue = client
	}
	if len(c.SubjectKey) > 0 {
		k := sha256.Sum256(append([]byte("aomas export links\x00"), c.SubjectKey...))
		s.URLKey = k[:]
	}
	if cfg := exportStore(c); cfg != nil {
		st, err := storage.New(*cfg)
		if err != nil {
			return nil, err
		}
		if err := retry(ctx, logger, "export store", func() error { return st.EnsureBucket(ctx) }); err != nil {
			return nil, err
		}
		s.S3 = &export.S3Sink{Store: st}
	}
	if c.ExportDir != "" {
		s.Folder = &export.DirSink{Dir: c.ExportDir}
	}
	return s, nil
}
