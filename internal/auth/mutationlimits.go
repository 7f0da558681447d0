package auth

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// TakeN takes n events from key's bucket, all or none. When there are too few it takes
// none and returns how long until there will be enough; ok false with no wait means n
// exceeds the burst and never fits.
func (l *Limiter) TakeN(key string, n int) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	r := l.bucket(key).ReserveN(now, n)
	if !r.OK() {
		return 0, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// Burst returns the most events one key may spend at once.
func (l *Limiter) Burst() int { return l.cfg.Burst }

// MutationLimits limits the mutations each caller runs, each mutation field (aliases
// included) taking one event from the caller's bucket. A caller's rate is that of the
// most generous role it holds in the request's project; roles without their own use the
// default.
type MutationLimits struct {
	def   *Limiter
	roles map[string]*Limiter
}

// NewMutationLimits returns limits with def for every role not in roles.
func NewMutationLimits(def LimiterConfig, roles map[string]LimiterConfig) *MutationLimits {
	m := &MutationLimits{def: NewLimiter(def), roles: map[string]*Limiter{}}
	for role, cfg := range roles {
		if cfg.Now == nil {
			cfg.Now = def.Now
		}
		m.roles[role] = NewLimiter(cfg)
	}
	return m
}

// DefaultMutationLimits are MutationLimit() for every role but scanner, whose clients
// push whole series unattended: 50 a second after a burst of 1,000.
func DefaultMutationLimits() map[string]LimiterConfig {
	return map[string]LimiterConfig{"scanner": {Rate: 50, Burst: 1000, MaxKeys: 100_000}}
}

// limiter returns the limiter of the most generous of roles.
func (m *MutationLimits) limiter(roles []string) (string, *Limiter) {
	name, best := "", m.def
	for _, r := range roles {
		if l, ok := m.roles[r]; ok && (l.cfg.Burst > best.cfg.Burst || l.cfg.Burst == best.cfg.Burst && l.cfg.Rate > best.cfg.Rate) {
			name, best = r, l
		}
	}
	return name, best
}

// Take takes n mutations from caller's bucket under the most generous of roles (see
// Limiter.TakeN); burst is the most that caller may send in one request.
func (m *MutationLimits) Take(caller string, roles []string, n int) (wait time.Duration, burst int, ok bool) {
	role, l := m.limiter(roles)
	wait, ok = l.TakeN(role+"|"+caller, n)
	return wait, l.Burst(), ok
}

// ParseMutationLimits reads per-role limits written role=RATE/BURST, comma-separated:
// "scanner=50/1000,tech=20/300" (RATE mutations a second; "*" names the default).
func ParseMutationLimits(s string) (def LimiterConfig, roles map[string]LimiterConfig, err error) {
	def, roles = MutationLimit(), DefaultMutationLimits()
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		role, spec, ok := strings.Cut(item, "=")
		rs, bs, ok2 := strings.Cut(spec, "/")
		r, err1 := strconv.ParseFloat(strings.TrimSpace(rs), 64)
		b, err2 := strconv.Atoi(strings.TrimSpace(bs))
		role = strings.TrimSpace(role)
		if !ok || !ok2 || err1 != nil || err2 != nil || role == "" || r <= 0 || b < 1 {
			return def, nil, fmt.Errorf("%q is not role=RATE/BURST (mutations a second, then the burst)", item)
		}
		cfg := LimiterConfig{Rate: rate.Limit(r), Burst: b, MaxKeys: 100_000}
		if role == "*" {
			def = cfg
		} else {
			roles[role] = cfg
		}
	}
	return def, roles, nil
}
