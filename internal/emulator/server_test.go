package emulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestStartServesOnLoopback(t *testing.T) {
	r, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", r.URL)
	}
	resp, err := http.Get(r.URL + "/_emulator/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r.Close()
	if _, err := http.Get(r.URL + "/_emulator/healthz"); err == nil {
		t.Fatal("still serving after Close")
	}
}

func TestServerIsAnHTTPHandler(t *testing.T) {
	var h http.Handler = New(Options{})
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", apiPrefix+"/organization/list", nil)
	r.Header.Set("Authorization", DefaultAdminToken)
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"name":"acme"`) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestIssuedTokensAndReset(t *testing.T) {
	h := newHarness(t, Options{})
	if got := h.IssuedTokens(); !slices.Equal(got, []string{DefaultAdminToken}) {
		t.Fatalf("fresh IssuedTokens %v", got)
	}
	a := h.create(t, "", "", "one", nil)
	b := h.create(t, "", ShopProjectID, "two", nil)
	if h.ServiceAccountCount() != 2 {
		t.Fatalf("count %d", h.ServiceAccountCount())
	}
	h.Reset()
	if h.ServiceAccountCount() != 0 {
		t.Fatal("Reset kept accounts")
	}
	if got := h.IssuedTokens(); !slices.Equal(got, []string{DefaultAdminToken, a.Token, b.Token}) {
		t.Fatalf("IssuedTokens after Reset %v", got)
	}
	// The returned slice is a copy.
	got := h.IssuedTokens()
	got[0] = "changed"
	if h.IssuedTokens()[0] != DefaultAdminToken {
		t.Fatal("IssuedTokens exposes its storage")
	}
	// The seed is back: projects and custom roles work as before.
	h.create(t, "", DataProjectID, "after-reset", roles(DataProjectID, []string{"mizzen.admin"}))
}

// TestConcurrentUse exercises the server from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 1000, DropRate: 0.1, FailRate: 0.1})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				name := fmt.Sprintf("g%d-%d", g, i)
				h.do(t, createReq(name))
				h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID})
				_ = h.Stats()
				_ = h.IssuedTokens()
				_ = h.ServiceAccountCount()
				if i == 5 {
					h.SetFaults(0.1, 0.1)
					h.SetLatency(0)
				}
			}
		}()
	}
	wg.Wait()
	if h.Stats().Total != 160 {
		t.Fatalf("total %d, want 160", h.Stats().Total)
	}
}
