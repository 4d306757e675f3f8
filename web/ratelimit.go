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
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(key, now)
	if b.tokens < 1 {
		l.buckets[key] = b
		return false, l.wait(b)
	}
	b.tokens--
	if len(l.buckets) >= maxBuckets {
		l.prune(now)
	}
	l.buckets[key] = b
	return true, 0
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
