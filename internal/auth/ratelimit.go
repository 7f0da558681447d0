package auth

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a token-bucket rate limit per key (a client address, a token id, an e-mail
// address) over a bounded number of keys: past MaxKeys the least recently seen key is
// forgotten, so memory stays fixed however many addresses an attacker uses.
type Limiter struct {
	mu    sync.Mutex
	cfg   LimiterConfig
	order *list.List // front: most recently used
	keys  map[string]*list.Element
}

// LimiterConfig is a Limiter's rate (events per second), burst and key bound; Now may be
// nil (time.Now).
type LimiterConfig struct {
	Rate    rate.Limit
	Burst   int
	MaxKeys int
	Now     func() time.Time
}

type limiterEntry struct {
	key string
	lim *rate.Limiter
}

// NewLimiter returns a limiter; MaxKeys below 1 is taken as 10 000.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.MaxKeys < 1 {
		cfg.MaxKeys = 10_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{cfg: cfg, order: list.New(), keys: map[string]*list.Element{}}
}

// LoginLimit allows a burst of 10 login attempts per key, then one every 6 seconds.
func LoginLimit() LimiterConfig {
	return LimiterConfig{Rate: rate.Every(6 * time.Second), Burst: 10, MaxKeys: 100_000}
}

// MutationLimit allows a burst of 300 mutations per key, then 20 a second: a scanner
// pushing a series of a few hundred images in two-step uploads is not slowed.
func MutationLimit() LimiterConfig { return LimiterConfig{Rate: 20, Burst: 300, MaxKeys: 100_000} }

// Allow takes one event from key's bucket and reports whether there was one.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(key).AllowN(l.cfg.Now(), 1)
}

// bucket returns key's bucket, made on first use; l.mu must be held.
func (l *Limiter) bucket(key string) *rate.Limiter {
	if el, ok := l.keys[key]; ok {
		l.order.MoveToFront(el)
		return el.Value.(*limiterEntry).lim
	}
	lim := rate.NewLimiter(l.cfg.Rate, l.cfg.Burst)
	l.keys[key] = l.order.PushFront(&limiterEntry{key: key, lim: lim})
	for l.order.Len() > l.cfg.MaxKeys {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.keys, oldest.Value.(*limiterEntry).key)
	}
	return lim
}

// Len returns how many keys the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}
