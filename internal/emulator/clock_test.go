package emulator

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestManualClock(t *testing.T) {
	local := time.FixedZone("UTC+2", 2*3600)
	c := NewManualClock(time.Date(2030, 1, 1, 14, 0, 0, 0, local))
	if got, want := c.Now(), time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Now = %v, want %v in UTC", got, want)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), time.Date(2030, 1, 1, 13, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("after Advance: %v, want %v", got, want)
	}
	c.Set(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
	if got := c.Now(); got.Year() != 2031 || got.Month() != time.June {
		t.Fatalf("after Set: %v", got)
	}
}

func TestManualClockConcurrent(t *testing.T) {
	c := NewManualClock(t0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if got, want := c.Now(), t0.Add(800*time.Second); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
}

func TestRealClockIsUTC(t *testing.T) {
	if loc := (realClock{}).Now().Location(); loc != time.UTC {
		t.Fatalf("location %v, want UTC", loc)
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2030, 1, 2, 3, 4, 5, 999_000_000, time.UTC), "2030-01-02T03:04:05Z"},
		{time.Date(2030, 1, 2, 5, 4, 5, 0, time.FixedZone("", 2*3600)), "2030-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		if got := formatTime(tt.in); got != tt.want {
			t.Errorf("formatTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShiftedClock(t *testing.T) {
	wall := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	c := NewShiftedClock()
	c.now = func() time.Time { return wall }
	if got := c.Now(); !got.Equal(wall) || got.Location() != time.UTC || c.Offset() != 0 {
		t.Fatalf("Now = %v, offset %s: want wall time", got, c.Offset())
	}
	c.Advance(300 * time.Hour)
	if got := c.Now(); !got.Equal(wall.Add(300 * time.Hour)) {
		t.Fatalf("after Advance: %v", got)
	}
	wall = wall.Add(time.Minute) // wall time runs on, and the clock with it
	if got := c.Now(); !got.Equal(wall.Add(300 * time.Hour)) {
		t.Fatalf("a minute later: %v", got)
	}
	c.Set(time.Date(2031, 6, 1, 0, 0, 0, 0, time.FixedZone("", 3600)))
	if got := c.Now(); !got.Equal(time.Date(2031, 5, 31, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("after Set: %v", got)
	}
	wall = wall.Add(time.Hour)
	if got := c.Now(); !got.Equal(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("an hour after Set: %v", got)
	}
	// With the real clock.
	r := NewShiftedClock()
	if d := time.Since(r.Now()); d < 0 || d > time.Second {
		t.Fatalf("a new ShiftedClock is %s off real time", d)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				r.Advance(time.Second)
				_ = r.Now()
			}
		}()
	}
	wg.Wait()
	if r.Offset() != 800*time.Second {
		t.Fatalf("offset %s after 800 advances of 1s", r.Offset())
	}
}

// Every answer carries a Date header from the emulator's clock: API routes, refusals,
// unknown routes and control routes.
func TestDateHeaderFollowsTheEmulatorClock(t *testing.T) {
	h := newHarness(t, Options{})
	paths := []req{
		{method: "GET", path: apiPrefix + "/organization/list"},
		{method: "GET", path: apiPrefix + "/organization/list", token: "nope"},
		{method: "GET", path: "/no/such/route"},
		{method: "GET", path: "/_emulator/healthz"},
	}
	check := func(want time.Time) {
		t.Helper()
		for _, q := range paths {
			r := h.do(t, q)
			got, err := http.ParseTime(r.header.Get("Date"))
			if err != nil || !got.Equal(want.Truncate(time.Second)) {
				t.Errorf("%s %s: Date %q, want %s", q.method, q.path, r.header.Get("Date"), want.Format(http.TimeFormat))
			}
		}
	}
	check(t0)
	mustStatus(t, h.do(t, req{method: "POST", path: "/_emulator/clock", body: map[string]any{"advance": "300h"}}), http.StatusOK)
	check(t0.Add(300 * time.Hour))

	// The Date of an answer delayed by latency is when it was sent.
	h.SetLatency(100 * time.Millisecond)
	go func() {
		time.Sleep(30 * time.Millisecond)
		h.clock.Advance(time.Hour)
	}()
	r := h.orgListAs(t, "")
	if got, _ := http.ParseTime(r.header.Get("Date")); !got.Equal(t0.Add(301 * time.Hour)) {
		t.Errorf("Date %q of a delayed answer, want the time it was sent", r.header.Get("Date"))
	}
}

// The stand-alone emulator's ShiftedClock is moved by POST /_emulator/clock.
func TestClockRouteMovesShiftedClock(t *testing.T) {
	clock := NewShiftedClock()
	h := newHarness(t, Options{Clock: clock})
	mustStatus(t, h.do(t, req{method: "POST", path: "/_emulator/clock", body: map[string]any{"advance": "300h"}}), http.StatusOK)
	if off := clock.Offset(); off != 300*time.Hour {
		t.Fatalf("offset %s, want 300h", off)
	}
	r := h.orgListAs(t, "")
	got, _ := http.ParseTime(r.header.Get("Date"))
	if d := got.Sub(time.Now().Add(300 * time.Hour)); d < -2*time.Second || d > time.Second {
		t.Errorf("Date %q is %s off real time + 300h", r.header.Get("Date"), d)
	}
}
