package emulator

import (
	"crypto/sha256"
	"math"
	"sync"
	"time"
)

// rateLimiter is a token bucket per token value: rate requests per second, with a burst
// of max(1, ceil(rate)). Requests without a token share one bucket. It runs on the real
// monotonic clock, not the emulator's Clock, so that a stopped ManualClock does not
// stop refills.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64 // 0: no limit
	burst   float64
	buckets map[[sha256.Size]byte]*bucket
	now     func() time.Time
}

// maxBuckets bounds the buckets kept: past it, buckets that have refilled completely
// (and so behave like new ones) are forgotten.
const maxBuckets = 4096

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64) *rateLimiter {
	l := &rateLimiter{now: time.Now}
	l.setRate(rate)
	return l
}

// setRate changes the rate and refills every bucket.
func (l *rateLimiter) setRate(rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0 {
		rate = 0
	}
	l.rate = rate
	l.burst = max(1, math.Ceil(rate))
	l.buckets = map[[sha256.Size]byte]*bucket{}
}

// allow takes one request from the bucket of the token value. When the bucket is
// empty it returns false and the whole seconds (at least 1) until a request will be
// allowed.
func (l *rateLimiter) allow(token string) (allowed bool, retryAfter int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate == 0 {
		return true, 0
	}
	now := l.now()
	key := sha256.Sum256([]byte(token)) // keep no token values in memory
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := (1 - b.tokens) / l.rate
	return false, max(1, int(math.Ceil(wait)))
}

// prune forgets the buckets that are full by now.
func (l *rateLimiter) prune(now time.Time) {
	for key, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, key)
		}
	}
}
