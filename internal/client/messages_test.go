package client

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Issue 19, item 5: messages that say what happened in the user's words.

// A redirect answering a write is refused: a 301 would turn the POST into a GET (which
// the Console answers "405 … method GET not allowed"), a 307 would send it elsewhere.
// Before: "POST …: 405 Method Not Allowed: method GET not allowed".
func TestRedirectOfAWriteIsRefused(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			if r.URL.Path == "/moved/create" {
				writeJSON(w, http.StatusMethodNotAllowed, errEnv("method "+r.Method+" not allowed"))
				return
			}
			http.Redirect(w, r, "/moved/create?x=1", status)
		})
		c, _ := newClient(t, srv.URL)
		_, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "n"})
		want := "POST /auth/api/v1/serviceaccount/token/create: the server answered with a redirect (" + statusLine(status) +
			") to " + srv.URL + "/moved/create, which was not followed: a write is never redirected, so nothing was sent " +
			"there. Check api_url (now " + srv.URL + "): it must be the Console API's base URL, such as " +
			"https://api.platformer.com, without /auth/api/v1; behind a proxy, the proxy's."
		if err == nil || err.Error() != want {
			t.Errorf("%d: got\n%v\nwant\n%s", status, err, want)
		}
		if IsOutcomeUnknown(err) {
			t.Errorf("%d: a refused redirect is a known outcome", status)
		}
		if !IsRedirectRefused(err) || IsTimeout(err) {
			t.Errorf("%d: IsRedirectRefused %v, IsTimeout %v", status, IsRedirectRefused(err), IsTimeout(err))
		}
		if rec.n() != 1 {
			t.Errorf("%d: the server saw %d requests, want the POST alone: %+v", status, rec.n(), rec.all())
		}
	}
	// A GET still follows a redirect within the origin.
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.URL.Path == probePath {
			writeJSON(w, 200, okEnv([]any{}))
			return
		}
		http.Redirect(w, r, probePath, http.StatusMovedPermanently)
	})
	c, _ := newClient(t, srv.URL)
	if err := c.do(context.Background(), apiRequest{method: http.MethodGet, path: "/old"}, nil); err != nil {
		t.Errorf("a GET redirected within the origin: %v", err)
	}
}

// An https URL whose port speaks http: the error says so and what to check, and is not
// retried. Before: "GET …: http: server gave HTTP response to HTTPS client", no hint.
func TestHTTPSToAnHTTPServer(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
	host := strings.TrimPrefix(srv.URL, "http://")
	c, _ := newClient(t, "https://"+host)
	_, err := c.ListOrganizations(context.Background())
	want := regexp.MustCompile(`^GET /auth/api/v1/organization/list: http: server gave HTTP response to HTTPS client ` +
		`\(1 attempt over \d+(\.\d+)?m?s\)\. The server at ` + regexp.QuoteMeta(host) + ` speaks plain http, not https: ` +
		`check api_url \(now https://` + regexp.QuoteMeta(host) + `\); the port may be another service's, and only a ` +
		`loopback host \(such as the emulator's\) may be reached with http://\.$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	if rec.n() != 0 {
		t.Errorf("the server saw %d HTTP requests", rec.n())
	}
}

// A timeout after retries says how many attempts were made over how long, the time
// each was allowed, and request_timeout. Before: "GET …: context deadline exceeded
// (Client.Timeout exceeded while awaiting headers)".
func TestTimeoutSaysAttemptsAndRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c, _ := newClient(t, srv.URL, func(c *Config) {
		c.RequestTimeout = 50 * time.Millisecond
		c.MaxRetries = 2
	})
	_, err := c.ListOrganizations(context.Background())
	want := regexp.MustCompile(`^GET /auth/api/v1/organization/list: context deadline exceeded (\(Client\.Timeout exceeded ` +
		`while awaiting headers\) )?\(3 attempts over \d+(\.\d+)?m?s, each allowed 50ms by request_timeout\)\. The Console ` +
		`did not answer in time: raise request_timeout if it is slow to answer, or check api_url \(now ` +
		regexp.QuoteMeta(srv.URL) + `\) and the network between here and there\.$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	if rec.n() != 3 {
		t.Errorf("%d attempts, want 3", rec.n())
	}
	if !IsTimeout(err) || IsRedirectRefused(err) {
		t.Errorf("IsTimeout %v, IsRedirectRefused %v", IsTimeout(err), IsRedirectRefused(err))
	}
	// The caller giving up is not a timeout of the Console.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.ListOrganizations(ctx); err == nil || IsTimeout(err) {
		t.Errorf("a caller's deadline: %v, IsTimeout %v", err, IsTimeout(err))
	}
}
