package client

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator" //nolint:depguard // a test file, as the rule allows
)

// rateLimitedConsole is the emulator limiting every token to rps requests per second.
func rateLimitedConsole(t *testing.T, rps float64) (*emulator.Server, string) {
	t.Helper()
	emu := emulator.New(emulator.Options{RateLimit: rps})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// providerDefaults is a Client configured as the provider configures it by default:
// 4 retries, the default waits, no requests_per_second.
func providerDefaults(t *testing.T, baseURL string) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: baseURL, Token: emulator.DefaultAdminToken, MaxRetries: 4})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// accepted is how many API requests the emulator answered with anything but 429.
func accepted(s emulator.Stats) (ok, throttled int) {
	for _, r := range s.Requests {
		if r.Status == http.StatusTooManyRequests {
			throttled += r.Count
		} else {
			ok += r.Count
		}
	}
	return ok, throttled
}

// inParallel runs n calls of f over 10 workers (Terraform's default parallelism) and
// returns the errors.
func inParallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for i := range next {
				errs[i] = f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// The failing run, shortened: accounts created, then every token renewed, by 10
// workers against a Console that allows 20 (then 5) requests a second, with the provider's
// default settings. Every call succeeds, each write is made once, every token works,
// and the Console's limit is used to at least 80%.
func TestRateLimitedApplySucceeds(t *testing.T) {
	for _, tc := range []struct {
		n     int
		limit float64
	}{{60, 20}, {30, 5}} {
		t.Run(fmt.Sprintf("%g per second", tc.limit), func(t *testing.T) {
			t.Parallel()
			rateLimitedApply(t, tc.n, tc.limit)
		})
	}
}

func rateLimitedApply(t *testing.T, n int, limit float64) {
	emu, url := rateLimitedConsole(t, limit)
	c := providerDefaults(t, url)
	ctx := context.Background()
	start := time.Now()
	ids := make([]string, n)
	for i, err := range inParallel(n, func(i int) error {
		out, err := c.CreateServiceAccount(ctx, emulator.OrganizationID, CreateServiceAccountInput{
			Name: fmt.Sprintf("rl-%03d", i), Roles: []RoleBinding{{CollectionID: emulator.OrganizationID, RoleIDs: []string{"organization.viewer"}}},
		})
		if err == nil {
			ids[i] = out.ServiceAccount.ID
		}
		return err
	}) {
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	tokens := make([]string, n)
	scope := Scope{OrganizationID: emulator.OrganizationID}
	for i, err := range inParallel(n, func(i int) error {
		out, err := c.RenewServiceAccountToken(ctx, scope, ids[i], nil)
		if err == nil {
			tokens[i] = out.Token
		}
		return err
	}) {
		if err != nil {
			t.Fatalf("renew %d: %v", i, err)
		}
	}
	elapsed := time.Since(start)
	stats := emu.Stats()
	ok, throttled := accepted(stats)
	if got := stats.Count("POST", "/auth/api/v1/serviceaccount/token/create"); got-throttledOf(stats, "/auth/api/v1/serviceaccount/token/create") != n {
		t.Errorf("%d creates processed, want %d", got, n)
	}
	if got := stats.Count("POST", "/auth/api/v1/serviceaccount/{id}/token/renew"); got-throttledOf(stats, "/auth/api/v1/serviceaccount/{id}/token/renew") != n {
		t.Errorf("%d renewals processed, want %d", got, n)
	}
	reached := float64(ok) / elapsed.Seconds()
	t.Logf("%d requests answered, %d refused with 429, in %s: %.1f/s against a limit of %g/s", ok, throttled, elapsed.Round(time.Millisecond), reached, limit)
	if reached < 0.8*limit {
		t.Errorf("reached %.1f requests/s, less than 80%% of the limit %g", reached, limit)
	}
	for i, tok := range tokens {
		tc, err := New(Config{BaseURL: url, Token: tok})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tc.ListOrganizations(ctx); err != nil {
			t.Fatalf("token %d does not work: %v", i, err)
		}
	}
}

// throttledOf is how many requests to route the emulator refused with 429.
func throttledOf(s emulator.Stats, route string) int {
	n := 0
	for _, r := range s.Requests {
		if r.Route == route && r.Status == http.StatusTooManyRequests {
			n += r.Count
		}
	}
	return n
}

// Requests refused together are not retried together: each waits Retry-After and a
// random part more, never less.
func TestRetryAfterIsJittered(t *testing.T) {
	var mu sync.Mutex
	first := map[string]time.Time{}
	var waits []time.Duration
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		name := r.Header.Get("X-Test-Call")
		mu.Lock()
		at, seen := first[name]
		if !seen {
			first[name] = time.Now()
		} else {
			waits = append(waits, time.Since(at))
		}
		mu.Unlock()
		if !seen {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, errEnv("slow down"))
			return
		}
		writeJSON(w, http.StatusOK, okEnv([]any{}))
	})
	// The default waits; the floor keeps the budget out of it: this is about the waits.
	c, _ := newClient(t, srv.URL, func(c *Config) {
		c.RetryWaitMin, c.RetryWaitMax, c.MinRequestsPerSecond = 0, 0, 1000
	})
	c.httpClient.Transport = callNamer{c.httpClient.Transport}
	inParallel(10, func(i int) error {
		_, err := c.ListOrganizations(context.WithValue(context.Background(), callNameKey{}, fmt.Sprint(i)))
		return err
	})
	if len(waits) != 10 {
		t.Fatalf("%d retries, want 10", len(waits))
	}
	lo, hi := waits[0], waits[0]
	for _, w := range waits {
		lo, hi = min(lo, w), max(hi, w)
	}
	t.Logf("retried after %s to %s", lo.Round(time.Millisecond), hi.Round(time.Millisecond))
	if lo < time.Second {
		t.Errorf("a retry came %s after its refusal, before the Retry-After of 1s", lo)
	}
	if hi-lo < 100*time.Millisecond {
		t.Errorf("the 10 retries came within %s of each other: not spread", hi-lo)
	}
}

type callNameKey struct{}

// callNamer tags each request with the name its context carries.
type callNamer struct{ next http.RoundTripper }

func (c callNamer) RoundTrip(r *http.Request) (*http.Response, error) {
	if name, ok := r.Context().Value(callNameKey{}).(string); ok {
		r = r.Clone(r.Context())
		r.Header.Set("X-Test-Call", name)
	}
	return c.next.RoundTrip(r)
}

// A rate-limited request is retried for as long as it takes within the time bound,
// not a small number of times; a create among them.
func TestRateLimitRetriesAreBoundedByTime(t *testing.T) {
	srv, rec := newServer(t, flaky(12, http.StatusTooManyRequests, "0"))
	c, _ := newClient(t, srv.URL, func(c *Config) { c.MaxRetries, c.MinRequestsPerSecond = 2, 1000 })
	if err := create(c); err != nil {
		t.Fatalf("got %v", err)
	}
	if rec.n() != 13 {
		t.Errorf("%d attempts, want 13", rec.n())
	}
}

func TestThrottleWait(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	resp := func(retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: http.StatusTooManyRequests, Header: h}
	}
	cases := []struct {
		retryAfter string
		n          int
		lo, hi     time.Duration
	}{
		{"1", 0, time.Second, 1500 * time.Millisecond},
		{"1", 1, time.Second, 2 * time.Second},
		{"1", 2, time.Second, 3 * time.Second},
		{"1", 9, time.Second, 3 * time.Second}, // the random part stops growing
		{"4", 0, 4 * time.Second, 6 * time.Second},
		{"0", 0, 0, 500 * time.Millisecond},           // spread by the minimum wait
		{"60", 2, 60 * time.Second, 90 * time.Second}, // capped by the maximum wait
		{"", 3, 0, 8 * time.Second},                   // no Retry-After: full jitter
	}
	for _, tc := range cases {
		seen := map[time.Duration]bool{}
		for range 100 {
			got := throttleWait(time.Second, 30*time.Second, tc.n, resp(tc.retryAfter), now)
			if got < tc.lo || got > tc.hi {
				t.Fatalf("Retry-After %q, 429 number %d: %s, want within [%s, %s]", tc.retryAfter, tc.n+1, got, tc.lo, tc.hi)
			}
			seen[got] = true
		}
		if len(seen) < 10 {
			t.Errorf("Retry-After %q, 429 number %d: %d distinct waits in 100", tc.retryAfter, tc.n+1, len(seen))
		}
	}
}

// The budget: unlimited until a 429; a 429 cuts it to 0.8 times the rate the Console
// accepted, once for the requests sent before the cut; each second of answers raises
// it by a tenth of the rate the cut set; it never goes below the floor.
func TestBudgetAIMD(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBudget(func() time.Time { return now })
	if !math.IsInf(b.current(), 1) {
		t.Fatalf("starts at %v, want unlimited", b.current())
	}
	for range 10 { // 10 answers in one second
		b.send()
		b.answer()
		now = now.Add(100 * time.Millisecond)
	}
	sent := b.send()
	now = now.Add(10 * time.Millisecond)
	cut := b.throttled(sent, 0.5)
	if math.Abs(cut-8) > 0.2 {
		t.Fatalf("after a 429: %v, want 0.8 × 10 accepted per second", cut)
	}
	if got := b.throttled(sent, 0.5); got != cut {
		t.Fatalf("a 429 of a request sent before the cut cut again: %v", got)
	}
	start := b.current()
	for range 8 { // a second of answers at 8 per second
		now = now.Add(125 * time.Millisecond)
		b.answer()
	}
	if got := b.current() - start; math.Abs(got-0.1*cut) > 0.05 {
		t.Errorf("a second of answers added %v requests per second, want about %v", got, 0.1*cut)
	}
	prev := b.current()
	for range 20 { // 429s of requests sent after each cut, nothing accepted for 2s+
		now = now.Add(3 * time.Second)
		b.throttled(b.send(), 0.5)
		if got := b.current(); got > prev*0.8+1e-9 && got != 0.5 {
			t.Errorf("nothing accepted: cut from %v to %v, want 0.8 times at most", prev, got)
		}
		prev = b.current()
	}
	if got := b.current(); got != 0.5 {
		t.Errorf("after many 429s: %v, want the floor 0.5", got)
	}
	if got := b.limiter.Limit(); got != 0.5 {
		t.Errorf("the limiter runs at %v", got)
	}
	b.mu.Lock()
	b.setRate(now, budgetUnlimited-0.01)
	b.step = 100
	b.mu.Unlock()
	b.answer()
	if !math.IsInf(b.current(), 1) || b.limiter.Limit() != rate.Inf {
		t.Errorf("never back to unlimited: %v", b.current())
	}
}

// Every Client of the process that calls the same Console shares one budget.
func TestBudgetIsSharedPerConsole(t *testing.T) {
	budgetOf := func(url string) *budget {
		c, err := New(Config{BaseURL: url, Token: testToken})
		if err != nil {
			t.Fatal(err)
		}
		return c.httpClient.Transport.(*limitedTransport).budget
	}
	if budgetOf("https://console.example.com") != budgetOf("https://console.example.com/proxy/") {
		t.Error("two Clients of one Console have their own budgets")
	}
	if budgetOf("https://console.example.com") == budgetOf("https://beta.console.example.com") {
		t.Error("two Consoles share a budget")
	}
}

// A write retried after an answer that may have been applied, then refused with 429
// until the time allowed ran out, may have been applied: its outcome is unknown.
func TestThrottledAfterAmbiguousAttemptIsOutcomeUnknown(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusBadGateway, errEnv("upstream response lost"))
			return
		}
		w.Header().Set("Retry-After", "0")
		writeJSON(w, http.StatusTooManyRequests, errEnv("slow down"))
	})
	c, _ := newClient(t, srv.URL, func(c *Config) { c.RateLimitPatience, c.MinRequestsPerSecond = 100*time.Millisecond, 1000 })
	err := update(c)
	if !IsRateLimited(err) || !IsOutcomeUnknown(err) || !strings.Contains(err.Error(), "the Console may have applied the request") {
		t.Errorf("got %v (outcome unknown %v)", err, IsOutcomeUnknown(err))
	}
	if err := get(c); IsOutcomeUnknown(err) {
		t.Errorf("a GET applies nothing: %v", err)
	}
}

// Requests waiting for the budget when a 429 cuts it are spaced again at the new rate,
// instead of going out at the old one (and being refused in turn).
func TestBudgetCutRespacesWaiters(t *testing.T) {
	b := newBudget(time.Now)
	b.mu.Lock()
	b.setRate(time.Now(), 100) // one per 10ms
	b.mu.Unlock()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var last time.Duration
	for range 5 {
		wg.Go(func() {
			if err := b.wait(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			last = max(last, time.Since(start))
			mu.Unlock()
		})
	}
	time.Sleep(5 * time.Millisecond) // all five queued, the last due at about 40ms
	if got := b.throttled(time.Now(), 10); got != 10 {
		t.Fatalf("cut to %v, want the floor 10 (nothing accepted yet)", got)
	}
	wg.Wait()
	if last < 250*time.Millisecond {
		t.Errorf("the five waiters were done after %s: not spaced again at 10 per second", last)
	}
}
