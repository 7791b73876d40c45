package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Tests that need requests in flight hold them in the emulator (a stalled Console) and
// wait on its hold status, instead of sleeping for a latency to be under way.

// awaitHeld polls status until n requests are held, for at most timeout; it returns the
// last status, and whether n were held.
func awaitHeld(status func() emulator.HoldStatus, n int, timeout time.Duration) (emulator.HoldStatus, bool) {
	deadline := time.Now().Add(timeout)
	for {
		st := status()
		if len(st.Held) >= n {
			return st, true
		}
		if time.Now().After(deadline) {
			return st, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// control sends a request to a control route of the emulator process and decodes the
// answer into out (when not nil).
func (p *emulatorProcess) control(t *testing.T, method, route string, body, out any) {
	t.Helper()
	var in bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&in).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, p.url+"/_emulator/"+route, &in)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("emulator %s: %v", route, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("emulator %s: HTTP %d", route, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("emulator %s: %v", route, err)
		}
	}
}

// setHold starts holding what hold names.
func (p *emulatorProcess) setHold(t *testing.T, hold emulator.Hold) {
	t.Helper()
	p.control(t, http.MethodPost, "hold", hold, nil)
}

// holdStatus says what the emulator holds.
func (p *emulatorProcess) holdStatus(t *testing.T) emulator.HoldStatus {
	t.Helper()
	var st emulator.HoldStatus
	p.control(t, http.MethodGet, "hold", nil, &st)
	return st
}

// release ends the hold and processes what was held, in order; it returns how many.
func (p *emulatorProcess) release(t *testing.T) int {
	t.Helper()
	var out struct{ Released int }
	p.control(t, http.MethodPost, "release", map[string]string{"order": "fifo"}, &out)
	return out.Released
}

// awaitCount polls stats until count(stats) reaches n, for at most timeout, and returns
// the last count: a released request is counted just after it is answered.
func awaitCount(stats func() emulator.Stats, count func(emulator.Stats) int, n int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		got := count(stats())
		if got >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}
