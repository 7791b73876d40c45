package provider

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// tokenPattern is the form of the emulator's service-account tokens; tokenPrefix is
// what the state and plan files are searched for.
const tokenPrefix = "pst_"

var tokenPattern = regexp.MustCompile(`^pst_[0-9A-Za-z]{40}$`)

// accountsNamed lists the accounts of the organization (both levels) whose name starts
// with prefix.
func accountsNamed(t *testing.T, e *accEnv, prefix string) []client.ServiceAccount {
	t.Helper()
	list, err := e.client().ListServiceAccounts(context.Background(), client.Scope{OrganizationID: e.OrgID})
	if err != nil {
		t.Fatalf("list the emulator's accounts: %v", err)
	}
	var out []client.ServiceAccount
	for _, sa := range list {
		if strings.HasPrefix(sa.Name, prefix) {
			out = append(out, sa)
		}
	}
	return out
}

// newTokens are the tokens the emulator issued after the first `before` ones.
func newTokens(e *accEnv, before int) []string {
	all := e.em.IssuedTokens()
	if before > len(all) {
		return nil
	}
	return all[before:]
}

// expectDead asserts that every token answers 401.
func expectDead(t *testing.T, e *accEnv, tokens []string, when string) {
	t.Helper()
	for i, tok := range tokens {
		if got := e.tokenStatus(tok); got != http.StatusUnauthorized {
			t.Errorf("%s: token #%d of %d answers HTTP %d, want 401", when, i+1, len(tokens), got)
		}
	}
}

// ---- plan time and apply time, through echoprovider -----------------------------------

// Issue 13: an ephemeral account whose configuration is unknown at plan time (its
// permissions come from a resource created in the same run) is not opened by the plan:
// the Console sees no create before the apply, and what the plan shows is unknown. At
// apply it is known: a real token, a name of the prefix and a random suffix, expires_at
// exactly expires_in after the Console's now. Terraform stores nothing of the ephemeral
// resource in state (echo.test, a test-only resource, holds a copy by design), and
// once the apply has ended the account is gone and its token answers 401.
func TestAccServiceAccountEphemeral_unknownAtPlanKnownAtApply(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock and counters")
	var token, id string
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"platformer": e.factories()["platformer"],
			"echo":       echoprovider.NewProviderServer(),
		},
		Steps: []resource.TestStep{{
			Config: strings.Replace(e.providerBlock(""), `platformer = { source = "platformercloud/platformer" }`,
				`platformer = { source = "platformercloud/platformer" }
    echo       = { source = "platformercloud/echo" }`, 1) + `
resource "terraform_data" "code" {
  input = "organization.viewer"
}

ephemeral "platformer_service_account" "test" {
  name_prefix = "echo-"
  permissions = [terraform_data.code.output]
  expires_in  = "2h"
}

provider "echo" {
  data = ephemeral.platformer_service_account.test
}

resource "echo" "test" {}
`,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue("echo.test", tfjsonpath.New("data")),
				checkFunc(func() error {
					if n := e.em.Stats().Count(http.MethodPost, routeCreate); n != 0 {
						return fmt.Errorf("the plan made %d create(s): an ephemeral resource whose configuration is "+
							"unknown must not be opened before apply", n)
					}
					return nil
				}),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("token"), knownvalue.StringRegexp(tokenPattern)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("name"), knownvalue.StringRegexp(regexp.MustCompile(`^echo-[a-z0-9]{8}$`))),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("expires_at"), knownvalue.StringExact("2026-11-26T14:00:00Z")),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("organization_id"), knownvalue.StringExact(e.OrgID)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("permissions"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("organization.viewer")})),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("project_id"), knownvalue.Null()),
				captureValue("echo.test", tfjsonpath.New("data").AtMapKey("token"), &token),
				captureValue("echo.test", tfjsonpath.New("data").AtMapKey("id"), &id),
				noEphemeralInState{},
			},
		}},
	})
	if token == "" {
		t.Fatal("no token was captured")
	}
	if got := e.tokenStatus(token); got != http.StatusUnauthorized {
		t.Errorf("the token of the apply's account answers %d after the run, want 401", got)
	}
	if left := accountsNamed(t, e, "echo-"); len(left) != 0 {
		t.Errorf("%d temporary account(s) left after the run", len(left))
	}
	if _, err := e.client().GetServiceAccount(context.Background(), client.Scope{OrganizationID: e.OrgID}, id); !client.IsNotFound(err) {
		t.Errorf("the apply's account %s still exists (err %v)", id, err)
	}
}

// Issue 13: when the provider's own token, or the organization the account would be
// created in, is not known at plan time (it comes from a resource of the same run), the
// plan cannot call the Console: the ephemeral account is
// unknown at plan, without an error, and opened at apply with the token then known.
func TestAccServiceAccountEphemeral_providerUnknownAtPlan(t *testing.T) {
	t.Parallel()
	for _, unknown := range []string{"token", "organization_id"} {
		t.Run(unknown, func(t *testing.T) {
			t.Parallel()
			providerUnknownAtPlan(t, unknown)
		})
	}
}

func providerUnknownAtPlan(t *testing.T, unknown string) {
	requireCLI(t, capUnknownEphemeralResult)
	e := newAccEnv(t)
	e.needEmulator("its counters")
	token, org := fmt.Sprintf("%q", e.Token), fmt.Sprintf("%q", e.OrgID)
	if unknown == "token" {
		token = "terraform_data.late.output"
	} else {
		org = "terraform_data.late.output"
	}
	late := map[string]string{"token": e.Token, "organization_id": e.OrgID}[unknown]
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"platformer": e.factories()["platformer"],
			"echo":       echoprovider.NewProviderServer(),
		},
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
    echo       = { source = "platformercloud/echo" }
  }
}

resource "terraform_data" "late" {
  input = %[1]q
}

provider "platformer" {
  api_url         = %[2]q
  token           = %[3]s
  organization_id = %[4]s
}

ephemeral "platformer_service_account" "test" {
  name_prefix = "late-"
}

provider "echo" {
  data = ephemeral.platformer_service_account.test
}

resource "echo" "test" {}
`, late, e.URL, token, org),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				checkFunc(func() error {
					if n := e.em.Stats().Count(http.MethodPost, routeCreate); n != 0 {
						return fmt.Errorf("the plan made %d create(s) with a provider whose %s is unknown", n, unknown)
					}
					return nil
				}),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("token"), knownvalue.StringRegexp(tokenPattern)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("name"), knownvalue.StringRegexp(regexp.MustCompile(`^late-[a-z0-9]{8}$`))),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("organization_id"), knownvalue.StringExact(e.OrgID)),
			},
		}},
	})
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left", n)
	}
}

// checkFunc is a plan check made of a function.
type checkFunc func() error

func (f checkFunc) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

// captureValue copies a string attribute of a resource in state.
func captureValue(addr string, at tfjsonpath.Path, into *string) statecheck.StateCheck {
	return captureCheck{addr: addr, at: at, into: into}
}

type captureCheck struct {
	addr string
	at   tfjsonpath.Path
	into *string
}

func (c captureCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != c.addr {
			continue
		}
		v, err := tfjsonpath.Traverse(r.AttributeValues, c.at)
		if err != nil {
			resp.Error = err
			return
		}
		s, ok := v.(string)
		if !ok {
			resp.Error = fmt.Errorf("%s %s is a %T, not a string", c.addr, c.at, v)
			return
		}
		*c.into = s
		return
	}
	resp.Error = fmt.Errorf("%s is not in state", c.addr)
}

// noEphemeralInState asserts that state holds no platformer_service_account other
// than managed ones: Terraform never stores ephemeral resources.
type noEphemeralInState struct{}

func (noEphemeralInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Type == "platformer_service_account" || strings.HasPrefix(r.Address, "ephemeral.") {
			resp.Error = fmt.Errorf("state holds %s (mode %s)", r.Address, r.Mode)
			return
		}
	}
}

// ---- plan and apply through the CLI: nothing left, nothing stored ----------------------

// ephemeralCLIConfig is the ephemeral account, used by a terraform_data's provisioner
// so that Terraform has a reason to open it, in an organization-level run.
func ephemeralCLIConfig(e *accEnv, prefix, extra string) string {
	return relProvider(e, "") + fmt.Sprintf(`
ephemeral "platformer_service_account" "run" {
  name_prefix = %[1]q
  permissions = ["organization.viewer"]
  %[2]s
}

locals {
  # Referenced by a check below, so that Terraform opens the ephemeral resource.
  run_name = ephemeral.platformer_service_account.run.name
}

check "opened" {
  assert {
    condition     = startswith(local.run_name, %[1]q)
    error_message = "the temporary account has no name of the prefix"
  }
}
`, prefix, extra)
}

// Issue 13: `terraform plan` opens and closes the ephemeral account, and so does
// `terraform apply`: after each, the Console holds no temporary account, each token
// issued answers 401, and neither the state file nor the saved plan file holds a token
// (both are searched for the tokens' prefix, the plan file entry by entry, as it is a
// zip archive).
func TestAccServiceAccountEphemeral_planAndApplyLeaveNothing(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its counters and issued tokens")
	c := initCLI(e, ephemeralCLIConfig(e, "cli-", ""))

	before := len(e.em.IssuedTokens())
	e.em.ResetStats()
	plan := c.must("plan", "-out=tfplan")
	stats := e.em.Stats()
	if got := stats.Count(http.MethodPost, routeCreate); got != 1 {
		t.Errorf("the plan made %d creates, want 1 (it opens the ephemeral resource once)", got)
	}
	if got := routeCount(stats, http.MethodDelete, routeAccount, http.StatusOK); got != 1 {
		t.Errorf("the plan made %d successful deletes, want 1 (it closes what it opened)", got)
	}
	if left := accountsNamed(t, e, "cli-"); len(left) != 0 {
		t.Errorf("%d temporary account(s) left after the plan", len(left))
	}
	planTokens := newTokens(e, before)
	if len(planTokens) != 1 {
		t.Errorf("the plan issued %d tokens, want 1", len(planTokens))
	}
	expectDead(t, e, planTokens, "after the plan")
	requireIn(t, "the plan's output", plan.stdout, "ephemeral.platformer_service_account.run: Opening...",
		"ephemeral.platformer_service_account.run: Closing...")

	before = len(e.em.IssuedTokens())
	apply := c.must("apply", "tfplan")
	requireIn(t, "the apply's output", apply.stdout, "ephemeral.platformer_service_account.run: Opening...",
		"ephemeral.platformer_service_account.run: Closing...")
	if left := accountsNamed(t, e, "cli-"); len(left) != 0 {
		t.Errorf("%d temporary account(s) left after the apply", len(left))
	}
	applyTokens := newTokens(e, before)
	if len(applyTokens) != 1 {
		t.Errorf("the apply issued %d tokens, want 1", len(applyTokens))
	}
	expectDead(t, e, applyTokens, "after the apply")
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("the emulator holds %d accounts after plan and apply, want 0", n)
	}

	tokens := append(planTokens, applyTokens...)
	stateHits := searchFile(t, filepath.Join(c.dir, "terraform.tfstate"), tokens)
	planHits, entries := searchPlanFile(t, filepath.Join(c.dir, "tfplan"), tokens, "cli-")
	if stateHits+planHits != 0 {
		t.Errorf("found %d token occurrence(s) in the state file and %d in the plan file", stateHits, planHits)
	}
	logOnFailure(t, "plan: 1 create, 1 delete, 0 accounts left, its token answers 401; apply of the saved plan: the same; "+
		"terraform.tfstate and tfplan (%d zip entries) searched for %q and for the %d tokens: none found",
		entries, tokenPrefix, len(tokens))
}

// searchFile counts the occurrences of the token prefix and of each token in a file.
func searchFile(t *testing.T, file string, tokens []string) int {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	return countSecrets(t, filepath.Base(file), string(raw), tokens)
}

func countSecrets(t *testing.T, name, text string, tokens []string) int {
	t.Helper()
	hits := strings.Count(text, tokenPrefix)
	if hits > 0 {
		t.Errorf("%s holds %q %d time(s)", name, tokenPrefix, hits)
	}
	for i, tok := range tokens {
		if n := strings.Count(text, tok); n > 0 {
			hits += n
			t.Errorf("%s holds token #%d %d time(s)", name, i+1, n)
		}
	}
	return hits
}

// searchPlanFile opens a saved plan (a zip archive) and counts the tokens in every
// entry, decompressed. want must appear in some entry: proof that the search reads the
// plan's content.
func searchPlanFile(t *testing.T, file string, tokens []string, want string) (hits, entries int) {
	t.Helper()
	z, err := zip.OpenReader(file)
	if err != nil {
		t.Fatalf("open the plan file %s: %v", file, err)
	}
	defer z.Close()
	seen := false
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("plan file entry %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatalf("plan file entry %s: %v", f.Name, err)
		}
		entries++
		seen = seen || strings.Contains(string(b), want)
		hits += countSecrets(t, "plan file entry "+f.Name, string(b), tokens)
	}
	if !seen {
		t.Errorf("no entry of the plan file holds %q: the search did not read what it should", want)
	}
	return hits, entries
}

// ---- leftovers of killed runs -----------------------------------------------------------

// Issue 13, leftovers: a run killed (SIGKILL) while its temporary account is open
// never closes it. The next run deletes it, but only once its token has expired on
// the Console's clock, and never anything else: not a concurrent run's account whose
// token is still valid, nor accounts without the temporary marker, of another prefix,
// whose name is the prefix and something other than a random suffix, of another scope
// (a project), or whose token never expires.
func TestAccServiceAccountEphemeral_sweepsLeftoversOfKilledRuns(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	ctx := context.Background()
	api := e.client()

	// A real killed run: the apply opens the account, then waits in a provisioner; it is
	// killed there, before it can close the account.
	c := initCLI(e, relProvider(e, "")+`
ephemeral "platformer_service_account" "run" {
  name_prefix = "sweep-"
  permissions = ["organization.viewer"]
}

resource "terraform_data" "wait" {
  provisioner "local-exec" {
    command     = "sleep 60"
    environment = { RUN = ephemeral.platformer_service_account.run.name }
  }
}
`)
	p := c.start("apply", "-auto-approve")
	p.awaitOutput("terraform_data.wait: Provisioning with 'local-exec'", time.Minute)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill terraform: %v", err)
	}
	killed := p.wait(time.Minute)
	leftovers := accountsNamed(t, e, "sweep-")
	if len(leftovers) != 1 {
		t.Fatalf("expected the killed run to leave its account behind, found %d:\n%s", len(leftovers), killed)
	}
	leftover := leftovers[0]

	// What must never be swept, made directly with the admin token.
	type keep struct{ name, description, project string }
	marker := temporaryDescription(e.clock.Now().Add(time.Hour))
	keeps := []keep{
		{"sweep-nomarker", "a hand-made account", ""},
		{"other-abcd1234", marker, ""},
		{"sweep-important-account", marker, ""},
		{"sweep-abcd1234", marker, e.ShopID}, // another scope: a project
	}
	shortLived := e.clock.Now().Add(time.Hour)
	for _, k := range keeps {
		_, err := api.CreateServiceAccount(ctx, e.OrgID, client.CreateServiceAccountInput{
			Name: k.name, Description: k.description, ProjectID: k.project, ExpiresAt: &shortLived})
		if err != nil {
			t.Fatalf("create %s: %v", k.name, err)
		}
	}
	if _, err := api.CreateServiceAccount(ctx, e.OrgID, client.CreateServiceAccountInput{
		Name: "sweep-n0expiry", Description: marker}); err != nil {
		t.Fatalf("create the never-expiring account: %v", err)
	}
	e.clock.Advance(90 * time.Minute) // every 1h token above has expired
	// A concurrent run's account: same prefix and scope, token still valid.
	concurrentExpiry := e.clock.Now().Add(time.Hour)
	if _, err := api.CreateServiceAccount(ctx, e.OrgID, client.CreateServiceAccountInput{
		Name: "sweep-concurr1", Description: temporaryDescription(concurrentExpiry), ExpiresAt: &concurrentExpiry}); err != nil {
		t.Fatalf("create the concurrent run's account: %v", err)
	}
	all := emulatorAccounts(t, e)

	c.write(ephemeralCLIConfig(e, "sweep-", ""))
	plan := c.must("plan")
	requireIn(t, "the plan", plan.stdout, "Warning: Leftover Temporary Service Accounts Deleted",
		fmt.Sprintf("Deleted 1 temporary service account(s) that earlier runs left behind (killed before they could "+
			"delete them; their tokens had expired): %q (%s, token expired", leftover.Name, leftover.ID))
	after := emulatorAccounts(t, e)
	if _, ok := after[leftover.ID]; ok {
		t.Errorf("the killed run's account %q is still there", leftover.Name)
	}
	for id, name := range all {
		if id == leftover.ID {
			continue
		}
		if _, ok := after[id]; !ok {
			t.Errorf("the sweep deleted %q, which it must not touch", name)
		}
	}
	if len(after) != len(all)-1 {
		t.Errorf("%d accounts after the sweep, want %d", len(after), len(all)-1)
	}
	again := c.must("plan")
	if strings.Contains(again.stdout, "Leftover") {
		t.Errorf("a second plan swept again:\n%s", again)
	}
	logOnFailure(t, "killed run left %q; after 90 minutes on the Console's clock the next plan deleted it and kept the %d "+
		"others (no marker, other prefix, not a random suffix, project scope, never expires, concurrent run)",
		leftover.Name, len(all)-1)
}

// ---- end to end, as in production --------------------------------------------------------

// Issue 13, end to end with the guide's example: the provider built and run by
// terraform as a plugin, so that the alias configured with the temporary account's
// token is a provider instance of its own, as in production. The alias manages an
// account of the shop project with exactly the temporary account's rights: the same
// call on the data project is refused (403). After a plan and after an apply, no
// temporary account is left and every token they issued answers 401; the state file
// and a saved plan file hold no token; the TRACE log of every run holds none either.
func TestAccServiceAccountEphemeral_endToEnd(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t, realTime) // the built provider runs on real time
	e.needEmulator("its issued tokens")
	logFile := filepath.Join(t.TempDir(), "trace.log")
	example, err := os.ReadFile(examplePath("guides", "ephemeral-account", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	c := builtProviderCLI(t, e, "TF_LOG=TRACE", "TF_LOG_PATH="+logFile)
	c.write(string(example))
	scan := newLeakScan(t)
	run := func(args ...string) cliResult {
		r := c.run(args...)
		scan.text("terraform "+strings.Join(args, " ")+" stdout/stderr", r.stdout+r.stderr)
		return r
	}
	must := func(args ...string) cliResult {
		r := run(args...)
		if r.code != 0 {
			t.Fatalf("expected success:\n%s", r)
		}
		return r
	}
	temporaries := func(when string) {
		t.Helper()
		if left := accountsNamed(t, e, "tf-run-"); len(left) != 0 {
			t.Errorf("%s: %d temporary account(s) left", when, len(left))
		}
	}

	before := len(e.em.IssuedTokens())
	must("plan", "-out=tfplan")
	temporaries("after the plan")
	planTokens := newTokens(e, before)
	if len(planTokens) != 1 {
		t.Errorf("the plan issued %d tokens, want 1", len(planTokens))
	}
	expectDead(t, e, planTokens, "after the plan")

	before = len(e.em.IssuedTokens())
	apply := must("apply", "tfplan")
	requireIn(t, "the apply", apply.stdout, "platformer_service_account.shop_bot: Creation complete")
	temporaries("after the apply")
	applyTokens := newTokens(e, before) // the temporary account's, then shop-bot's creation token
	if len(applyTokens) != 2 {
		t.Fatalf("the apply issued %d tokens, want 2", len(applyTokens))
	}
	shop := client.Scope{OrganizationID: e.OrgID, ProjectID: e.ShopID}
	live := 0
	for _, tok := range applyTokens {
		if e.tokenStatus(tok) == http.StatusUnauthorized {
			continue
		}
		live++
		// Only shop-bot's creation token may still work, and it cannot do what the
		// temporary account could.
		if _, err := e.clientWithToken(tok).ListServiceAccounts(context.Background(), shop); !client.IsForbidden(err) {
			t.Errorf("a token of the apply still works and lists the shop's accounts (err %v): the temporary account's", err)
		}
	}
	if live > 1 {
		t.Errorf("%d tokens of the apply still work, want at most shop-bot's", live)
	}
	bots := accountsNamed(t, e, "shop-bot")
	if len(bots) != 1 || bots[0].ProjectID != e.ShopID {
		t.Fatalf("expected shop-bot in the shop project, found %+v", bots)
	}
	plan := must("plan", "-detailed-exitcode")
	if !strings.Contains(plan.stdout, "No changes.") {
		t.Errorf("the plan after the apply is not empty:\n%s", plan)
	}
	refresh := run("plan", "-refresh-only", "-detailed-exitcode")
	if !c.refreshOnlyEmpty(refresh) || !strings.Contains(refresh.stdout, "No changes.") {
		t.Errorf("the refresh-only plan after the apply is not empty:\n%s", refresh)
	}
	temporaries("after the plans")

	tokens := e.em.IssuedTokens()
	stateHits := searchFile(t, filepath.Join(c.dir, "terraform.tfstate"), tokens)
	requireIn(t, "terraform.tfstate", readFile(t, filepath.Join(c.dir, "terraform.tfstate")), "shop-bot")
	planHits, entries := searchPlanFile(t, filepath.Join(c.dir, "tfplan"), tokens, "shop-bot")

	// Outside the temporary account's rights: the data project.
	if err := os.WriteFile(filepath.Join(c.dir, "forbidden.tf"), []byte(fmt.Sprintf(`
resource "platformer_service_account" "elsewhere" {
  provider   = platformer.shop_deployer
  name       = "elsewhere"
  project_id = %q
}
`, e.DataID)), 0o600); err != nil {
		t.Fatal(err)
	}
	refused := run("apply", "-auto-approve")
	if refused.code != 1 {
		t.Fatalf("an account in the data project must be refused:\n%s", refused)
	}
	requireIn(t, "the refused apply", refused.stderr, "Error: Permission Denied",
		`403 Forbidden: permission "organization.admin", "organization.iam", "organization.project.admin" or `+
			`"organization.project.iam" on the organization, or "project.operator.admin" or "project.operator.iam" on `+
			`project "data"`)
	// Terraform does not close an ephemeral resource when an operation that depends on
	// it fails; the provider deletes the account when Terraform stops it.
	temporaries("after the refused apply")
	if err := os.Remove(filepath.Join(c.dir, "forbidden.tf")); err != nil {
		t.Fatal(err)
	}

	must("destroy", "-auto-approve")
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left after destroy", n)
	}
	expectDead(t, e, e.em.IssuedTokens()[1:], "after destroy")

	log := readFile(t, logFile)
	requireIn(t, "the trace log", log, "[TRACE]", "provider.terraform-provider-platformer", "Console API request",
		"/auth/api/v1/serviceaccount/token/create", "OpenEphemeralResource", "CloseEphemeralResource")
	scan.text("the trace log", log)
	for i, tok := range e.em.IssuedTokens() {
		what := fmt.Sprintf("token #%d", i)
		if tok == e.Token {
			what = "the admin token (PLATFORMER_TOKEN)"
		}
		scan.secret(tok, what)
	}
	secrets, bytes := scan.run()
	logOnFailure(t, "plan: 1 temporary account opened and closed, its token 401; apply of the saved plan: shop-bot created "+
		"through the alias, the temporary account deleted, its token 401; a call on the data project: 403; "+
		"terraform.tfstate and tfplan (%d entries) searched for %q and %d tokens: %d hits; %d bytes of output and "+
		"TRACE log searched for %d tokens: none", entries, tokenPrefix, len(tokens), stateHits+planHits, bytes, secrets)
}

// builtProviderCLI is a working directory whose terraform runs the provider built from
// this repository as a plugin (dev_overrides), configured by the environment as in
// production: PLATFORMER_API_URL, PLATFORMER_TOKEN, PLATFORMER_ORGANIZATION_ID.
func builtProviderCLI(t *testing.T, e *accEnv, env ...string) *cliDir {
	t.Helper()
	return newBuiltCLIDir(e, append([]string{envToken + "=" + e.Token, envAPIURL + "=" + e.URL, envOrganizationID + "=" + e.OrgID},
		env...)...)
}

// Issue 13: the ephemeral resource's documentation example, applied as in production
// (it configures a provider alias, which needs a provider process of its own): it
// opens and closes an account in plan and in apply, and leaves none.
func TestAccServiceAccountEphemeral_example(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t, realTime)
	e.needEmulator("its issued tokens")
	example, err := os.ReadFile(examplePath("ephemeral-resources", "platformer_service_account", "ephemeral-resource.tf"))
	if err != nil {
		t.Fatal(err)
	}
	c := builtProviderCLI(t, e)
	c.write(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}
` + string(example))
	e.em.ResetStats()
	apply := c.must("apply", "-auto-approve")
	requireIn(t, "the apply", apply.stdout, "ephemeral.platformer_service_account.deploy: Opening...",
		"ephemeral.platformer_service_account.deploy: "+testCLI.closeComplete())
	// OpenTofu does not walk the apply of an empty plan: only its plan opens one.
	if got, want := e.em.Stats().Count(http.MethodPost, routeCreate), testCLI.opensPerEmptyApply(); got != want {
		t.Errorf("%d creates, want %d (one opened by the plan, one by the apply unless %s skips an empty one)", got, want, testCLI)
	}
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left", n)
	}
	expectDead(t, e, e.em.IssuedTokens()[1:], "after the apply")
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	return string(raw)
}

// ---- validation ---------------------------------------------------------------------------

// Issue 13: every plan-time rule of the ephemeral account, with its message; nothing
// reaches the Console.
func TestAccServiceAccountEphemeral_validation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	cases := []struct {
		name, body string
		want       string
	}{
		{"lifetime too long", `expires_in = "25h"`,
			`expires_in: "25h" is outside the accepted range: a temporary account's token lives from 1m to 24h. Use a duration in that range, such as "1h".`},
		{"lifetime of days too long", `expires_in = "2d"`,
			`expires_in: "2d" is outside the accepted range: a temporary account's token lives from 1m to 24h.`},
		{"lifetime too short", `expires_in = "30s"`,
			`expires_in: "30s" is outside the accepted range: a temporary account's token lives from 1m to 24h.`},
		{"lifetime not a duration", `expires_in = "1 hour"`, `expires_in: "1 hour" is not a duration`},
		{"prefix with bad characters", `name_prefix = "ci/run-"`,
			`Attribute name_prefix may contain only letters (A-Z, a-z), digits, spaces, '-', '_' and '.', got: ci/run-`},
		{"prefix too long", fmt.Sprintf(`name_prefix = %q`, strings.Repeat("p", 93)),
			`Attribute name_prefix UTF-8 character count must be between 1 and 92, got: 93`},
		{"empty prefix", `name_prefix = ""`, `Attribute name_prefix UTF-8 character count must be between 1 and 92, got: 0`},
		{"project code at organization level", `permissions = ["rudder.app.admin"]`,
			`permissions: "rudder.app.admin" is a permission code of the project level and cannot be granted at the organization level.`},
		{"organization code at project level", fmt.Sprintf("project_id = %q\npermissions = [\"organization.viewer\"]", e.ShopID),
			`permissions: "organization.viewer" is a permission code of the organization level and cannot be granted at the project level.`},
		{"project_permissions on a project-level account", fmt.Sprintf("project_id = %[1]q\nproject_permissions = { %[1]q = [\"rudder.app.admin\"] }", e.ShopID),
			`project_permissions grants codes on other projects and is accepted only on organization-level accounts (without project_id).`},
		{"project_id not a UUID", `project_id = "shop"`,
			`project_id: "shop" is not a UUID. Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits).`},
		{"custom role not a UUID", `custom_role_ids = ["deployer"]`, `"deployer" is not a UUID.`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config: e.config(`ephemeral "platformer_service_account" "test" {
` + tc.body + `
}`),
			PlanOnly:    true,
			ExpectError: expectMessage(tc.want),
		})
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: e.factories(),
		Steps:                    steps,
	})
	if e.em != nil {
		if n := e.em.Stats().Count(http.MethodPost, routeCreate); n != 0 {
			t.Errorf("invalid configurations made %d creates", n)
		}
	}
}

// ---- faults -------------------------------------------------------------------------------

// Issue 13, faults: every write's answer lost (committed, answered 502). The create's
// answer is lost, so the account is found by its name (this run's alone) and adopted;
// the renewal that would give it a token is lost too (three times, each seen made),
// so the account is deleted and the run fails with an error that says so. Nothing is left behind.
func TestAccServiceAccountEphemeral_lostAnswersLeaveNothing(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its fault knobs")
	c := initCLI(e, ephemeralCLIConfig(e, "lost-", ""))
	e.em.SetFaults(0, 1)
	r := c.run("plan")
	e.em.SetFaults(0, 0)
	if r.code != 1 {
		t.Fatalf("a plan whose every write answer is lost must fail:\n%s", r)
	}
	for _, want := range []string{
		"Error: Token Renewal Not Confirmed",
		"Could not confirm the renewal of the token of service account",
		"(3 attempts); apply again once the Console answers.",
		"The temporary account it was for (created, its answer lost) is deleted; run Terraform again.",
	} {
		if !expectText(want).MatchString(r.stderr) {
			t.Errorf("the failed plan does not say %q:\n%s", want, r)
		}
	}
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left after the failed plan", n)
	}
	expectDead(t, e, e.em.IssuedTokens()[1:], "after the failed plan")
}

// Issue 13, faults: with a third of the requests refused (503) and a third of the
// writes' answers lost (502), runs of plan and apply either succeed or fail with
// Terraform reporting why; after each, no account is left and every token is dead.
// At least one create answer is lost and adopted (the seed fixes which).
func TestAccServiceAccountEphemeral_faultsLeaveNothing(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t, func(o *emulator.Options) { o.Seed = 13 })
	e.needEmulator("its fault knobs")
	c := initCLI(e, ephemeralCLIConfig(e, "faulty-", ""))
	adopted, failed := 0, 0
	for i := range 8 {
		e.em.SetFaults(0.3, 0.3)
		cmd := "plan"
		if i%2 == 1 {
			cmd = "apply"
		}
		var r cliResult
		if cmd == "apply" {
			r = c.run("apply", "-auto-approve")
		} else {
			r = c.run("plan")
		}
		e.em.SetFaults(0, 0)
		if r.code != 0 {
			failed++
			if len(r.errorSummaries()) == 0 {
				t.Fatalf("run %d failed without Terraform saying why:\n%s", i+1, r)
			}
		}
		if strings.Contains(r.stdout+r.stderr, "Temporary Service Account Adopted After a Lost Response") {
			adopted++
		}
		if n := e.em.ServiceAccountCount(); n != 0 {
			t.Errorf("run %d (%s, exit %d): %d account(s) left:\n%s", i+1, cmd, r.code, n, r)
		}
	}
	expectDead(t, e, e.em.IssuedTokens()[1:], "after the runs")
	stats := e.em.Stats()
	if adopted == 0 {
		t.Errorf("no lost create was adopted in 8 runs; the seed no longer exercises adoption")
	}
	logOnFailure(t, "8 runs under faults: %d failed with a reported error, %d adopted a lost create; %d API calls, %d answered "+
		"503, %d answered 502; no account left after any run; %d tokens, all dead", failed, adopted, stats.Total,
		statusCount(stats, 503), statusCount(stats, 502), len(e.em.IssuedTokens())-1)
}

// Issue 13, Close fails: the Console refuses every request (503) from the moment the
// run has opened the account until it ends, so the deletion fails after its retries.
// The run still succeeds, with a warning naming the account and the time until which
// its token works; the account is left, and the next run deletes it once that time has
// passed on the Console's clock.
func TestAccServiceAccountEphemeral_closeFailureWarns(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its fault knobs and clock")
	c := initCLI(e, relProvider(e, "")+runWithProvisioner("unclosed-"))
	p := c.start("apply", "-auto-approve")
	p.awaitOutput("terraform_data.use: Provisioning with 'local-exec'", time.Minute)
	e.em.SetFaults(1, 0)
	r := p.wait(2 * time.Minute)
	e.em.SetFaults(0, 0)
	if r.code != 0 {
		t.Fatalf("a run whose close fails must still succeed:\n%s", r)
	}
	left := accountsNamed(t, e, "unclosed-")
	if len(left) != 1 {
		t.Fatalf("expected the account whose deletion failed to be left, found %d:\n%s", len(left), r)
	}
	requireIn(t, "the apply", r.stdout, "Warning: Temporary Service Account Not Deleted",
		fmt.Sprintf("Could not delete the temporary service account %q (%s) at the end of the run:", left[0].Name, left[0].ID),
		"Its token still works until it expires at 2026-11-26T12:30:00Z. Once it has, the next run with the same "+
			"name_prefix in the same organization or project deletes the account; or delete it in the Console now.")

	// The 503s, or, once their retries outlast Close's 6 s (ephemeralCloseTimeout), that.
	if out := strings.Join(strings.Fields(r.stdout), " "); !strings.Contains(out, "503 Service Unavailable") &&
		!strings.Contains(out, "no answer within 6s") {
		t.Errorf("the warning says neither the Console's 503 nor that it did not answer in time:\n%s", r)
	}

	e.clock.Advance(31 * time.Minute)
	c.write(ephemeralCLIConfig(e, "unclosed-", ""))
	next := c.must("plan")
	requireIn(t, "the next plan", next.stdout, "Warning: Leftover Temporary Service Accounts Deleted", left[0].ID)
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left after the next plan", n)
	}
}

// Issue 13: the ephemeral account's token is sensitive, and nothing else it returns is
// a secret; its inputs are optional, its results computed.
func TestServiceAccountEphemeral_schema(t *testing.T) {
	t.Parallel()
	resp := providerSchema(t)
	s, ok := resp.EphemeralResourceSchemas["platformer_service_account"]
	if !ok {
		t.Fatal("the provider has no ephemeral platformer_service_account")
	}
	computed := map[string]bool{"id": true, "name": true, "token": true, "expires_at": true, "organization_id": true}
	for _, a := range s.Block.Attributes {
		if a.Sensitive != (a.Name == "token") {
			t.Errorf("%s: sensitive %v", a.Name, a.Sensitive)
		}
		if a.Computed != computed[a.Name] {
			t.Errorf("%s: computed %v", a.Name, a.Computed)
		}
		if a.Required {
			t.Errorf("%s is required; every input has a default", a.Name)
		}
	}
	if len(s.Block.Attributes) != 11 {
		t.Errorf("%d attributes, want 11", len(s.Block.Attributes))
	}
}

// runWithProvisioner is an ephemeral account (name_prefix prefix) whose name a
// provisioner uses for a second: a run that holds the account open while a test changes
// the Console under it (faults, latency) before Close.
func runWithProvisioner(prefix string) string {
	return fmt.Sprintf(`
ephemeral "platformer_service_account" "run" {
  name_prefix = %q
  permissions = ["organization.viewer"]
  expires_in  = "30m"
}

resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "sleep 1"
    environment = { RUN = ephemeral.platformer_service_account.run.name }
  }
}
`, prefix)
}
