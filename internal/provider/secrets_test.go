package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// leakScan looks for secrets in captured text.
type leakScan struct {
	t       *testing.T
	secrets map[string]string // value => what it is
	texts   map[string]string // name => captured text
}

func newLeakScan(t *testing.T) *leakScan {
	return &leakScan{t: t, secrets: map[string]string{}, texts: map[string]string{}}
}

func (s *leakScan) secret(value, what string) {
	if value != "" {
		s.secrets[value] = what
	}
}

func (s *leakScan) text(name, text string) { s.texts[name] += text }

// run asserts that no secret appears in any text, and returns how many secrets it
// looked for and how many bytes it read.
func (s *leakScan) run() (secrets, bytes int) {
	s.t.Helper()
	names := make([]string, 0, len(s.texts))
	for name, text := range s.texts {
		names = append(names, name)
		bytes += len(text)
	}
	sort.Strings(names)
	for value, what := range s.secrets {
		for _, name := range names {
			if n := strings.Count(s.texts[name], value); n > 0 {
				s.t.Errorf("%s appears %d time(s) in %s", what, n, name)
			}
		}
	}
	return len(s.secrets), bytes
}

// requireIn asserts that the captured text holds each of want: proof that the capture
// is not empty or of the wrong thing, so the scan cannot pass vacuously.
func requireIn(t *testing.T, name, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !expectText(w).MatchString(text) {
			t.Errorf("%s does not hold %q (%d bytes): the capture is not what the scan needs", name, w, len(text))
		}
	}
}

// Issue 5, secrets: a full lifecycle (create, rotate, import, destroy, then a call
// refused with a dead token) through terraform-plugin-testing with TF_LOG=trace and TF_ACC_LOG_PATH
// set: Terraform's own trace log and the in-process provider's tflog output (sent by
// plugin-testing's logging sink to the same file) hold no service-account token. The
// admin token is the one exception the scan makes: it is written in the provider block
// of the configuration on purpose (TestAccSecrets_builtProviderCLI passes it through the
// environment instead, and scans for it too).
//
// It sets environment variables, so it cannot run in parallel.
func TestAccSecrets_traceLogsHoldNoToken(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	e := newAccEnv(t)
	e.needEmulator("IssuedTokens")
	cfg := func(trigger string) string {
		return e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = "secretive"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  rotation_trigger   = %q
}
`, trigger))
	}
	var token1, token2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token2),
		Steps: []resource.TestStep{
			{Config: cfg("1"), Check: captureAttr(tokenAddr, "token", &token1)},
			{
				Config: cfg("2"),
				Check: resource.ComposeTestCheckFunc(
					captureAttr(tokenAddr, "token", &token2),
					e.expectStatus(&token1, http.StatusUnauthorized, "the rotated-away token"),
				),
			},
			{ResourceName: saAddr, ImportState: true, ImportStateVerify: true},
			{ResourceName: tokenAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"token", "rotation_trigger"}},
		},
	})

	// A call made with a dead token (passed in TF_VAR_dead) fails, and its error is in the
	// log too. A configuration of its own: plugin-testing serves every configuration of
	// the provider (aliases included) from one in-process server, which keeps the data
	// of the last one configured, so two configurations in one run would mix.
	t.Setenv("TF_VAR_dead", token1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
variable "dead" {
  type = string
}

provider "platformer" {
  api_url = %q
  token   = var.dead
}

data "platformer_organization" "dead" {
  id = %q
}
`, e.URL, e.OrgID),
			ExpectError: regexp.MustCompile(`(?s)Authentication Failed.*` + wrapTolerant("401 Unauthorized: token is no longer valid")),
		}},
	})

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("the trace log was not written: %v", err)
	}
	log := string(raw)
	// Non-trivial: Terraform's trace lines, the provider's own lines, the client's request
	// log with its path, and the redaction of the Authorization header all made it there.
	requireIn(t, "the trace log", log, "[TRACE]", "platformer", "Console API request",
		"/auth/api/v1/serviceaccount/token/create", "/token/renew", `[REDACTED]`)
	// The admin token is in the configuration, which the log quotes: there, and only
	// there, may it appear.
	configLine := regexp.MustCompile(`^\s*\|?\s*token\s*=\s*"` + regexp.QuoteMeta(e.Token) + `"\s*$`)
	adminLines := 0
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, e.Token) {
			adminLines++
			if !configLine.MatchString(line) {
				t.Errorf("the admin token appears in the trace log outside a quote of the configuration: %.300q", line)
			}
		}
	}
	scan := newLeakScan(t)
	scan.text("the trace log (Terraform and the provider)", log)
	n := 0
	for _, tok := range e.em.IssuedTokens() {
		if tok == e.Token {
			continue
		}
		n++
		scan.secret(tok, fmt.Sprintf("service-account token #%d", n))
	}
	if n < 4 {
		t.Errorf("only %d service-account tokens were issued; the lifecycle did not run", n)
	}
	secrets, bytes := scan.run()
	logOnFailure(t, "trace log: %d bytes, %d lines; scanned for %d service-account tokens (every one the emulator issued): none "+
		"found; the admin token, written in the provider block, appears on %d line(s), each a quote of the configuration",
		bytes, strings.Count(log, "\n"), secrets, adminLines)
}

// Issue 5, secrets, as in production: the provider built with go build and run by
// terraform as a plugin (dev_overrides), through a lifecycle — create, a sensitive
// output, rotate, import, a call refused with a dead token, destroy — with TF_LOG=trace
// and TF_LOG_PATH. Every token the emulator issued, the admin token included (passed in
// PLATFORMER_TOKEN, never written in the configuration), is absent from terraform's
// stdout and stderr of every run, from the trace log (which holds the provider's own
// log lines, as a plugin's stderr), and from the errors of the failed call.
func TestAccSecrets_builtProviderCLI(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t, func(o *emulator.Options) { o.Clock = nil }) // the built provider runs on real time
	e.needEmulator("IssuedTokens")
	logFile := filepath.Join(t.TempDir(), "trace.log")
	c := newBuiltCLIDir(e, "TF_LOG=TRACE", "TF_LOG_PATH="+logFile, envToken+"="+e.Token, envAPIURL+"=", envOrganizationID+"=")
	cfg := func(trigger, extra string) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

provider "platformer" {
  api_url         = %[1]q
  organization_id = %[2]q
}

resource "platformer_service_account" "test" {
  name        = "secretive"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  rotation_trigger   = %[3]q
}

output "token" {
  value     = platformer_service_account_token.test.token
  sensitive = true
}
%[4]s`, e.URL, e.OrgID, trigger, extra)
	}
	scan := newLeakScan(t)
	var runs []cliResult
	run := func(args ...string) cliResult {
		r := c.run(args...)
		runs = append(runs, r)
		scan.text("terraform "+args[0]+" stdout/stderr", r.stdout+r.stderr)
		return r
	}
	must := func(args ...string) cliResult {
		r := run(args...)
		if r.code != 0 {
			t.Fatalf("expected success:\n%s", r)
		}
		return r
	}

	c.write(cfg("1", ""))
	apply1 := must("apply", "-auto-approve")
	requireIn(t, "the first apply", apply1.stdout, "token = <sensitive>", "Apply complete! Resources: 2 added")
	token1 := stateTokens(c.state())
	out := must("output")
	requireIn(t, "terraform output", out.stdout, "token = <sensitive>")

	c.write(cfg("2", ""))
	must("apply", "-auto-approve")
	id, token2 := onlyEntry(t, stateTokens(c.state()))
	if token2 == "" || token2 == token1[id] {
		t.Fatal("the rotation did not store a new token")
	}

	must("state", "rm", "platformer_service_account_token.test")
	imp := must("import", "platformer_service_account_token.test", id)
	requireIn(t, "terraform import", imp.stdout+imp.stderr, "Token Cannot Be Imported")
	renew := must("apply", "-auto-approve")
	requireIn(t, "the apply after the import", renew.stdout, "Token Will Be Renewed", "it was imported")

	// A call with a dead token (from TF_VAR_dead, so not in any file): it must fail, and
	// its error must not quote the token.
	c.write(cfg("2", fmt.Sprintf(`
variable "dead" {
  type = string
}

provider "platformer" {
  alias   = "dead"
  api_url = %q
  token   = var.dead
}

data "platformer_organization" "dead" {
  provider = platformer.dead
  id       = %q
}
`, e.URL, e.OrgID)))
	c.env = append(c.env, "TF_VAR_dead="+token1[id])
	failed := run("plan")
	if failed.code != 1 {
		t.Fatalf("a call with a dead token must fail:\n%s", failed)
	}
	requireIn(t, "the failed plan", failed.stderr, "Authentication Failed", "401 Unauthorized: token is no longer valid")
	scan.text("the errors of the failed call", strings.Join(failed.errorSummaries(), "\n")+failed.stderr)

	c.write(cfg("2", ""))
	destroy := must("destroy", "-auto-approve")
	requireIn(t, "terraform destroy", destroy.stdout, "Destroy complete! Resources: 2 destroyed.")

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("the trace log was not written: %v", err)
	}
	log := string(raw)
	requireIn(t, "the trace log", log, "[TRACE]", "provider.terraform-provider-platformer", "Console API request",
		"/auth/api/v1/serviceaccount/token/create", "/token/renew", "[REDACTED]")
	scan.text("the trace log", log)
	issued := e.em.IssuedTokens()
	for i, tok := range issued {
		what := fmt.Sprintf("service-account token #%d", i)
		if tok == e.Token {
			what = "the admin token (PLATFORMER_TOKEN)"
		}
		scan.secret(tok, what)
	}
	if len(issued) < 5 {
		t.Errorf("only %d tokens issued; the lifecycle did not run", len(issued))
	}
	secrets, bytes := scan.run()
	logOnFailure(t, "built provider via dev_overrides: %d terraform runs; scanned %d bytes (stdout, stderr, errors, a %d-line "+
		"trace log) for %d tokens (the admin token and every service-account token issued): none found",
		len(runs), bytes, strings.Count(log, "\n"), secrets)
}

// Issue 5, secrets: an output of the token must be marked sensitive; Terraform refuses
// one that is not, and accepts one that is, keeping it sensitive.
func TestAccSecrets_outputOfTokenMustBeSensitive(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	body := func(sensitive string) string {
		return e.tokenConfig(e.uniqueName("exported"), "") + `
output "token" {
  value = platformer_service_account_token.test.token
  ` + sensitive + `
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:   body(""),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Error: Output refers to sensitive values.*` + wrapTolerant(
					`To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, `+
						string(testCLI.kind)+` requires that any root module output containing sensitive data be explicitly marked as sensitive`)),
			},
			{
				Config: body("sensitive = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("token")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("token")),
					outputIsSensitive{"token"},
				},
			},
		},
	})
}

// outputIsSensitive checks that a root output is marked sensitive in state.
type outputIsSensitive struct{ name string }

func (c outputIsSensitive) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	out, ok := req.State.Values.Outputs[c.name]
	switch {
	case !ok:
		resp.Error = fmt.Errorf("output %q is not in state", c.name)
	case !out.Sensitive:
		resp.Error = fmt.Errorf("output %q is not sensitive", c.name)
	}
}

// Issue 5, secrets: every attribute that holds a token is sensitive, wherever it
// appears — provider, resources, data sources — and no data source exposes one at all
// (the Console shows a token only when it issues it).
func TestSecrets_tokenAttributesAreSensitive(t *testing.T) {
	t.Parallel()
	resp := providerSchema(t)
	holdsToken := func(name string) bool { return name == "token" || strings.HasSuffix(name, "_token") }
	checked := 0
	var walk func(where string, b *tfprotov6.SchemaBlock, dataSource bool)
	walkAttrs := func(where string, attrs []*tfprotov6.SchemaAttribute, dataSource bool) {
		for _, a := range attrs {
			at := where + "." + a.Name
			if holdsToken(a.Name) {
				checked++
				if !a.Sensitive {
					t.Errorf("%s holds a token but is not sensitive", at)
				}
				if dataSource {
					t.Errorf("%s: a data source exposes a token", at)
				}
			}
			if a.NestedType != nil {
				for _, n := range a.NestedType.Attributes {
					if holdsToken(n.Name) && !n.Sensitive && !a.Sensitive {
						t.Errorf("%s.%s holds a token but is not sensitive", at, n.Name)
					}
				}
			}
		}
	}
	walk = func(where string, b *tfprotov6.SchemaBlock, dataSource bool) {
		if b == nil {
			return
		}
		walkAttrs(where, b.Attributes, dataSource)
		for _, nb := range b.BlockTypes {
			walk(where+"."+nb.TypeName, nb.Block, dataSource)
		}
	}
	walk("provider", resp.Provider.Block, false)
	for name, s := range resp.ResourceSchemas {
		walk(name, s.Block, false)
	}
	for name, s := range resp.DataSourceSchemas {
		walk(name, s.Block, true)
	}
	if checked < 2 {
		t.Errorf("found only %d token attributes; expected at least the provider's and the token resource's", checked)
	}
	logOnFailure(t, "%d token attributes, all sensitive, in %d resources and %d data sources and the provider", checked,
		len(resp.ResourceSchemas), len(resp.DataSourceSchemas))
}

// Issue 5, secrets: the provider token goes to api_url's origin only. api_url is a
// front on this machine that redirects every request to another origin (the emulator,
// on another port; or a host elsewhere over plain http): the provider refuses to follow,
// so the other origin never sees a request, let alone the token, and the error says why.
func TestAccSecrets_tokenNotSentToAnotherHost(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its request counters")
	for _, target := range []struct{ name, url, origin string }{
		{"another port of this machine", e.URL, e.URL},
		{"a host elsewhere over plain http", "http://console.example.invalid", "http://console.example.invalid"},
	} {
		t.Run(target.name, func(t *testing.T) {
			var seen, withToken atomic.Int64
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen.Add(1)
				if r.Header.Get("Authorization") == e.Token {
					withToken.Add(1)
				}
				http.Redirect(w, r, target.url+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			}))
			defer front.Close()
			e.em.ResetStats()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
provider "platformer" {
  api_url     = %q
  token       = %q
  max_retries = 0
}

data "platformer_organization" "test" {
  id = %q
}
`, front.URL, e.Token, e.OrgID),
					ExpectError: regexp.MustCompile(`(?s)Redirect Refused.*` + wrapTolerant(fmt.Sprintf(
						"Could not list organizations: GET /auth/api/v1/organization/list: refused a redirect to %s: the "+
							"token is sent only to %s", target.origin, front.URL))),
				}},
			})
			if n := e.em.Stats().Total; n != 0 {
				t.Errorf("the emulator (another origin) received %d requests", n)
			}
			if seen.Load() == 0 || withToken.Load() != seen.Load() {
				t.Errorf("the front (api_url) saw %d requests, %d with the token", seen.Load(), withToken.Load())
			}
			logOnFailure(t, "redirect to %s: api_url saw %d request(s), the other origin none", target.name, seen.Load())
		})
	}
}
