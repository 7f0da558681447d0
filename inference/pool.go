package inference

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// ErrDigestMismatch marks weights whose SHA-256 is not the card's.
var ErrDigestMismatch = errors.New("model weights do not match the card's sha256")

// MaxModelBytes bounds the weights a pool fetches and loads.
const MaxModelBytes = 256 << 20

// Pool holds, per model version (the weights' SHA-256), a bounded set of ONNX Runtime
// sessions, loading the weights from a local disk cache or, on a miss, from the fetch
// callback (object storage in the worker).
type Pool struct {
	dir     string
	per     int
	threads int
	nospin  bool

	mu   sync.Mutex
	sets map[string]*sessionSet
}

// NewPool returns a pool caching weights under cacheDir and keeping at most sessionsPerModel
// sessions per model version (at least 1). Each session uses GOMAXPROCS/sessionsPerModel
// intra-op threads; SetIntraOpThreads overrides that.
func NewPool(cacheDir string, sessionsPerModel int) *Pool {
	if sessionsPerModel < 1 {
		sessionsPerModel = 1
	}
	return &Pool{
		dir:     cacheDir,
		per:     sessionsPerModel,
		threads: max(1, runtime.GOMAXPROCS(0)/sessionsPerModel),
		sets:    map[string]*sessionSet{},
	}
}

// SetIntraOpThreads sets the threads each new session uses (n ≥ 1).
func (p *Pool) SetIntraOpThreads(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.threads = max(1, n)
}

// SetSpinning says whether idle intra-op threads spin (ONNX Runtime's default, fastest on a
// dedicated machine) or sleep (kinder to a machine shared with other work).
func (p *Pool) SetSpinning(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nospin = !on
}

// sessionSet is the sessions of one model version, created lazily up to a bound.
type sessionSet struct {
	ready  chan struct{} // closed once loaded (or failed)
	err    error
	onnx   []byte
	dev    Device
	cfg    sessionConfig
	idle   chan *session
	mu     sync.Mutex
	made   int
	closed bool
}

// Model returns the model of card, its weights taken from the disk cache when their digest
// matches, else from weights (and then cached). Models of the same weights share sessions.
func (p *Pool) Model(ctx context.Context, card Card, weights func(ctx context.Context) ([]byte, error)) (*Model, error) {
	if err := card.Validate(); err != nil {
		return nil, err
	}
	dev, ok := Initialized()
	if !ok {
		return nil, errors.New("onnxruntime is not initialised (call inference.Init)")
	}
	p.mu.Lock()
	set, found := p.sets[card.SHA256]
	if !found {
		set = &sessionSet{ready: make(chan struct{}), dev: dev, cfg: sessionConfig{threads: p.threads, noSpin: p.nospin}, idle: make(chan *session, p.per)}
		p.sets[card.SHA256] = set
	}
	p.mu.Unlock()
	if !found {
		set.onnx, set.err = p.load(ctx, card, weights)
		if set.err == nil {
			set.err = set.check(card)
		}
		if set.err != nil {
			p.mu.Lock()
			delete(p.sets, card.SHA256) // a later call tries again
			p.mu.Unlock()
		}
		close(set.ready)
	}
	select {
	case <-set.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if set.err != nil {
		return nil, fmt.Errorf("load model %s %s: %w", card.Name, card.Version, set.err)
	}
	return &Model{card: card, set: set, tiling: DefaultTiling}, nil
}

// load returns the weights from the cache, or fetches, verifies and caches them.
func (p *Pool) load(ctx context.Context, card Card, weights func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	path := filepath.Join(p.dir, card.SHA256+".onnx")
	if b, err := os.ReadFile(path); err == nil && digest(b) == card.SHA256 {
		return b, nil
	}
	b, err := weights(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch weights: %w", err)
	}
	if len(b) > MaxModelBytes {
		return nil, fmt.Errorf("weights of %d bytes exceed %d", len(b), MaxModelBytes)
	}
	if got := digest(b); got != card.SHA256 {
		return nil, fmt.Errorf("%w: got %s, card says %s", ErrDigestMismatch, got, card.SHA256)
	}
	if err := writeAtomic(path, b); err != nil {
		return nil, fmt.Errorf("cache weights: %w", err)
	}
	return b, nil
}

// check builds the first session and verifies the graph's tensor names against the card.
func (s *sessionSet) check(card Card) error {
	sess, err := newSession(s.onnx, s.dev, s.cfg)
	if err != nil {
		return err
	}
	if sess.input != card.Input.Name || sess.output != card.Output.Name {
		sess.destroy()
		return fmt.Errorf("graph has input %q and output %q, card says %q and %q", sess.input, sess.output, card.Input.Name, card.Output.Name)
	}
	s.made = 1
	s.idle <- sess
	return nil
}

// acquire hands out an idle session, creating one while under the bound, else waits.
func (s *sessionSet) acquire(ctx context.Context) (*session, error) {
	select {
	case sess := <-s.idle:
		return sess, nil
	default:
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errors.New("inference pool is closed")
	}
	if s.made < cap(s.idle) {
		s.made++
		s.mu.Unlock()
		sess, err := newSession(s.onnx, s.dev, s.cfg)
		if err != nil {
			s.mu.Lock()
			s.made--
			s.mu.Unlock()
			return nil, err
		}
		return sess, nil
	}
	s.mu.Unlock()
	select {
	case sess := <-s.idle:
		return sess, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *sessionSet) release(sess *session) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		sess.destroy()
		return
	}
	s.idle <- sess
}

// Close destroys the idle sessions; sessions in use are destroyed when released.
func (p *Pool) Close() {
	p.mu.Lock()
	sets := p.sets
	p.sets = map[string]*sessionSet{}
	p.mu.Unlock()
	for _, s := range sets {
		<-s.ready
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		for {
			select {
			case sess := <-s.idle:
				sess.destroy()
				continue
			default:
			}
			break
		}
	}
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// writeAtomic writes through a temporary file and a rename, so a crash never leaves a
// truncated file under the final name (and a corrupt one is refetched by digest anyway).
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".weights-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
