package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/storage"
)

// weightsStore is the part of storage.Store registering models uses.
type weightsStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.Object, error)
}

// shippedCard is the part of a model card (internal/models/<name>.card.json) the registry reads;
// the card itself is stored whole.
type shippedCard struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Task        string `json:"task"`
	Modality    string `json:"modality"`
	Format      string `json:"format"`
	SHA256      string `json:"sha256"`
	IntendedUse string `json:"intended_use"`
}

// maxShippedWeights bounds what registering reads of one model file (the cards promise 20 MB).
const maxShippedWeights = 64 << 20

// RegisterShipped registers every model in fsys (<name>.card.json beside <name>.onnx) as a
// model version shared by every project: weights stored by their SHA-256, the card kept
// whole, and the first version of each model deployed. Idempotent: run at every start of
// serve and worker. A card whose digest does not match its weights is an error.
func RegisterShipped(ctx context.Context, conn *sqlx.DB, store weightsStore, fsys fs.FS, log *slog.Logger) (int, error) {
	cards, err := fs.Glob(fsys, "*.card.json")
	if err != nil {
		return 0, err
	}
	added := 0
	for _, name := range cards {
		cb, err := fs.ReadFile(fsys, name)
		if err != nil {
			return added, err
		}
		var c shippedCard
		if err := json.Unmarshal(cb, &c); err != nil {
			return added, fmt.Errorf("model card %s: %w", name, err)
		}
		modality, err := cardModality(c.Modality)
		if err != nil {
			return added, fmt.Errorf("model card %s: name, version, task (cones or capillaries) and modality are required (%w)", name, err)
		}
		if c.Name == "" || c.Version == "" || (c.Task != TaskCones && c.Task != TaskCapillaries) {
			return added, fmt.Errorf("model card %s: name, version, task (cones or capillaries) and modality are required", name)
		}
		wname := strings.TrimSuffix(name, ".card.json") + ".onnx"
		f, err := fsys.Open(wname)
		if err != nil {
			return added, fmt.Errorf("weights of %s: %w", name, err)
		}
		w, err := io.ReadAll(io.LimitReader(f, maxShippedWeights+1))
		_ = f.Close()
		if err != nil {
			return added, fmt.Errorf("weights %s: %w", wname, err)
		}
		if len(w) > maxShippedWeights {
			return added, fmt.Errorf("weights %s exceed %d MiB", wname, maxShippedWeights>>20)
		}
		sum := sha256.Sum256(w)
		digest := hex.EncodeToString(sum[:])
		if c.SHA256 != "" && !strings.EqualFold(c.SHA256, digest) {
			return added, fmt.Errorf("weights %s have SHA-256 %s, the card says %s", wname, digest, c.SHA256)
		}
		key := ModelWeightsKey(digest)
		if _, err := store.Put(ctx, key, bytes.NewReader(w), int64(len(w)), "application/octet-stream"); err != nil {
			return added, fmt.Errorf("store weights %s: %w", wname, err)
		}
		var isNew bool
		err = db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
			isNew, err = db.RegisterShipped(ctx, tx, db.ShippedModel{Name: c.Name, Task: c.Task, Modality: modality,
				Description: c.IntendedUse, Version: c.Version, WeightsKey: key, WeightsSHA256: digest, Card: string(cb)})
			return err
		})
		if err != nil {
			return added, err
		}
		if isNew {
			added++
			log.InfoContext(ctx, "shipped model registered", "model", c.Name, "version", c.Version, "sha256", digest, "file", path.Base(wname))
		}
	}
	return added, nil
}

// cardModality maps a card's modality to the runs' (a run says split-detector).
func cardModality(m string) (string, error) {
	switch m {
	case "confocal", "any":
		return m, nil
	case "split", "split-detector":
		return "split-detector", nil
	}
	return "", fmt.Errorf("modality %q", m)
}
