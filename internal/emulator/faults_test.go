package emulator

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"
)

func createReq(name string) req {
	return req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: map[string]any{"name": name}}
}

func TestFailRateOneChangesNothing(t *testing.T) {
	h := newHarness(t, Options{FailRate: 1})
	for _, q := range []req{createReq("never"), {method: "GET", path: apiPrefix + "/organization/list"}, {method: "GET", path: "/unknown"}} {
		r := h.do(t, q)
		mustRefuse(t, r, http.StatusServiceUnavailable, "the request was not processed")
		if got := r.header.Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
	}
	if n := h.ServiceAccountCount(); n != 0 {
		t.Fatalf("%d accounts after refused creates", n)
	}
	if len(h.IssuedTokens()) != 1 {
		t.Fatal("a token was issued by a refused create")
	}
	// Control routes are never faulted.
	mustStatus(t, h.do(t, req{method: "GET", path: "/_emulator/healthz"}), http.StatusOK)

	h.SetFaults(0, 0)
	mustStatus(t, h.do(t, createReq("now")), http.StatusCreated)
}

func TestDropRateOneCommitsButAnswers502(t *testing.T) {
	h := newHarness(t, Options{DropRate: 1})
	r := h.do(t, createReq("committed"))
	mustRefuse(t, r, http.StatusBadGateway, "upstream response lost")
	if n := h.ServiceAccountCount(); n != 1 {
		t.Fatalf("%d accounts, want the dropped create committed", n)
	}
	if len(h.IssuedTokens()) != 2 {
		t.Fatal("the dropped create issued no token")
	}
	// Reads are never dropped; the committed account is there.
	list := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID})
	mustStatus(t, list, http.StatusOK)
	var page struct{ Items []accountJSON }
	list.data(t, &page)
	if len(page.Items) != 1 || page.Items[0].Name != "committed" {
		t.Fatalf("listing %s", list.raw)
	}
	id := page.Items[0].ID
	// A refused write commits nothing and keeps its own answer.
	mustRefuse(t, h.do(t, createReq("committed")), http.StatusConflict, "name already used")
	// Update and delete commit too.
	mustRefuse(t, h.do(t, req{method: "PUT", path: apiPrefix + "/serviceaccount/" + id, org: OrganizationID, body: map[string]any{"name": "renamed"}}),
		http.StatusBadGateway, "upstream response lost")
	get := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + id, org: OrganizationID})
	var a accountJSON
	get.data(t, &a)
	if a.Name != "renamed" {
		t.Fatalf("dropped update not committed: %s", get.raw)
	}
	mustRefuse(t, h.do(t, req{method: "DELETE", path: apiPrefix + "/serviceaccount/" + id, org: OrganizationID}), http.StatusBadGateway, "upstream response lost")
	if h.ServiceAccountCount() != 0 {
		t.Fatal("dropped delete not committed")
	}
}

func TestSeededFaultsAreDeterministic(t *testing.T) {
	sequence := func(seed int64) []bool {
		f := newFaults(seed, 0.5, 0.5, 0)
		out := make([]bool, 64)
		for i := range out {
			if i%2 == 0 {
				out[i] = f.fail()
			} else {
				out[i] = f.drop()
			}
		}
		return out
	}
	a, b, c := sequence(7), sequence(7), sequence(8)
	same, fails := true, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different sequence")
		}
		same = same && a[i] == c[i]
		if a[i] {
			fails++
		}
	}
	if same {
		t.Error("different seeds gave the same 64 decisions")
	}
	if fails == 0 || fails == len(a) {
		t.Errorf("rate 0.5 gave %d of %d", fails, len(a))
	}
	zero, one := sequence(0), sequence(1)
	for i := range zero {
		if zero[i] != one[i] {
			t.Fatal("seed 0 is not seed 1")
		}
	}
}

func TestLatency(t *testing.T) {
	h := newHarness(t, Options{Latency: 30 * time.Millisecond})
	start := time.Now()
	mustStatus(t, h.orgListAs(t, ""), http.StatusOK)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("answered in %v despite 30ms latency", d)
	}
	// Control routes see no latency: a generous latency does not slow them.
	h.SetLatency(time.Hour)
	mustStatus(t, h.do(t, req{method: "GET", path: "/_emulator/healthz"}), http.StatusOK)

	// A cancelled request stops waiting at once and is counted as 499.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	r, _ := http.NewRequestWithContext(ctx, "GET", h.URL+apiPrefix+"/organization/list", nil)
	r.Header.Set("Authorization", DefaultAdminToken)
	if _, err := http.DefaultClient.Do(r); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.Stats().Count("GET", apiPrefix+"/organization/list") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled request was never counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	found := false
	for _, s := range h.Stats().Requests {
		found = found || s.Status == statusClientClosedRequest
	}
	if !found {
		t.Fatalf("no 499 in %+v", h.Stats())
	}
	h.SetLatency(0)
	mustStatus(t, h.orgListAs(t, ""), http.StatusOK)
}

func TestClampRate(t *testing.T) {
	tests := map[float64]float64{-1: 0, 0: 0, 0.25: 0.25, 1: 1, 7: 1, math.NaN(): 0, math.Inf(1): 1}
	for in, want := range tests {
		if got := clampRate(in); got != want {
			t.Errorf("clampRate(%v) = %v, want %v", in, got, want)
		}
	}
}
