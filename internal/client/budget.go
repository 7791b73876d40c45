package client

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The request budget: how fast the client sends to a Console that rate-limits it,
// learned from its answers (additive increase, multiplicative decrease around a token
// bucket, golang.org/x/time/rate). It starts unlimited.
//
//   - Decrease: a 429 cuts the rate to budgetDecrease times the rate the Console has
//     been accepting (if it accepted nothing lately, the rate sent to it; the current
//     rate, if lower), at least the floor (DefaultMinRequestsPerSecond). The requests already waiting are spaced again at
//     the new rate. One overshoot cuts once: the 429s of requests sent before the last
//     cut were caused by the rate it already cut.
//   - Increase: each answer other than 429 raises the rate by step/rate, so that each
//     second of answers adds step requests per second; step is budgetIncreaseShare of
//     the rate set by the last cut (at least budgetMinStep), so that the climb back to
//     the Console's limit takes the same few seconds whatever the limit.
//   - Past budgetUnlimited requests per second it stops limiting.
const (
	// DefaultMinRequestsPerSecond is the slowest the budget goes, however many 429s.
	DefaultMinRequestsPerSecond = 0.5
	budgetDecrease              = 0.8
	budgetIncreaseShare         = 0.1
	budgetMinStep               = 0.05
	budgetUnlimited             = 1000.0
	// The rate the Console accepts is counted in budgetSlots slots of budgetSlot.
	budgetSlot  = 100 * time.Millisecond
	budgetSlots = 20
)

// budget is the request budget shared by every Client of the process that calls the
// same Console (scheme, host and port): the Console limits the process, not a Client.
type budget struct {
	mu sync.Mutex
	// limiter is rate.Inf until the first 429. Each cut replaces it with a new one, empty,
	// at the new rate, and closes cut: the requests waiting for the old one (reserved at
	// the old rate) reserve again on the new one.
	limiter *rate.Limiter
	rate    float64   // the limiter's rate; +Inf when unlimited
	step    float64   // requests per second added per second of answers
	lastCut time.Time // when a 429 last cut the rate
	cut     chan struct{}
	// accepted[i] and sent[i] count the answers other than 429, and the requests sent,
	// in slot slot[i] (a time divided by budgetSlot).
	accepted, sent [budgetSlots]int
	slot           [budgetSlots]int64
	now            func() time.Time
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
	return &budget{limiter: rate.NewLimiter(rate.Inf, 1), rate: math.Inf(1), cut: make(chan struct{}), now: now}
}

// errPastDeadline: the budget would let the request go only after its context's
// deadline.
var errPastDeadline = errors.New("the request would be sent after its context's deadline")

// wait blocks until the budget lets one request go, or ctx ends. A cut while it waits
// makes it reserve again, at the new rate.
func (b *budget) wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		lim, cut := b.limiter, b.cut
		b.mu.Unlock()
		r := lim.Reserve() // burst 1, one token: always OK
		d := r.Delay()
		if d == 0 {
			return nil
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(d).After(deadline) {
			r.Cancel()
			return errPastDeadline
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			t.Stop()
			r.Cancel()
			return ctx.Err()
		case <-cut:
			t.Stop() // the old limiter is dropped: no need to give its token back
		}
	}
}

// send records a request sent, at the time it is sent.
func (b *budget) send() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.sent[b.slotAt(now)]++
	return now
}

// answer records an answer other than 429: the Console took the request, so the rate
// may rise.
func (b *budget) answer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.accepted[b.slotAt(now)]++
	if math.IsInf(b.rate, 1) {
		return
	}
	b.setRate(now, b.rate+b.step/b.rate)
}

// throttled records a 429 to a request sent at sent, with floor the slowest rate the
// Client that sent it allows; it reports the rate set (unchanged if the request was
// sent before the last cut).
func (b *budget) throttled(sent time.Time, floor float64) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if sent.Before(b.lastCut) {
		return b.rate
	}
	// What the Console accepted lately; if it accepted nothing, what was sent to it.
	base := b.recentRate(now, &b.accepted)
	if base == 0 {
		base = b.recentRate(now, &b.sent)
	}
	b.rate = max(floor, budgetDecrease*min(b.rate, base))
	b.step = max(budgetMinStep, budgetIncreaseShare*b.rate)
	b.lastCut = now
	// Empty: the first request goes one interval after the cut, when the Console that
	// just refused one has had time to accept one more.
	b.limiter = rate.NewLimiter(rate.Limit(b.rate), 1)
	b.limiter.AllowN(now, 1)
	close(b.cut)
	b.cut = make(chan struct{})
	return b.rate
}

// slotAt is the index of the slot of now, emptied if it held an older slot.
func (b *budget) slotAt(now time.Time) int {
	s := now.UnixNano() / int64(budgetSlot)
	i := int(s % budgetSlots)
	if b.slot[i] != s {
		b.slot[i], b.accepted[i], b.sent[i] = s, 0, 0
	}
	return i
}

// recentRate is the rate of what counts counts over the last budgetSlots slots,
// counted from the first slot that had any, over at least one slot. A longer floor
// (a second) underestimated the Console's rate when a 429 came within the first second
// of traffic, and a cut too low climbs back slowly: a rate too high is cut again at
// the next 429, within moments.
func (b *budget) recentRate(now time.Time, counts *[budgetSlots]int) float64 {
	cur := now.UnixNano() / int64(budgetSlot)
	n, oldest := 0, cur
	for i := range budgetSlots {
		if s := b.slot[i]; s > cur-budgetSlots && s <= cur && counts[i] > 0 {
			n += counts[i]
			oldest = min(oldest, s)
		}
	}
	span := max(budgetSlot, now.Sub(time.Unix(0, oldest*int64(budgetSlot))))
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
