package emulator

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRateLimiterBucket(t *testing.T) {
	now := t0
	l := newRateLimiter(2.5) // burst 3
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, retry := l.allow("a")
	if ok || retry != 1 {
		t.Fatalf("fourth request: %v, retry %d; want refused, 1", ok, retry)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another token shares the bucket")
	}
	now = now.Add(400 * time.Millisecond) // +1 request
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("not refilled")
	}
	if ok, _ := l.allow("a"); ok {
		t.Fatal("refilled too much")
	}

	slow := newRateLimiter(0.1) // burst 1, one request per 10 s
	slow.now = func() time.Time { return now }
	slow.allow("")
	if ok, retry := slow.allow(""); ok || retry != 10 {
		t.Fatalf("slow: %v, retry %d; want refused, 10", ok, retry)
	}
	if ok, _ := newRateLimiter(0).allow("x"); !ok {
		t.Fatal("rate 0 limits")
	}
}

func TestRateLimiterForgetsFullBuckets(t *testing.T) {
	now := t0
	l := newRateLimiter(1)
	l.now = func() time.Time { return now }
	for i := range maxBuckets {
		l.allow(fmt.Sprint(i))
	}
	l.allow("0") // empty: kept
	now = now.Add(500 * time.Millisecond)
	l.allow("new")
	if len(l.buckets) != maxBuckets+1 {
		t.Fatalf("%d buckets: pruned buckets that were not full", len(l.buckets))
	}
	now = now.Add(time.Second)
	l.allow("newer")
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after pruning, want 1", len(l.buckets))
	}
}

func TestRateLimitOverHTTP(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 0.001}) // burst 1, then one request per 1000 s
	mustStatus(t, h.orgListAs(t, ""), http.StatusOK)
	r := h.orgListAs(t, "")
	mustRefuse(t, r, http.StatusTooManyRequests, "rate limit exceeded")
	if got := r.header.Get("Retry-After"); got != "1000" {
		t.Fatalf("Retry-After %q, want 1000", got)
	}
	// Each token value has its own bucket, even an unknown one; requests without a
	// token share one.
	mustRefuse(t, h.orgListAs(t, "someone-else"), http.StatusUnauthorized, "unknown token")
	mustRefuse(t, h.do(t, req{method: "GET", path: apiPrefix + "/organization/list", noAuth: true}), http.StatusUnauthorized, "missing token")
	mustRefuse(t, h.do(t, req{method: "GET", path: apiPrefix + "/organization/list", noAuth: true}), http.StatusTooManyRequests, "rate limit")
	// Control routes are never limited.
	for range 3 {
		mustStatus(t, h.do(t, req{method: "GET", path: "/_emulator/healthz"}), http.StatusOK)
	}
	h.SetRateLimit(0)
	mustStatus(t, h.orgListAs(t, ""), http.StatusOK)
	mustStatus(t, h.orgListAs(t, ""), http.StatusOK)
	if got := h.Stats().Count("GET", apiPrefix+"/organization/list"); got != 7 {
		t.Fatalf("%d counted, want 7 (limited requests count too)", got)
	}
}
