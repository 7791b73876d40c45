package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestLimiterSpacesRequests(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
	c, _ := newClient(t, srv.URL, func(c *Config) { c.RequestsPerSecond = 50 }) // one per 20ms
	start := time.Now()
	for range 6 {
		if _, err := c.ListOrganizations(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 80*time.Millisecond { // 5 gaps of 20ms, with slack
		t.Errorf("6 requests in %s at 50/s", d)
	}
	if rec.n() != 6 {
		t.Errorf("%d requests", rec.n())
	}
}

func TestLimiterIsSharedAcrossConcurrentCalls(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
	c, _ := newClient(t, srv.URL, func(c *Config) { c.RequestsPerSecond = 50 })
	start := time.Now()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := c.ListOrganizations(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("6 concurrent requests in %s at 50/s", d)
	}
}

func TestLimiterCoversRetries(t *testing.T) {
	srv, rec := newServer(t, flaky(2, 500, ""))
	c, _ := newClient(t, srv.URL, func(c *Config) { c.RequestsPerSecond = 50 })
	start := time.Now()
	if err := get(c); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond { // 2 gaps of 20ms, with slack
		t.Errorf("3 attempts in %s at 50/s", d)
	}
	if rec.n() != 3 {
		t.Errorf("%d attempts", rec.n())
	}
}

func TestLimiterHonoursContext(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
	c, _ := newClient(t, srv.URL, func(c *Config) { c.RequestsPerSecond = 0.5 }) // one per 2s
	if _, err := c.ListOrganizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CreateServiceAccount(ctx, orgID, CreateServiceAccountInput{Name: "n"})
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %s", d)
	}
	var le *limiterError
	if !errors.As(err, &le) || IsOutcomeUnknown(err) {
		t.Errorf("got %v (outcome unknown %v)", err, IsOutcomeUnknown(err))
	}
	if rec.n() != 1 {
		t.Errorf("%d requests reached the server", rec.n())
	}
}
