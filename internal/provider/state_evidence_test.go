package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue 10, item 1: a resource leaves state only on positive evidence, the Console's
// own answer that the object is gone. Each test creates an account and its token
// against the emulator, then points the provider somewhere that is not the Console's
// API and runs plan and apply through the CLI: both fail with an error that names the
// URL requested and says to check api_url, never "has been deleted"; `terraform state
// list` is unchanged; nothing is created, changed or deleted anywhere.

// evidenceConfig is one account with a token, with the provider's api_url set to apiURL.
func evidenceConfig(e *accEnv, apiURL string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

provider "platformer" {
  api_url         = %[1]q
  token           = %[2]q
  organization_id = %[3]q
  max_retries     = 1
}

resource "platformer_service_account" "a" {
  name        = "evidence-a"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "a" {
  service_account_id = platformer_service_account.a.id
}
`, apiURL, e.Token, e.OrgID)
}

// evidenceSetup applies the configuration against the emulator and returns the working
// directory and the `terraform state list` output.
func evidenceSetup(t *testing.T, e *accEnv) (*cliDir, string) {
	t.Helper()
	c := initCLI(e, evidenceConfig(e, e.URL))
	c.must("apply", "-auto-approve")
	list := c.must("state", "list").stdout
	if !strings.Contains(list, "platformer_service_account.a") || !strings.Contains(list, "platformer_service_account_token.a") {
		t.Fatalf("state after the first apply:\n%s", list)
	}
	return c, list
}

// checkNothingLost runs plan and apply with the configuration pointing at apiURL and
// checks that both fail with every wanted text, that nothing is planned as deleted or
// to add, that state is unchanged, and that the emulator still holds the account.
func checkNothingLost(t *testing.T, e *accEnv, c *cliDir, stateList, apiURL string, want ...string) {
	t.Helper()
	accounts := emulatorAccounts(t, e)
	c.write(evidenceConfig(e, apiURL))
	for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}, {"plan", "-refresh-only"}} {
		r := c.run(args...)
		out := r.stdout + r.stderr
		if r.code == 0 {
			t.Errorf("terraform %s succeeded against %s:\n%s", strings.Join(args, " "), apiURL, r)
		}
		for _, bad := range []string{"has been deleted", "to add", "Creating...", "Destroying...", "Error: Not Found"} {
			if strings.Contains(out, bad) {
				t.Errorf("terraform %s printed %q: a wrong api_url must not look like deleted objects:\n%s",
					strings.Join(args, " "), bad, r)
			}
		}
		flat := strings.Join(strings.Fields(out), " ") // Terraform wraps long lines
		for _, w := range want {
			if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("terraform %s: the output lacks %q:\n%s", strings.Join(args, " "), w, r)
			}
		}
		if got := c.must("state", "list").stdout; got != stateList {
			t.Fatalf("after terraform %s, state list changed:\n%s\nwant:\n%s", strings.Join(args, " "), got, stateList)
		}
	}
	if got := emulatorAccounts(t, e); len(got) != len(accounts) {
		t.Errorf("the emulator held %v and now holds %v", accounts, got)
	}
	// Back on the right URL, nothing to do.
	c.write(evidenceConfig(e, e.URL))
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("the plan on the right api_url is not empty:\n%s", r)
	}
}

// fakeConsole answers every request with status, content type and body, and records
// the methods and paths it saw.
type fakeConsole struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newFakeConsole(t *testing.T, status int, contentType, body string) *fakeConsole {
	t.Helper()
	f := &fakeConsole{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(f.Close)
	return f
}

// writes are the requests that would change something.
func (f *fakeConsole) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(f.seen), func(s string) bool { return strings.HasPrefix(s, "GET ") })
}

// The reproduced case: the API path appended to api_url. Refused when the provider is
// configured, with the URL to use; nothing is read, so nothing can look deleted.
func TestAccStateEvidence_apiPathInURL(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a second URL for the same Console")
	c, list := evidenceSetup(t, e)
	e.em.ResetStats()
	checkNothingLost(t, e, c, list, e.URL+"/auth/api/v1",
		"api_url", e.URL+"/auth/api/v1", `use the base URL without it, "`+e.URL+`"`)
	for _, r := range e.em.Stats().Requests {
		if strings.Contains(r.Route, "unmatched") {
			t.Errorf("a request reached the emulator on an unknown route: %+v", r)
		}
	}
}

// A proxy prefix that the Console does not serve: the emulator answers every path with
// its envelope's 404 "no such route". That 404 says nothing about the account.
func TestAccStateEvidence_unknownRoute(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its unknown routes")
	c, list := evidenceSetup(t, e)
	prefixed := e.URL + "/platformer"
	checkNothingLost(t, e, c, list, prefixed,
		"GET "+prefixed+"/auth/api/v1/serviceaccount/", "no such route", "Check api_url (now "+prefixed+")")
}

// A proxy or load balancer answering every request with its HTML 404 page.
func TestAccStateEvidence_html404(t *testing.T) {
	t.Parallel()
	checkNotAConsole(t, http.StatusNotFound, "text/html",
		"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>",
		"404 Not Found: not a Console response: an HTML page")
}

// A server answering 200 with a body that is not the Console's envelope (another API, a
// captive portal).
func TestAccStateEvidence_okNotEnvelope(t *testing.T) {
	t.Parallel()
	checkNotAConsole(t, http.StatusOK, "application/json", `{"status":"ok","version":"2.3.1"}`,
		"200 OK: not a Console response: JSON that is not the Console's envelope")
}

// checkNotAConsole points api_url at a server that answers every request with status,
// contentType and body: the error names the request and says why (why) the answer is
// not the Console's, nothing is lost from state, and no write reaches that server.
func checkNotAConsole(t *testing.T, status int, contentType, body, why string) {
	t.Helper()
	e := newAccEnv(t)
	e.needEmulator("a fake server beside it")
	c, list := evidenceSetup(t, e)
	f := newFakeConsole(t, status, contentType, body)
	checkNothingLost(t, e, c, list, f.URL, "GET "+f.URL+"/auth/api/v1/serviceaccount/", why, "Check api_url (now "+f.URL+")")
	if w := f.writes(); len(w) > 0 {
		t.Errorf("writes were sent to the fake server: %v", w)
	}
}

// Issue 10, item 7: nothing listens at api_url. The error names api_url, says how many
// attempts were made over how long, and what to check; a refusal by this machine is
// not retried for seconds.
func TestAccStateEvidence_closedPort(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a closed port beside it")
	c, list := evidenceSetup(t, e)
	f := newFakeConsole(t, http.StatusOK, "", "")
	closed := f.URL
	f.Close() // nothing listens there any more
	host := strings.TrimPrefix(closed, "http://")
	start := time.Now()
	checkNothingLost(t, e, c, list, closed,
		"dial tcp "+host+": connect: connection refused (1 attempt over ",
		"Nothing accepts connections at "+host+": check api_url (now "+closed+"), and that the Console (or the emulator) is running there")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("three failing runs took %s: a refused loopback connection was retried", took)
	}
}

// Issue 19, item 6: a server that answers every request with a 404 in the Console's own
// envelope (another deployment of the same gateway, a service that shares its error
// format). That 404 is not evidence until a call through this base URL has succeeded:
// the client probes the organization list, which fails too, so the route is not
// confirmed. Without the probe (or with its answer ignored), the accounts look deleted.
func TestAccStateEvidence_envelope404Everywhere(t *testing.T) {
	t.Parallel()
	const message = "service account not found"
	e := newAccEnv(t)
	e.needEmulator("a fake server beside it")
	c, list := evidenceSetup(t, e)
	f := newFakeConsole(t, http.StatusNotFound, "application/json", `{"success":false,"errors":{"message":"`+message+`"}}`)
	checkNothingLost(t, e, c, list, f.URL, "GET "+f.URL+"/auth/api/v1/serviceaccount/",
		`404 Not Found: not a Console response: a 404 in the Console's envelope ("`+message+`"), but no call through `+
			`this base URL has succeeded, and GET `+f.URL+`/auth/api/v1/organization/list failed too (404 Not Found: `+
			message+`): the route is not confirmed, so this says nothing about the object`,
		"Check api_url (now "+f.URL+")")
	if w := f.writes(); len(w) > 0 {
		t.Errorf("writes were sent to the fake server: %v", w)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.seen, "GET /auth/api/v1/organization/list") {
		t.Errorf("the route was never probed: %v", f.seen)
	}
}

// Issue 19, item 5: api_url says https, and the server there speaks plain http (the
// emulator itself, here). The error gives the hint other connection errors give, and the
// answer is not retried for seconds. Before: "http: server gave HTTP response to HTTPS
// client", with no hint, after max_retries retries.
func TestAccStateEvidence_httpsToAnHTTPServer(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a plain-http server to point https at")
	c, list := evidenceSetup(t, e)
	host := strings.TrimPrefix(e.URL, "http://")
	checkNothingLost(t, e, c, list, "https://"+host,
		"http: server gave HTTP response to HTTPS client (1 attempt over ",
		"The server at "+host+" speaks plain http, not https: check api_url (now https://"+host+"); the port may be "+
			"another service's, and only a loopback host (such as the emulator's) may be reached with http://.")
}
