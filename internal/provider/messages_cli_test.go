package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 19, item 5: messages in the user's words, as terraform prints them.

// flatOutput is a command's output with Terraform's line wrapping and box drawing
// undone, so that a message can be matched whole.
func flatOutput(r cliResult) string {
	out := strings.NewReplacer("│", " ", "╷", " ", "╵", " ").Replace(r.stdout + r.stderr)
	return strings.Join(strings.Fields(out), " ")
}

// ephemeralRefusalConfig is a temporary account of prefix with body as its arguments,
// opened by a check that reads its name.
func ephemeralRefusalConfig(e *accEnv, prefix, body string) string {
	return e.config(fmt.Sprintf(`
ephemeral "platformer_service_account" "run" {
  name_prefix = %[1]q
  %[2]s
}

check "opened" {
  assert {
    condition     = startswith(ephemeral.platformer_service_account.run.name, %[1]q)
    error_message = "the temporary account has no name of the prefix"
  }
}
`, prefix, body))
}

// The ephemeral platformer_service_account, refused by the Console when Terraform opens
// it (at plan): the error names the attribute and the value, as the managed resource's
// do (TestAccBadInput), and nothing is left behind. Before: "Could not create the
// temporary service account "…": POST /auth/api/v1/serviceaccount/token/create: 400 Bad
// Request: roles[0].roles_id[0]: unknown permission code "organization.veiwer"".
func TestAccServiceAccountEphemeral_refusalNamesTheAttribute(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	const otherOrgProject = "b2d4f000-0000-4000-8000-000000000002" // a project of globex
	cases := []struct {
		name, body string
		// attr is the attribute's source line Terraform quotes; want the detail, after
		// `Could not create the temporary service account "<name>": `.
		attr, want string
	}{
		{"unknown organization code", `permissions = ["organization.veiwer"]`,
			`permissions = ["organization.veiwer"]`,
			`the Console refused "organization.veiwer" in permissions: unknown permission code "organization.veiwer".`},
		{"unknown project code, project-level", fmt.Sprintf("project_id  = %q\n  permissions = [\"rudder.app.veiwer\"]", e.ShopID),
			`permissions = ["rudder.app.veiwer"]`,
			`the Console refused "rudder.app.veiwer" in permissions: unknown permission code "rudder.app.veiwer".`},
		{"unknown code in project_permissions",
			fmt.Sprintf("permissions = [\"organization.viewer\"]\n  project_permissions = { %q = [\"rudder.app.viewer\", \"rudder.app.veiwer\"] }", e.ShopID),
			`project_permissions = {`,
			`the Console refused "rudder.app.veiwer" in project_permissions["` + e.ShopID + `"]: unknown permission code "rudder.app.veiwer".`},
		{"custom role of no organization", `custom_role_ids = ["` + missingID + `"]`,
			`custom_role_ids = ["` + missingID + `"]`,
			`the Console refused "` + missingID + `" in custom_role_ids: no custom role ` + missingID + ` in this organization.`},
		{"project of another organization", `project_permissions = { "` + otherOrgProject + `" = ["rudder.app.viewer"] }`,
			`project_permissions = {`,
			`the Console refused the project id "` + otherOrgProject + `", a key of project_permissions: "` + otherOrgProject +
				`" is neither this organization nor one of its projects.`},
	}
	for i, tc := range cases {
		prefix := fmt.Sprintf("refused%d-", i)
		c := initCLI(e, ephemeralRefusalConfig(e, prefix, tc.body))
		for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
			r := c.run(args...)
			flat := flatOutput(r)
			want := regexp.MustCompile(`Error: Value Refused by the Console with ephemeral\.platformer_service_account\.run, ` +
				`on main\.tf line \d+, in ephemeral "platformer_service_account" "run": \d+: ` +
				regexp.QuoteMeta(strings.Join(strings.Fields(tc.attr), " ")) + `.*? Could not create the temporary service ` +
				`account "` + regexp.QuoteMeta(prefix) + `[a-z0-9]{8}": ` + regexp.QuoteMeta(tc.want))
			if r.code != 1 || !want.MatchString(flat) {
				t.Errorf("%s: terraform %s does not say\n%s\n%s", tc.name, args[0], want, r)
			}
			if strings.Contains(flat, "roles[") || strings.Contains(flat, "custom_role_ids[") || strings.Contains(flat, "/auth/api/") {
				t.Errorf("%s: terraform %s quotes the API:\n%s", tc.name, args[0], r)
			}
			if left := accountsNamed(t, e, prefix); len(left) > 0 {
				t.Errorf("%s: terraform %s left accounts behind: %+v", tc.name, args[0], left)
			}
			if st := c.state(); len(st) > 0 {
				t.Errorf("%s: terraform %s left state: %+v", tc.name, args[0], st)
			}
		}
	}
}

// The fields of a temporary account's create that the emulator cannot be made to
// refuse: the name comes from name_prefix, the token's expiry from expires_in, and the
// description is the provider's own, so its refusal keeps the Console's words.
func TestServiceAccountEphemeral_refusedFieldsMapToAttributes(t *testing.T) {
	m := serviceAccountEphemeralModel{NamePrefix: types.StringValue("ci-"), ExpiresIn: durationValue{}}
	account := m.accountModel(emulator.OrganizationID, "ci-abcd1234", "Temporary …")
	expiresAt := time.Date(2026, 12, 4, 21, 0, 0, 0, time.UTC)
	req := m.request(&account, expiresAt)
	for _, tc := range []struct {
		field      client.InputField
		at, what   string
		attributed bool
	}{
		{client.FieldName, "name_prefix", `the name "ci-abcd1234" (name_prefix "ci-" and a random suffix)`, true},
		{client.FieldExpiresAt, "expires_in", `the token's expiry 2026-12-04T21:00:00Z (expires_in 1h from now)`, true},
		{client.FieldDescription, "", "", false},
		{client.FieldOther, "", "", false},
	} {
		at, what, ok := req.refused(client.InvalidInput{Field: tc.field, Role: -1, Item: -1, Problem: "refused"})
		if ok != tc.attributed || (ok && (at.String() != tc.at || what != tc.what)) {
			t.Errorf("field %d: got (%s, %q, %v), want (%s, %q, %v)", tc.field, at, what, ok, tc.at, tc.what, tc.attributed)
		}
	}
}

// redirectingProxy passes reads (GET, HEAD) through to the Console at target and
// answers every write with a 301 to the same path under /canonical, on the proxy itself,
// as a gateway that moved its API does; what is sent under /canonical reaches the
// Console, whatever its method. It records the writes it redirected.
type redirectingProxy struct {
	*httptest.Server
	mu     sync.Mutex
	writes []string
}

const canonicalPrefix = "/canonical"

func newRedirectingProxy(t *testing.T, target string) *redirectingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(u)
	p := &redirectingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, moved := strings.CutPrefix(r.URL.Path, canonicalPrefix); moved {
			r.URL.Path = rest
			pass.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			pass.ServeHTTP(w, r)
			return
		}
		p.mu.Lock()
		p.writes = append(p.writes, r.Method+" "+r.URL.Path)
		p.mu.Unlock()
		http.Redirect(w, r, canonicalPrefix+r.URL.Path, http.StatusMovedPermanently)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *redirectingProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.writes)
}

// emulatorWrites are the writes (any method but GET) the emulator answered.
func emulatorWrites(s emulator.Stats) []emulator.RouteStat {
	return slices.DeleteFunc(slices.Clone(s.Requests), func(r emulator.RouteStat) bool { return r.Method == http.MethodGet })
}

// A redirect answering a write, through the CLI: api_url is a proxy that passes reads
// through and answers writes with a 301 to another path of its own. A create, an update
// and a destroy each fail with the message naming the redirect and api_url, on the
// resource concerned; nothing reaches the Console, state is unchanged, and against the Console
// itself the plan and the refresh-only plan are empty. Before: the 301 turned the POST
// into a GET, answered "405 Method Not Allowed: method GET not allowed".
func TestAccRedirectedWriteRefused(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a proxy in front of it, and its request counters")
	c, list := evidenceSetup(t, e)
	before := c.state()
	accounts := emulatorAccounts(t, e)
	p := newRedirectingProxy(t, e.URL)
	changed := strings.Replace(evidenceConfig(e, p.URL), `permissions = ["organization.viewer"]`,
		`permissions = ["organization.viewer", "organization.member"]`, 1) + `
resource "platformer_service_account" "b" {
  name = "redirected"
}
`
	refused := func(method, path string) string {
		return method + " " + path + ": the server answered with a redirect (301 Moved Permanently) to " + p.URL +
			canonicalPrefix + path +
			", which was not followed: a write is never redirected, so nothing was sent there. Check api_url (now " + p.URL +
			"): it must be the Console API's base URL, such as https://api.platformer.com, without /auth/api/v1; behind " +
			"a proxy, the proxy's."
	}
	id := before[0].str("id")
	e.em.ResetStats()
	c.write(changed)
	r := c.run("apply", "-auto-approve")
	flat := flatOutput(r)
	for _, want := range []string{
		"Error: Redirect Refused with platformer_service_account.b, on main.tf line ",
		`Could not create service account "redirected": ` + refused(http.MethodPost, routeCreate),
		"Error: Redirect Refused with platformer_service_account.a, on main.tf line ",
		"Could not update service account " + id + ": " + refused(http.MethodPut, "/auth/api/v1/serviceaccount/"+id),
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the apply does not say\n%s\n%s", want, r)
		}
	}
	// The old failure was "405 Method Not Allowed: method GET not allowed" (a bare "405"
	// may stand in a random UUID of the output).
	if r.code != 1 || strings.Contains(strings.ToLower(flat), "not allowed") {
		t.Errorf("the apply through the redirecting proxy:\n%s", r)
	}
	// The destroy starts with the token (its destroy renews it, to end the old one).
	// Terraform prints no "with" line for a destroy: the message names the account.
	c.write(evidenceConfig(e, p.URL))
	r = c.run("destroy", "-auto-approve")
	if want := "Error: Redirect Refused Could not invalidate the token of service account " + id + " (destroy renews it and discards the " +
		"new one, so the token in state stops working): " +
		// Its end is cut at 600 characters (clip): what to check in api_url is said in other errors.
		strings.SplitAfter(refused(http.MethodPost, "/auth/api/v1/serviceaccount/"+id+"/token/renew"), "nothing was sent there.")[0]; r.code != 1 ||
		!strings.Contains(flatOutput(r), want) {
		t.Errorf("the destroy does not say\n%s\n%s", want, r)
	}
	if w := emulatorWrites(e.em.Stats()); len(w) > 0 || e.em.Stats().Count(http.MethodGet, routeCreate) > 0 {
		t.Errorf("writes reached the Console through the redirect: %+v", e.em.Stats().Requests)
	}
	if len(p.seen()) == 0 {
		t.Error("the proxy saw no write: the test proves nothing")
	}
	if got := c.must("state", "list").stdout; got != list {
		t.Errorf("state list changed:\n%s\nwant:\n%s", got, list)
	}
	if got := c.state(); !reflect.DeepEqual(got, before) {
		t.Errorf("state changed:\n%+v\nwant:\n%+v", got, before)
	}
	if got := emulatorAccounts(t, e); !reflect.DeepEqual(got, accounts) {
		t.Errorf("the Console held %v and now holds %v", accounts, got)
	}
	c.write(evidenceConfig(e, e.URL))
	expectEmptyPlans(t, c, "against the Console")
}

// timeoutConfig is evidenceConfig against the Console with a short request_timeout.
func timeoutConfig(e *accEnv) string {
	return strings.Replace(evidenceConfig(e, e.URL), "  max_retries     = 1\n",
		"  max_retries     = 1\n  request_timeout = \"2s\"\n", 1)
}

// A Console slower than request_timeout, through the CLI: the refresh of plan, apply
// and the refresh-only plan fails on the resource, saying how many attempts were made
// over how long, the time request_timeout allowed each, and what to raise or check.
// State is unchanged, and once the Console answers in time the plans are empty.
// Before: "GET …: context deadline exceeded (Client.Timeout exceeded while awaiting
// headers)", nothing more.
func TestAccRequestTimeoutSaysWhatWasTried(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its latency knob")
	c := initCLI(e, timeoutConfig(e))
	c.must("apply", "-auto-approve")
	before := c.state()
	accounts := emulatorAccounts(t, e)
	id := before[0].str("id")
	e.em.ResetStats()
	e.em.SetLatency(time.Minute) // far beyond request_timeout; a request whose client left ends at once
	want := regexp.MustCompile(`Error: Console Did Not Answer in Time with platformer_service_account\.a, on main\.tf line \d+, ` +
		`in resource "platformer_service_account" "a": \d+: resource "platformer_service_account" "a" \{ ` +
		regexp.QuoteMeta("Could not read service account "+id+": GET /auth/api/v1/serviceaccount/"+id+": context deadline "+
			"exceeded") + ` (\(Client\.Timeout exceeded while awaiting headers\) )?` + regexp.QuoteMeta("(2 attempts over ") +
		`\d+(\.\d+)?s` +
		regexp.QuoteMeta(", each allowed 2s by request_timeout). The Console did not answer in time: raise "+
			"request_timeout if it is slow to answer, or check api_url (now "+e.URL+") and the network between here and there."))
	for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}, {"plan", "-refresh-only"}} {
		r := c.run(args...)
		flat := flatOutput(r)
		if r.code != 1 || !want.MatchString(flat) {
			t.Errorf("terraform %s does not say\n%s\n%s", strings.Join(args, " "), want, r)
		}
		for _, bad := range []string{"has been deleted", "to add", "Creating...", "Destroying..."} {
			if strings.Contains(flat, bad) {
				t.Errorf("terraform %s printed %q:\n%s", strings.Join(args, " "), bad, r)
			}
		}
	}
	e.em.SetLatency(0)
	if w := emulatorWrites(e.em.Stats()); len(w) > 0 {
		t.Errorf("writes were sent to the slow Console: %+v", w)
	}
	if got := c.state(); !reflect.DeepEqual(got, before) {
		t.Errorf("state changed:\n%+v\nwant:\n%+v", got, before)
	}
	if got := emulatorAccounts(t, e); !reflect.DeepEqual(got, accounts) {
		t.Errorf("the Console held %v and now holds %v", accounts, got)
	}
	expectEmptyPlans(t, c, "once the Console answers in time")
}

// A renewal planned because state holds no token (here: after an import) warns that the
// account's current token, which someone may still hold, stops working; after the
// apply it does answer 401. Before: "The token in state does not work already", as if
// nothing working were lost.
func TestAccServiceAccountToken_importedRenewalWarnsOfTheCurrentToken(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	c := initCLI(e, evidenceConfig(e, e.URL))
	c.must("apply", "-auto-approve")
	id, held := onlyEntry(t, stateTokens(c.state()))
	if e.tokenStatus(held) != http.StatusOK {
		t.Fatal("the token of the first apply does not work")
	}
	c.must("state", "rm", "platformer_service_account_token.a")
	c.must("import", "platformer_service_account_token.a", id)
	want := "Warning: Token Will Be Renewed with platformer_service_account_token.a, on main.tf line "
	fate := "This apply renews the token of service account " + id + " because it was imported, and the Console " +
		"never shows a token again after issuing it. The account's current token, which is not in state (whoever " +
		"holds it), stops working when this apply renews it; the new one is stored in state."
	for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		r := c.run(args...)
		if flat := flatOutput(r); r.code != 0 || !strings.Contains(flat, want) || !strings.Contains(flat, fate) {
			t.Errorf("terraform %s does not warn\n%s\n%s\n%s", args[0], want, fate, r)
		}
	}
	if got := e.tokenStatus(held); got != http.StatusUnauthorized {
		t.Errorf("the token held before the import answers %d after the renewal, want 401 as the warning says", got)
	}
	if _, renewed := onlyEntry(t, stateTokens(c.state())); renewed == "" || e.tokenStatus(renewed) != http.StatusOK {
		t.Error("the token in state after the renewal does not work")
	}
	expectEmptyPlans(t, c, "after the renewal")
}
