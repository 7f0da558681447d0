// Package registry is the model registry's core (issue 16): registering model versions
// (ONNX weights stored content-addressed after a contract check, with their card), moving
// them through the stages CANDIDATE → SHADOW → CANARY → PRODUCTION → ARCHIVED behind
// gates, rolling production back, and the production history and shadow agreement.
//
// Scope: every project deploys its own versions. The shipped models are shared (project
// NULL) and stay as aomas registered them; a project's PRODUCTION version of a task and
// modality takes precedence over the shared one (db.DeployedModel), and rolling back a
// project's only production version hands the task back to the shared default.
package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/storage"
)

// MaxWeightsBytes bounds a registered ONNX file; it is checked before anything is read.
const MaxWeightsBytes = 64 << 20

// maxCardBytes bounds a model card.
const maxCardBytes = 64 << 10

// ErrUnavailable marks a registration this process cannot check (no ONNX Runtime).
var ErrUnavailable = errors.New("unavailable")

// InputError is a refused input; its message says what to change.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func invalid(format string, a ...any) error { return &InputError{Msg: fmt.Sprintf(format, a...)} }

// weightsStore is what the registry needs of object storage.
type weightsStore interface {
	Stat(ctx context.Context, key string) (storage.Object, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.Object, error)
	Delete(ctx context.Context, key string) error
}

// Service is the registry core over the database and object storage.
type Service struct {
	DB    db.DB
	Store weightsStore
	// ORTLib is the ONNX Runtime library; registering initialises ONNX Runtime on the CPU
	// with it on first use (a worker process has it initialised already).
	ORTLib string
}

// Registration is a version to register.
type Registration struct {
	Project, Model, Task, Modality, Version, Description string
	// Card is the model card, JSON. Name, version, task, modality, format and sha256 are
	// filled from the registration where the card leaves them out, and must agree where not.
	Card []byte
	// Size is the ONNX file's size as the client declared it (-1 when unknown).
	Size         int64
	Weights      io.Reader
	RegisteredBy *int64
}

var (
	modelName    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	versionLabel = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$`)
)

// Register checks and records a CANDIDATE version: the file is bounded, loads in ONNX
// Runtime and meets the task's contract, and the card is valid; the weights are stored by
// their SHA-256 before the row is inserted, and removed again (unless another version holds
// them) when the insert fails, so that nothing is left half-registered.
func (s *Service) Register(ctx context.Context, r Registration) (db.ModelVersion, error) {
	var none db.ModelVersion
	if !modelName.MatchString(r.Model) {
		return none, invalid("model name %q: 1 to 64 lower-case letters, digits, '.', '_' or '-'", r.Model)
	}
	if !versionLabel.MatchString(r.Version) {
		return none, invalid("version %q: 1 to 32 letters, digits, '.', '+', '_' or '-'", r.Version)
	}
	if r.Task != jobs.TaskCones && r.Task != jobs.TaskCapillaries {
		return none, invalid("task %q: cones or capillaries", r.Task)
	}
	switch r.Modality {
	case "confocal", "split-detector", "any":
	default:
		return none, invalid("modality %q: confocal, split-detector or any", r.Modality)
	}
	if len(r.Description) > 2000 {
		return none, invalid("description longer than 2000 characters")
	}
	if r.Size > MaxWeightsBytes {
		return none, invalid("the ONNX file has %d bytes; at most %d MiB are accepted", r.Size, MaxWeightsBytes>>20)
	}
	if len(r.Card) > maxCardBytes {
		return none, invalid("the model card has more than %d KiB", maxCardBytes>>10)
	}
	w, err := io.ReadAll(io.LimitReader(r.Weights, MaxWeightsBytes+1))
	if err != nil {
		return none, fmt.Errorf("read the ONNX file: %w", err)
	}
	if len(w) > MaxWeightsBytes {
		return none, invalid("the ONNX file exceeds %d MiB", MaxWeightsBytes>>20)
	}
	if len(w) == 0 {
		return none, invalid("the ONNX file is empty")
	}
	sum := sha256.Sum256(w)
	digest := hex.EncodeToString(sum[:])
	cardJSON, card, err := normaliseCard(r, digest)
	if err != nil {
		return none, err
	}
	if err := s.checkWeights(ctx, card, w); err != nil {
		return none, err
	}

	key := jobs.ModelWeightsKey(digest)
	_, statErr := s.Store.Stat(ctx, key)
	existed := statErr == nil
	if statErr != nil && !errors.Is(statErr, storage.ErrNotFound) {
		return none, fmt.Errorf("look up weights %s: %w", key, statErr)
	}
	if !existed {
		if _, err := s.Store.Put(ctx, key, bytes.NewReader(w), int64(len(w)), "application/octet-stream"); err != nil {
			return none, fmt.Errorf("store weights: %w", err)
		}
	}
	var v db.ModelVersion
	err = db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		v, err = db.RegisterModelVersion(ctx, tx, db.NewModelVersion{Project: r.Project, Model: r.Model, Task: r.Task,
			Modality: r.Modality, Description: r.Description, Version: r.Version, WeightsKey: key, WeightsSHA256: digest,
			Card: string(cardJSON), RegisteredBy: r.RegisteredBy})
		return err
	})
	if err != nil {
		if !existed {
			s.dropOrphan(context.WithoutCancel(ctx), key)
		}
		return none, err
	}
	return v, nil
}

// dropOrphan removes weights no version names (a failed registration's).
func (s *Service) dropOrphan(ctx context.Context, key string) {
	if used, err := db.WeightsInUse(ctx, s.DB, key); err == nil && !used {
		_ = s.Store.Delete(ctx, key)
	}
}

// checkWeights runs the contract check in ONNX Runtime, initialising it on the CPU first.
func (s *Service) checkWeights(ctx context.Context, card inference.Card, w []byte) error {
	if _, ok := inference.Initialized(); !ok {
		if s.ORTLib == "" {
			return fmt.Errorf("%w: this server has no ONNX Runtime to check models with (set AOMAS_ORT_LIB)", ErrUnavailable)
		}
		if _, err := inference.Init(s.ORTLib, inference.CPU); err != nil {
			return fmt.Errorf("%w: ONNX Runtime: %w", ErrUnavailable, err)
		}
	}
	err := inference.CheckContract(ctx, card, w)
	if errors.Is(err, inference.ErrContract) || errors.Is(err, inference.ErrInvalidCard) {
		return invalid("%s", err.Error())
	}
	return err
}

// normaliseCard fills the card's identity from the registration, refuses disagreement, and
// validates the card as inference reads it.
func normaliseCard(r Registration, digest string) ([]byte, inference.Card, error) {
	var fields map[string]any
	if err := json.Unmarshal(r.Card, &fields); err != nil || fields == nil {
		return nil, inference.Card{}, invalid("the model card is not a JSON object")
	}
	cardModality := r.Modality
	if cardModality == "split-detector" {
		cardModality = "split"
	}
	want := map[string]string{"name": r.Model, "version": r.Version, "task": r.Task, "modality": cardModality,
		"format": "onnx", "sha256": digest}
	for k, v := range want {
		got, ok := fields[k]
		if !ok || got == "" {
			fields[k] = v
			continue
		}
		gs, isString := got.(string)
		if k == "modality" && gs == "split-detector" && v == "split" {
			gs = v
		}
		if !isString || !strings.EqualFold(gs, v) {
			return nil, inference.Card{}, invalid("the card's %s is %v, the registration's %s", k, got, v)
		}
		fields[k] = v
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, inference.Card{}, err
	}
	card, err := inference.ReadCard(b)
	if err != nil {
		return nil, inference.Card{}, invalid("%s", err.Error())
	}
	return b, card, nil
}
