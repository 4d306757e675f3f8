package web

import (
	"sync"
	"time"
)

// limiter is a token bucket per key (a client address, a student), in
// memory: burst tokens, one more every every. Each replica counts on its
// own, which bounds guessing as well as one shared count would, times the
// number of replicas.
type limiter struct {
	now   func() time.Time
	burst float64
	every time.Duration

	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory: past it, full buckets are
// forgotten.
const maxBuckets = 10000

func newLimiter(now func() time.Time, burst int, every time.Duration) *limiter {
	return &limiter{now: now, burst: float64(burst), every: every, buckets: map[string]bucket{}}
}

func (l *limiter) refill(key string, now time.Time) bucket {
	b, ok := l.buckets[key]
	if !ok {
		return bucket{tokens: l.burst, at: now}
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(l.burst, b.tokens+float64(el)/float64(l.every))
	}
	b.at = now
	return b
}

// Allow takes a token for key. When none is left it returns false and how
// long until one is.
func (l *limiter) Allow(key string) (bool, time.Duration) {
	wait, ok := l.Reserve(key, 0)
	return ok, wait
}

// Reserve takes a token for key, one not there yet included if it comes
// within maxWait, and returns how long until it is there (0: now); the
// caller waits that long before acting. Further off, it takes nothing and
// returns false and how long until a call would succeed.
func (l *limiter) Reserve(key string, maxWait time.Duration) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(key, now)
	var wait time.Duration
	if b.tokens < 1 {
		wait = l.wait(b)
	}
	if wait > maxWait {
		l.buckets[key] = b
		return wait - maxWait, false
	}
	b.tokens--
	if len(l.buckets) >= maxBuckets {
		l.prune(now)
	}
	l.buckets[key] = b
	return wait, true
}

// Refund gives key back a token it took, for what the limit does not
// count (a sign-in that succeeded).
func (l *limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	b.tokens = min(l.burst, b.tokens+1)
	l.buckets[key] = b
}

// Wait is how long until key may take a token, without taking one.
func (l *limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens >= 1 {
		return 0
	}
	return l.wait(b)
}

func (l *limiter) wait(b bucket) time.Duration {
	return time.Duration((1 - b.tokens) * float64(l.every))
}

func (l *limiter) prune(now time.Time) {
	for k := range l.buckets {
		if l.refill(k, now).tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}
