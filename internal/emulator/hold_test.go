package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// renewPath is the renewal route of account id.
func renewPath(id string) string { return apiPrefix + "/serviceaccount/" + id + "/token/renew" }

// sendRenewal sends a renewal of account id in the background, with a client that waits
// at most wait (0: forever); the channel gets the token issued, or "" when none came.
func (h *harness) sendRenewal(t *testing.T, id string, wait time.Duration) <-chan string {
	t.Helper()
	out := make(chan string, 1)
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if wait > 0 {
		ctx, cancel = context.WithTimeout(ctx, wait)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+renewPath(id), strings.NewReader(`{"expired_in":null}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", DefaultAdminToken)
	r.Header.Set("x-organization-id", OrganizationID)
	r.Header.Set("Content-Type", "application/json")
	go func() {
		defer cancel()
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			out <- ""
			return
		}
		defer func() { _ = resp.Body.Close() }()
		var env struct{ Data issuedJSON }
		_ = json.NewDecoder(resp.Body).Decode(&env)
		out <- env.Data.Token
	}()
	return out
}

// awaitHeld waits until n requests are held.
func (h *harness) awaitHeld(t *testing.T, n int) HoldStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := h.HoldStatus()
		if len(st.Held) >= n {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests held after 10s, want %d", len(st.Held), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Held writes are processed only when released, in the order asked for: LIFO makes
// the renewal sent first the last one made, so its token is the account's current one
// and the token of the renewal sent second (answered first) is dead. Reads go on.
func TestHoldReleaseOrder(t *testing.T) {
	for _, tt := range []struct {
		order      string
		liveSentAs int // which renewal's token works after the release: 0 first sent, 1 second
	}{{"lifo", 0}, {"fifo", 1}, {"", 1}} {
		t.Run(tt.order+"/", func(t *testing.T) {
			h := newHarness(t, Options{})
			a := h.create(t, "", "", "held", nil)
			r := h.do(t, req{method: "POST", path: "/_emulator/hold", body: map[string]any{"writes": true}})
			mustStatus(t, r, http.StatusOK)
			first := h.sendRenewal(t, a.ServiceAccount.ID, 0)
			h.awaitHeld(t, 1)
			second := h.sendRenewal(t, a.ServiceAccount.ID, 0)
			st := h.awaitHeld(t, 2)
			if !st.Hold.Writes || st.Hold.Reads || st.Held[0].Method != http.MethodPost ||
				st.Held[0].Route != "/auth/api/v1/serviceaccount/{id}/token/renew" || st.Held[0].Path != renewPath(a.ServiceAccount.ID) {
				t.Fatalf("hold status %+v", st)
			}
			// A read is not held: the account still shows its first token.
			var got accountJSON
			h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID, org: OrganizationID}).data(t, &got)
			if got.TokenID != a.ServiceAccount.TokenID {
				t.Fatalf("a held renewal was made: token id %s, was %s", got.TokenID, a.ServiceAccount.TokenID)
			}
			mustStatus(t, h.orgListAs(t, a.Token), http.StatusOK)

			body := map[string]any{}
			if tt.order != "" {
				body["order"] = tt.order
			}
			r = h.do(t, req{method: "POST", path: "/_emulator/release", body: body})
			mustStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.raw), `"released":2`) {
				t.Fatalf("release: %s", r.raw)
			}
			tokens := []string{<-first, <-second}
			if tokens[0] == "" || tokens[1] == "" {
				t.Fatalf("a released renewal was not answered: %q", tokens)
			}
			mustStatus(t, h.orgListAs(t, tokens[tt.liveSentAs]), http.StatusOK)
			mustRefuse(t, h.orgListAs(t, tokens[1-tt.liveSentAs]), http.StatusUnauthorized, "renewed")
			mustRefuse(t, h.orgListAs(t, a.Token), http.StatusUnauthorized, "renewed")

			// The release ended the hold: a write is answered at once.
			if st := h.HoldStatus(); st.Hold.Writes || len(st.Held) != 0 {
				t.Fatalf("after release: %+v", st)
			}
			if tok := <-h.sendRenewal(t, a.ServiceAccount.ID, 5*time.Second); tok == "" {
				t.Fatal("a renewal after the release was not answered")
			}
		})
	}
}

// ReleaseSome lets the newest (LIFO) or oldest (FIFO) held requests go and keeps
// holding the rest, and what comes after.
func TestHoldReleaseSome(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "some", nil)
	h.SetHold(Hold{Writes: true})
	first := h.sendRenewal(t, a.ServiceAccount.ID, 0)
	h.awaitHeld(t, 1)
	second := h.sendRenewal(t, a.ServiceAccount.ID, 0)
	h.awaitHeld(t, 2)
	r := h.do(t, req{method: "POST", path: "/_emulator/release", body: map[string]any{"order": "lifo", "count": 1}})
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.raw), `"released":1`) {
		t.Fatalf("release: %s", r.raw)
	}
	tok2 := <-second
	mustStatus(t, h.orgListAs(t, tok2), http.StatusOK)
	third := h.sendRenewal(t, a.ServiceAccount.ID, 0)
	st := h.awaitHeld(t, 2) // the first, and the third: still holding
	if !st.Hold.Writes {
		t.Fatalf("a partial release ended the hold: %+v", st)
	}
	if n := h.ReleaseSome(ReleaseFIFO, 1); n != 1 {
		t.Fatalf("released %d", n)
	}
	tok1 := <-first
	mustStatus(t, h.orgListAs(t, tok1), http.StatusOK)
	mustRefuse(t, h.orgListAs(t, tok2), http.StatusUnauthorized, "renewed")
	if n := h.Release(ReleaseFIFO); n != 1 {
		t.Fatalf("released %d", n)
	}
	mustStatus(t, h.orgListAs(t, <-third), http.StatusOK)
	if n := h.ReleaseSome(ReleaseLIFO, 3); n != 0 {
		t.Fatalf("released %d from an empty hold", n)
	}
}

// A held write whose client has gone is made on release (DepartedWrites commit, the
// default), as a stalled Console that catches up makes it; with cancel it is dropped.
func TestHoldDepartedWrite(t *testing.T) {
	for _, mode := range []DepartedWrites{DepartedWritesCommit, DepartedWritesCancel} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHarness(t, Options{DepartedWrites: mode})
			a := h.create(t, "", "", "departed", nil)
			h.SetHold(Hold{Writes: true})
			gone := h.sendRenewal(t, a.ServiceAccount.ID, 200*time.Millisecond)
			h.awaitHeld(t, 1)
			if tok := <-gone; tok != "" {
				t.Fatal("a held renewal was answered before its release")
			}
			for deadline := time.Now().Add(10 * time.Second); !h.HoldStatus().Held[0].Departed; {
				if time.Now().After(deadline) {
					t.Fatal("the emulator did not notice that the client of the held renewal has gone")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if n := h.Release(ReleaseLIFO); n != 1 {
				t.Fatalf("released %d, want 1", n)
			}
			var got accountJSON
			h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID, org: OrganizationID}).data(t, &got)
			if made := got.TokenID != a.ServiceAccount.TokenID; made != (mode == DepartedWritesCommit) {
				t.Fatalf("mode %s: the departed renewal made: %v", mode, made)
			}
		})
	}
}

// Options.Hold holds from the start; a held read waits too; Close releases what is held.
func TestHoldFromStartAndClose(t *testing.T) {
	em, err := Start(Options{Hold: Hold{Reads: true}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		r, _ := http.NewRequest(http.MethodGet, em.URL+apiPrefix+"/organization/list", nil)
		r.Header.Set("Authorization", DefaultAdminToken)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			done <- 0
			return
		}
		_ = resp.Body.Close()
		done <- resp.StatusCode
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(em.HoldStatus().Held) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := em.HoldStatus(); len(st.Held) != 1 || st.Held[0].Method != http.MethodGet || !st.Hold.Reads || st.Hold.Writes {
		t.Fatalf("hold status %+v", st)
	}
	select {
	case code := <-done:
		t.Fatalf("a held read was answered %d", code)
	case <-time.After(100 * time.Millisecond):
	}
	closed := make(chan struct{})
	go func() {
		em.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not release the held request")
	}
	if code := <-done; code != http.StatusOK {
		t.Fatalf("the held read was answered %d after Close released it, want 200", code)
	}
}

func TestHoldControlRefusals(t *testing.T) {
	h := newHarness(t, Options{})
	for _, tt := range []struct {
		method, path, body, message string
		status                      int
	}{
		{"POST", "/_emulator/hold", `{"writes":"yes"}`, "writes: must be true or false", http.StatusBadRequest},
		{"POST", "/_emulator/hold", `{"all":true}`, `unknown field "all"`, http.StatusBadRequest},
		{"POST", "/_emulator/release", `{"order":"random"}`, `order "random": use "fifo" or "lifo"`, http.StatusBadRequest},
		{"POST", "/_emulator/release", `{"order":1}`, "order: must be a string", http.StatusBadRequest},
		{"POST", "/_emulator/release", `{"count":-1}`, "count: must be a non-negative integer", http.StatusBadRequest},
		{"POST", "/_emulator/release", `{"count":"all"}`, "count: must be a non-negative integer", http.StatusBadRequest},
		{"GET", "/_emulator/release", "", "allowed: POST", http.StatusMethodNotAllowed},
		{"DELETE", "/_emulator/hold", "", "allowed: GET, POST", http.StatusMethodNotAllowed},
	} {
		var body any
		if tt.body != "" {
			body = tt.body
		}
		mustRefuse(t, h.do(t, req{method: tt.method, path: tt.path, body: body}), tt.status, tt.message)
	}
	r := h.do(t, req{method: "GET", path: "/_emulator/hold"})
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.raw), `"hold":{"writes":false,"reads":false},"held":[]`) {
		t.Fatalf("status: %s", r.raw)
	}
	if h.Stats().Total != 0 {
		t.Fatalf("control routes counted: %+v", h.Stats())
	}
}

// A hold with a route holds only that route's requests: the renewals here, not a create.
func TestHoldRoute(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "route", nil)
	route := apiPrefix + "/serviceaccount/{id}/token/renew"
	r := h.do(t, req{method: "POST", path: "/_emulator/hold", body: map[string]any{"writes": true, "route": route}})
	mustStatus(t, r, http.StatusOK)
	renewed := h.sendRenewal(t, a.ServiceAccount.ID, 0)
	st := h.awaitHeld(t, 1)
	if st.Hold.Route != route || st.Held[0].Route != route {
		t.Fatalf("status %+v", st)
	}
	h.create(t, "", "", "not-held", nil) // answered while the renewal is held
	if n := h.Release(ReleaseFIFO); n != 1 {
		t.Fatalf("released %d", n)
	}
	mustStatus(t, h.orgListAs(t, <-renewed), http.StatusOK)
	bad := h.do(t, req{method: "POST", path: "/_emulator/hold", body: map[string]any{"writes": true, "route": 3}})
	mustRefuse(t, bad, http.StatusBadRequest, "route: must be a route pattern")
}
