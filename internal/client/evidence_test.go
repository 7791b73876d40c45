package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A 404 is the Console's not-found only when it is its envelope on a route that exists.
func TestNotFoundNeedsEvidence(t *testing.T) {
	saPath := "/auth/api/v1/serviceaccount/" + saID
	t.Run("confirmed by the organization list", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			if answerProbe(w, r) {
				return
			}
			writeJSON(w, http.StatusNotFound, errEnv("service account not found"))
		})
		c, _ := newClient(t, srv.URL)
		for range 3 {
			if err := get(c); !IsNotFound(err) {
				t.Fatalf("got %v, want the Console's not-found", err)
			}
		}
		if n := rec.n() - rec.calls(); n != 1 {
			t.Errorf("the route was checked %d times, want once per client", n)
		}
	})
	t.Run("confirmed by an earlier success", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				writeJSON(w, http.StatusOK, okEnv(saJSON(saID)))
				return
			}
			writeJSON(w, http.StatusNotFound, errEnv("service account not found"))
		})
		c, _ := newClient(t, srv.URL)
		if err := get(c); err != nil {
			t.Fatal(err)
		}
		if err := get(c); !IsNotFound(err) {
			t.Fatalf("got %v, want the Console's not-found", err)
		}
		if rec.n() != 2 {
			t.Errorf("%d requests, want 2: no check is needed after a success", rec.n())
		}
	})
	t.Run("the API path twice: every route is unknown", func(t *testing.T) {
		// api_url with /auth/api/v1 appended, had ParseBaseURL let it through: the emulator
		// answers every path with its envelope's "no such route".
		srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			writeJSON(w, http.StatusNotFound, errEnv("no such route: "+r.URL.Path))
		})
		c, _ := newClient(t, srv.URL)
		c.base += "/auth/api/v1" // what such a base URL would do
		err := get(c)
		checkNotEvidence(t, err, srv.URL+"/auth/api/v1"+saPath, "no such route")
		if rec.n() != 1 {
			t.Errorf("%d requests: an unknown route needs no check", rec.n())
		}
	})
	t.Run("envelope 404 everywhere, no route confirmed", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusNotFound, errEnv("not here"))
		})
		c, _ := newClient(t, srv.URL)
		err := c.DeleteServiceAccount(context.Background(), Scope{OrganizationID: orgID}, saID)
		checkNotEvidence(t, err, srv.URL+saPath, `"not here"`, "GET "+srv.URL+probePath+" failed too (404 Not Found: not here)")
		if rec.n() != 2 || rec.calls() != 1 {
			t.Errorf("%d requests, want the DELETE and one check", rec.n())
		}
	})
	t.Run("unknown route after a success", func(t *testing.T) {
		srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				writeJSON(w, http.StatusOK, okEnv(saJSON(saID)))
				return
			}
			writeJSON(w, http.StatusNotFound, errEnv("No such route: "+r.URL.Path))
		})
		c, _ := newClient(t, srv.URL)
		_ = get(c)
		checkNotEvidence(t, get(c), srv.URL+saPath, "no such route")
	})
	t.Run("HTML 404 from a proxy", func(t *testing.T) {
		srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<html><body><h1>404 Not Found</h1>nginx</body></html>"))
		})
		c, _ := newClient(t, srv.URL+"/proxy")
		checkNotEvidence(t, get(c), srv.URL+"/proxy"+saPath, "an HTML page", "nginx")
	})
	t.Run("empty 404", func(t *testing.T) {
		srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNotFound) })
		c, _ := newClient(t, srv.URL)
		checkNotEvidence(t, get(c), srv.URL+saPath, "an empty body")
	})
	t.Run("200 that is not the envelope", func(t *testing.T) {
		srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
		})
		c, _ := newClient(t, srv.URL)
		err := get(c)
		checkNotEvidence(t, err, srv.URL+saPath, "200 OK", "JSON that is not the Console's envelope")
	})
	t.Run("a check that gets no answer confirms nothing", func(t *testing.T) {
		srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			if r.URL.Path == probePath {
				conn, _, _ := http.NewResponseController(w).Hijack()
				_ = conn.Close() // no answer at all
				return
			}
			writeJSON(w, http.StatusNotFound, errEnv("service account not found"))
		})
		c, _ := newClient(t, srv.URL, func(c *Config) { c.MaxRetries = 0 })
		checkNotEvidence(t, get(c), srv.URL+saPath, "GET "+srv.URL+probePath+" failed too (", "EOF")
	})
}

func checkNotEvidence(t *testing.T, err error, wantURL string, want ...string) {
	t.Helper()
	if err == nil || IsNotFound(err) {
		t.Fatalf("got %v: this 404 is no evidence that the object is gone", err)
	}
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) {
		t.Fatalf("got %T %v, want *UnexpectedResponseError", err, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, " "+wantURL+": ") || ue.URL != wantURL {
		t.Errorf("the message does not name the URL requested, %s:\n%s", wantURL, msg)
	}
	for _, w := range append(want, "Check api_url (now ", "without /auth/api/v1") {
		if !strings.Contains(msg, w) {
			t.Errorf("the message lacks %q:\n%s", w, msg)
		}
	}
	if IsOutcomeUnknown(err) && ue.StatusCode == http.StatusNotFound {
		t.Error("a 404 is a known outcome")
	}
	mustNotContainToken(t, err)
}

func TestURLSettingIsNamed(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNotFound) })
	c, _ := newClient(t, srv.URL, func(c *Config) { c.URLSetting = "PLATFORMER_API_URL" })
	if err := get(c); err == nil || !strings.Contains(err.Error(), "Check PLATFORMER_API_URL (now "+srv.URL+")") {
		t.Errorf("got %v", err)
	}
}

// A host name that does not exist, or a refusal from a loopback address, is not
// retried; a refusal from a remote address (a load balancer restarting) is.
func TestHopelessConnectionFailures(t *testing.T) {
	dial := func(inner error) error {
		return &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: inner}}
	}
	nxdomain := &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "api.platfromer.com", IsNotFound: true}}}
	flakyDNS := &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "server misbehaving", Name: "api.platformer.com", IsTemporary: true}}}
	refused := dial(&net.OpError{Op: "connect", Err: syscall.ECONNREFUSED})
	cases := []struct {
		base  string
		err   error
		retry bool
		hint  string
	}{
		{"https://api.platfromer.com", nxdomain, false, `The host name "api.platfromer.com" does not resolve: check api_url (now https://api.platfromer.com) for a typo`},
		{"https://api.platformer.com", flakyDNS, true, "Could not connect to api.platformer.com"},
		{"http://127.0.0.1:8787", refused, false, "Nothing accepts connections at 127.0.0.1:8787: check api_url (now http://127.0.0.1:8787)"},
		{"http://localhost:8787", refused, false, "Nothing accepts connections at localhost:8787"},
		{"https://api.platformer.com", refused, true, "Nothing accepts connections at api.platformer.com"},
	}
	for _, tc := range cases {
		c, err := New(Config{BaseURL: tc.base, Token: testToken, MaxRetries: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			ex := newExchange(context.Background(), c, apiRequest{method: method, path: "/p"})
			retry, _ := ex.checkRetry(context.Background(), nil, tc.err)
			if retry != tc.retry {
				t.Errorf("%s %s after %v: retry %v, want %v", method, tc.base, tc.err, retry, tc.retry)
			}
		}
		if got := connectHint(tc.err, c.baseURL, c.urlSetting); !strings.HasPrefix(got, tc.hint) {
			t.Errorf("hint %q, want it to start %q", got, tc.hint)
		}
	}
}

// Through a real closed port: one attempt, a message that says how many over how long
// and what to check, promptly.
func TestClosedPortMessage(t *testing.T) {
	addr := closedAddr(t)
	c, _ := newClient(t, "http://"+addr, func(c *Config) {
		c.MaxRetries = 4
		c.RetryWaitMin, c.RetryWaitMax = time.Second, 30*time.Second
	})
	start := time.Now()
	_, err := c.ListOrganizations(context.Background())
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s to fail against a closed loopback port", took)
	}
	for _, want := range []string{"GET /auth/api/v1/organization/list: dial tcp " + addr, "connection refused",
		"(1 attempt over ", "Nothing accepts connections at " + addr + ": check api_url (now http://" + addr + ")",
		"Console (or the emulator) is running there"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to contain %q", err, want)
		}
	}
}

// Attempts are counted when several were made.
func TestTransportMessageCountsAttempts(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.platformer.com", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ex := newExchange(context.Background(), c, apiRequest{method: http.MethodGet, path: "/p"})
	ex.attempt, ex.first = 5, time.Now().Add(-14*time.Second)
	msg := ex.failure(&url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.OpError{Op: "connect", Err: syscall.ECONNREFUSED}}}).Error()
	if !strings.Contains(msg, "(5 attempts over 14") || !strings.Contains(msg, "check api_url (now https://api.platformer.com)") {
		t.Errorf("got %q", msg)
	}
}
