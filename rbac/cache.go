package rbac

import "sync"

// maxCached bounds the decision cache; past it the cache starts over.
const maxCached = 100_000

// decisionCache remembers Casbin's answers until the policy changes: Casbin evaluates the
// matcher against every rule (a few hundred microseconds), and a response asks about the
// same few coordinates many times.
type decisionCache struct {
	mu  sync.RWMutex
	gen uint64
	m   map[string]bool
}

func newDecisionCache() *decisionCache { return &decisionCache{m: map[string]bool{}} }

func cacheKey(sub, dom, obj, act string) string {
	return sub + "\x00" + dom + "\x00" + obj + "\x00" + act
}

// get returns the cached answer, if any, and the generation to hand to put.
func (c *decisionCache) get(key string) (allowed, ok bool, gen uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	allowed, ok = c.m[key]
	return allowed, ok, c.gen
}

// put stores an answer computed under generation gen; one computed before a reset
// (a policy change) is dropped.
func (c *decisionCache) put(key string, allowed bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= maxCached {
		c.m = map[string]bool{}
	}
	c.m[key] = allowed
}

// reset forgets every answer.
func (c *decisionCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = map[string]bool{}
}
