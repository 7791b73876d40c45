package emulator

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the emulator what time it is. Every timestamp the emulator writes, and
// every token expiry it checks, comes from its Clock.
type Clock interface {
	Now() time.Time
}

// realClock is the wall clock, in UTC.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }

// ManualClock is a Clock that moves only when told to. It is safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock that reads t until it is advanced or set.
func NewManualClock(t time.Time) *ManualClock {
	return &ManualClock{now: t.UTC()}
}

// Now returns the clock's current time, in UTC.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward if d is negative).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC()
}

// MovableClock is a Clock that POST /_emulator/clock can move.
type MovableClock interface {
	Clock
	// Advance moves the clock forward by d (backward if d is negative).
	Advance(d time.Duration)
	// Set moves the clock to t.
	Set(t time.Time)
}

// ShiftedClock is real time plus an offset that Advance and Set move: it runs like a
// wall clock, and can be sent into the future (to expire tokens) without sleeping. The
// stand-alone emulator runs on one. It is safe for concurrent use.
type ShiftedClock struct {
	offset atomic.Int64 // nanoseconds added to real time
	now    func() time.Time
}

// NewShiftedClock returns a ShiftedClock that reads real time until moved.
func NewShiftedClock() *ShiftedClock { return &ShiftedClock{now: time.Now} }

// Now returns real time plus the offset, in UTC.
func (c *ShiftedClock) Now() time.Time {
	return c.now().Add(time.Duration(c.offset.Load())).UTC()
}

// Offset returns how far the clock is ahead of real time.
func (c *ShiftedClock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Advance moves the clock forward by d (backward if d is negative).
func (c *ShiftedClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Set moves the clock to t; it then runs on from t.
func (c *ShiftedClock) Set(t time.Time) { c.offset.Store(int64(t.Sub(c.now()))) }

// formatTime renders a timestamp the way the contract prints them: RFC 3339, UTC,
// whole seconds.
func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
