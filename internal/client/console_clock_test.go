package client

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestConsoleClock(t *testing.T) {
	var mu sync.Mutex
	date := ""
	body := okEnv([]any{})
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		mu.Lock()
		d, b := date, body
		mu.Unlock()
		w.Header()["Date"] = []string{d} // an empty value suppresses the server's own
		writeJSON(w, http.StatusOK, b)
	})
	set := func(d string, b map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		date, body = d, b
	}
	c, _ := newClient(t, srv.URL)
	list := func() { _, _ = c.ListOrganizations(context.Background()) }

	if off, known := c.ConsoleClockOffset(); known || off != 0 {
		t.Errorf("before any answer: %s, %v", off, known)
	}
	if d := time.Since(c.ConsoleNow()); d < 0 || d > time.Second {
		t.Errorf("ConsoleNow before any answer is %s off the local clock", d)
	}

	list() // no Date header: still unknown
	if _, known := c.ConsoleClockOffset(); known {
		t.Error("known without a Date header")
	}

	ahead := time.Now().Add(300 * time.Hour)
	set(ahead.UTC().Format(http.TimeFormat), okEnv([]any{}))
	list()
	off, known := c.ConsoleClockOffset()
	if !known || off < 300*time.Hour-2*time.Second || off > 300*time.Hour+time.Second {
		t.Errorf("offset %s (known %v), want about 300h", off, known)
	}
	if d := c.ConsoleNow().Sub(ahead); d < -2*time.Second || d > time.Second {
		t.Errorf("ConsoleNow is %s off the Console's clock", d)
	}

	set("yesterday, around noon", okEnv([]any{})) // unreadable: the estimate stays
	list()
	if off2, known := c.ConsoleClockOffset(); !known || off2 != off {
		t.Errorf("an unreadable Date changed the offset: %s -> %s", off, off2)
	}

	// A proxy's page is not the Console: its Date says nothing of the Console's clock.
	set(time.Now().Add(-50*time.Hour).UTC().Format(http.TimeFormat), map[string]any{"hello": "proxy"})
	list()
	if off2, _ := c.ConsoleClockOffset(); off2 != off {
		t.Errorf("a non-Console answer moved the offset: %s -> %s", off, off2)
	}

	behind := time.Now().Add(-90 * time.Second)
	set(behind.UTC().Format(http.TimeFormat), okEnv([]any{}))
	list()
	if off, _ := c.ConsoleClockOffset(); off > -89*time.Second || off < -92*time.Second {
		t.Errorf("offset %s, want about -90s", off)
	}
	// An error envelope is the Console too.
	set(ahead.UTC().Format(http.TimeFormat), errEnv("forbidden"))
	list()
	if off, _ := c.ConsoleClockOffset(); off < 299*time.Hour {
		t.Errorf("offset %s after an error envelope, want about 300h", off)
	}
}

// Calls and readings in parallel (run with -race).
func TestConsoleClockConcurrent(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		w.Header().Set("Date", time.Now().Add(time.Duration(n%3)*time.Hour).UTC().Format(http.TimeFormat))
		writeJSON(w, http.StatusOK, okEnv([]any{}))
	})
	c, _ := newClient(t, srv.URL)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				_, _ = c.ListOrganizations(context.Background())
				_ = c.ConsoleNow()
				if off, known := c.ConsoleClockOffset(); known && (off < -2*time.Second || off > 2*time.Hour+time.Second) {
					t.Errorf("offset %s", off)
				}
			}
		}()
	}
	wg.Wait()
}
