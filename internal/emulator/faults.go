package emulator

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// faults holds the injected latency, failure rate and drop rate, and the seeded random
// source that decides which requests fail or lose their response.
type faults struct {
	mu       sync.Mutex
	rng      *rand.Rand
	failRate float64
	dropRate float64
	latency  time.Duration
}

func newFaults(seed int64, failRate, dropRate float64, latency time.Duration) *faults {
	if seed == 0 {
		seed = 1
	}
	f := &faults{rng: rand.New(rand.NewPCG(uint64(seed), uint64(seed)))}
	f.setRates(failRate, dropRate)
	f.setLatency(latency)
	return f
}

// clampRate keeps a rate in [0, 1]; NaN counts as 0.
func clampRate(r float64) float64 {
	if math.IsNaN(r) || r < 0 {
		return 0
	}
	return min(r, 1)
}

func (f *faults) setRates(failRate, dropRate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failRate, f.dropRate = clampRate(failRate), clampRate(dropRate)
}

func (f *faults) setLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = max(d, 0)
}

// wait sleeps for the configured latency, or until ctx is done, whose error it returns.
func (f *faults) wait(ctx context.Context) error {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail decides whether a request is refused with 503 before it is processed.
func (f *faults) fail() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failRate > 0 && f.rng.Float64() < f.failRate
}

// drop decides whether a committed write's response is lost.
func (f *faults) drop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dropRate > 0 && f.rng.Float64() < f.dropRate
}
