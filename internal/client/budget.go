package client

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The request budget: how fast the client sends to a Console that rate-limits it,
// learned from its answers (additive increase, multiplicative decrease around a token
// bucket). It starts unlimited. A 429 cuts the rate to budgetDecrease times the rate
// the Console has been accepting (or the current rate, if lower), at least
// DefaultMinRequestsPerSecond; each request the Console answers otherwise raises it by
// budgetIncrease/rate, which adds budgetIncrease requests per second for each second
// of answers. Past budgetUnlimited it stops limiting. One 429 cuts the rate once:
// the 429s of requests sent before the last cut were already counted by it.
const (
	// DefaultMinRequestsPerSecond is the slowest the budget goes, however many 429s.
	DefaultMinRequestsPerSecond = 0.5
	budgetDecrease              = 0.8
	budgetIncrease              = 1.0
	budgetUnlimited             = 1000.0
	// The rate the Console accepts is counted in budgetSlots slots of budgetSlot.
	budgetSlot  = 100 * time.Millisecond
	budgetSlots = 20
)

// budget is the request budget shared by every Client of the process that calls the
// same Console (scheme, host and port): the Console limits the process, not a Client.
type budget struct {
	limiter *rate.Limiter // rate.Inf until the first 429

	mu      sync.Mutex
	rate    float64   // the limiter's rate; +Inf when unlimited
	lastCut time.Time // when a 429 last cut the rate
	// counts[i] counts the answers other than 429 in slot slot[i] (a time divided by
	// budgetSlot).
	counts [budgetSlots]int
	slot   [budgetSlots]int64
	now    func() time.Time
}

var budgets sync.Map // origin → *budget

// budgetFor is the process's budget for the Console at origin.
func budgetFor(origin string) *budget {
	if b, ok := budgets.Load(origin); ok {
		return b.(*budget)
	}
	b, _ := budgets.LoadOrStore(origin, newBudget(time.Now))
	return b.(*budget)
}

func newBudget(now func() time.Time) *budget {
	return &budget{limiter: rate.NewLimiter(rate.Inf, 1), rate: math.Inf(1), now: now}
}

// answer records an answer other than 429: the Console took the request, so the rate
// may rise.
func (b *budget) answer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	s := now.UnixNano() / int64(budgetSlot)
	i := int(s % budgetSlots)
	if b.slot[i] != s {
		b.slot[i], b.counts[i] = s, 0
	}
	b.counts[i]++
	if math.IsInf(b.rate, 1) {
		return
	}
	b.setRate(now, b.rate+budgetIncrease/b.rate)
}

// throttled records a 429 to a request sent at sent, with floor the slowest rate the
// Client that sent it allows; it reports the rate set (unchanged if the 429 was of a
// request sent before the last cut).
func (b *budget) throttled(sent time.Time, floor float64) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if sent.Before(b.lastCut) {
		return b.rate
	}
	now := b.now()
	base := min(b.rate, b.acceptedRate(now))
	b.lastCut = now
	b.setRate(now, max(floor, budgetDecrease*base))
	return b.rate
}

// acceptedRate is the rate of answers other than 429 over the last budgetSlots slots,
// counted from the first slot that had any, over at least a second.
func (b *budget) acceptedRate(now time.Time) float64 {
	cur := now.UnixNano() / int64(budgetSlot)
	n, oldest := 0, cur
	for i := range budgetSlots {
		if s := b.slot[i]; s > cur-budgetSlots && s <= cur && b.counts[i] > 0 {
			n += b.counts[i]
			oldest = min(oldest, s)
		}
	}
	span := max(time.Second, now.Sub(time.Unix(0, oldest*int64(budgetSlot))))
	return float64(n) / span.Seconds()
}

// setRate sets the limiter's rate; past budgetUnlimited it no longer limits.
func (b *budget) setRate(now time.Time, r float64) {
	if r >= budgetUnlimited {
		r = math.Inf(1)
	}
	if r == b.rate {
		return
	}
	b.rate = r
	if math.IsInf(r, 1) {
		b.limiter.SetLimitAt(now, rate.Inf)
		return
	}
	b.limiter.SetLimitAt(now, rate.Limit(r))
}

// current is the budget's rate, +Inf when unlimited.
func (b *budget) current() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}
