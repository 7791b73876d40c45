package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// flaky answers with status (and Retry-After when set) for the first failures
// requests, then with a success.
func flaky(failures, status int, retryAfter string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		if n <= failures {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeJSON(w, status, errEnv("try again later"))
			return
		}
		if r.Method == http.MethodPost {
			writeJSON(w, 201, okEnv(map[string]any{"token": "t", "service_account": saJSON(saID)}))
			return
		}
		writeJSON(w, 200, okEnv(saJSON(saID)))
	}
}

func create(c *Client) error {
	_, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "n"})
	return err
}

func get(c *Client) error {
	_, err := c.GetServiceAccount(context.Background(), Scope{OrganizationID: orgID}, saID)
	return err
}

func update(c *Client) error {
	_, err := c.UpdateServiceAccount(context.Background(), Scope{OrganizationID: orgID}, saID, UpdateServiceAccountInput{Name: "n"})
	return err
}

func TestRetryRules(t *testing.T) {
	cases := []struct {
		name     string
		call     func(*Client) error
		status   int
		failures int
		attempts int
		ok       bool
	}{
		{"GET retried on 500", get, 500, 2, 3, true},
		{"GET retried on 502", get, 502, 1, 2, true},
		{"GET retried on 503", get, 503, 1, 2, true},
		{"GET retried on 504", get, 504, 1, 2, true},
		{"GET retried on 429", get, 429, 1, 2, true},
		{"GET never retried on 501", get, 501, 1, 1, false},
		{"GET not retried on 404", get, 404, 1, 1, false},
		{"GET not retried on 400", get, 400, 1, 1, false},
		{"PUT retried on 500", update, 500, 1, 2, true},
		{"POST retried on 429", create, 429, 2, 3, true},
		{"POST retried on 503", create, 503, 1, 2, true},
		{"POST not retried on 500", create, 500, 1, 1, false},
		{"POST not retried on 502", create, 502, 1, 1, false},
		{"POST not retried on 504", create, 504, 1, 1, false},
		{"POST not retried on 501", create, 501, 1, 1, false},
		{"POST not retried on 409", create, 409, 1, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := newServer(t, flaky(tc.failures, tc.status, ""))
			c, lg := newClient(t, srv.URL)
			err := tc.call(c)
			if (err == nil) != tc.ok {
				t.Fatalf("got %v", err)
			}
			if rec.calls() != tc.attempts {
				t.Errorf("%d attempts, want %d", rec.calls(), tc.attempts)
			}
			if got := lg.count("retrying Console API request"); got != tc.attempts-1 {
				t.Errorf("%d retries logged, want %d", got, tc.attempts-1)
			}
		})
	}
}

func TestRetryExhaustedKeepsServerMessage(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("X-Request-Id", "req-99")
		writeJSON(w, 500, errEnv("database unavailable"))
	})
	c, _ := newClient(t, srv.URL, func(c *Config) { c.MaxRetries = 2 })
	err := get(c)
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got %v", err)
	}
	want := "GET /auth/api/v1/serviceaccount/" + saID + ": 500 Internal Server Error: database unavailable (request id req-99)"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	if rec.n() != 3 {
		t.Errorf("%d attempts, want 3", rec.n())
	}
}

func TestRetryExhaustedOn429(t *testing.T) {
	srv, rec := newServer(t, flaky(1<<20, 429, "0"))
	c, lg := newClient(t, srv.URL, func(c *Config) {
		c.MaxRetries, c.RateLimitPatience, c.MinRequestsPerSecond = 1, 300*time.Millisecond, 1000
	})
	start := time.Now()
	err := create(c)
	if d := time.Since(start); d < 290*time.Millisecond || d > 2*time.Second {
		t.Errorf("gave up after %s; patience 300ms", d)
	}
	if !IsRateLimited(err) || IsOutcomeUnknown(err) || !strings.Contains(err.Error(), "try again later") ||
		strings.Contains(err.Error(), "giving up") {
		t.Errorf("got %v", err)
	}
	want := fmt.Sprintf("(still rate limited after %d attempts over ", rec.n())
	if !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "; a request answered 429 is retried for up to 300ms)") {
		t.Errorf("got %v\nwant it to contain %q", err, want)
	}
	if rec.n() < 3 || lg.count("Console API still rate limited: not retried past the time allowed") != 1 {
		t.Errorf("%d attempts; log:\n%s", rec.n(), lg.text())
	}
}

func TestGETRetriedAfterReset(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			hangUp(t, w)
			return
		}
		flaky(0, 0, "")(w, r, n)
	})
	c, _ := newClient(t, srv.URL)
	if err := get(c); err != nil {
		t.Fatal(err)
	}
	if rec.n() != 2 {
		t.Errorf("%d attempts", rec.n())
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	srv, rec := newServer(t, flaky(1, 429, "1"))
	c, lg := newClient(t, srv.URL)
	start := time.Now()
	if err := create(c); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %s; Retry-After asked for 1s", d)
	}
	if rec.n() != 2 {
		t.Errorf("%d attempts", rec.n())
	}
	for _, ln := range lg.all() {
		if ln.msg == "retrying Console API request" {
			if w, _ := ln.fields["wait_ms"].(int64); w < 1000 || w > 1500 || ln.fields["status"] != 429 {
				t.Errorf("retry log %v", ln.fields)
			}
		}
	}
}

func TestCancelStopsRetriesPromptly(t *testing.T) {
	srv, rec := newServer(t, flaky(100, 503, "30"))
	c, _ := newClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetServiceAccount(ctx, Scope{OrganizationID: orgID}, saID)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
	if rec.n() != 1 {
		t.Errorf("%d attempts", rec.n())
	}
	if IsOutcomeUnknown(err) {
		t.Error("the only attempt was answered 503: nothing was applied")
	}
}

func TestBackoff(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	// Retry-After (capped at 60s), plus a random part up to max(Retry-After, min): never
	// earlier, and not all at once.
	honoured := []struct {
		resp *http.Response
		want time.Duration
	}{
		{resp(429, "7"), 7 * time.Second},
		{resp(503, "0"), 0},
		{resp(429, "3600"), 60 * time.Second},
		{resp(429, "99999999999999999999999"), 60 * time.Second},
		{resp(503, now.Add(20*time.Second).Format(http.TimeFormat)), 20 * time.Second},
		{resp(503, now.Add(-time.Hour).Format(http.TimeFormat)), 0},
		{resp(503, now.Add(time.Hour).Format(http.TimeFormat)), 60 * time.Second},
	}
	for _, tc := range honoured {
		seen := map[time.Duration]bool{}
		for range 50 {
			got := backoffFor(time.Second, 30*time.Second, 0, tc.resp, now)
			if got < tc.want || got > tc.want+max(tc.want, time.Second) {
				t.Fatalf("Retry-After %q: got %s, want within [%s, %s]", tc.resp.Header.Get("Retry-After"), got,
					tc.want, tc.want+max(tc.want, time.Second))
			}
			seen[got] = true
		}
		if len(seen) < 2 {
			t.Errorf("Retry-After %q: always %v", tc.resp.Header.Get("Retry-After"), seen)
		}
	}
	// Without a usable Retry-After: full jitter up to min·2^n, capped at max.
	jitter := []struct {
		resp  *http.Response
		retry int
		ceil  time.Duration
	}{
		{nil, 0, time.Second},
		{resp(500, "5"), 2, 4 * time.Second}, // Retry-After only counts on 429 and 503
		{resp(429, "soon"), 3, 8 * time.Second},
		{resp(429, "-5"), 1, 2 * time.Second},
		{nil, 10, 30 * time.Second},
		{nil, 200, 30 * time.Second},
	}
	for _, tc := range jitter {
		for range 50 {
			if got := backoffFor(time.Second, 30*time.Second, tc.retry, tc.resp, now); got < 0 || got > tc.ceil {
				t.Fatalf("retry %d: got %s, want within [0, %s]", tc.retry, got, tc.ceil)
			}
		}
	}
}

func TestErrorHandlerNeverSaysGivingUp(t *testing.T) {
	c, _ := newClient(t, "http://"+closedAddr(t), func(c *Config) { c.MaxRetries = 1 })
	err := get(c)
	if err == nil || strings.Contains(err.Error(), "giving up") || !strings.Contains(err.Error(), "GET /auth/api/v1/serviceaccount/") {
		t.Errorf("got %v", err)
	}
	if strings.Contains(err.Error(), `Get "http`) {
		t.Errorf("the message repeats the URL in Go's form: %v", err)
	}
}
