package provider

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 18, items 5 and 3 (the rotating token): the edges of the rotating token, through
// the terraform CLI.

// rotTokenAt is a resource instance of the state file, by address.
func rotTokenAt(t *testing.T, c *cliDir, addr string) cliInstance {
	t.Helper()
	for _, in := range c.state() {
		if in.Addr == addr {
			return in
		}
	}
	t.Fatalf("%s not in state", addr)
	return cliInstance{}
}

// Item 5: a rotation_trigger unknown at plan (a replaced terraform_data) that resolves
// to the value already in state rotates nothing, and the apply does not fail with
// "inconsistent final plan". Wholly unknown, and unknown inside a list.
func TestAccServiceAccountRotatingToken_unknownTriggerSameValue(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	cfg := func(generation string) string {
		return e.config(fmt.Sprintf(`
resource "terraform_data" "trigger" {
  input            = "v1"
  triggers_replace = [%[1]q]
}

resource "platformer_service_account" "a" {
  for_each    = toset(["1", "2", "3", "4"])
  name        = "%[2]s-${each.key}"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_rotating_token" "whole" {
  service_account_ids = [platformer_service_account.a["1"].id, platformer_service_account.a["2"].id]
  rotate_every        = "30d"
  rotation_trigger    = terraform_data.trigger.output
}

resource "platformer_service_account_rotating_token" "inside" {
  service_account_ids = [platformer_service_account.a["3"].id, platformer_service_account.a["4"].id]
  rotate_every        = "30d"
  rotation_trigger    = [terraform_data.trigger.output, 1]
}
`, generation, e.uniqueName("unknown-trigger")))
	}
	c := initCLI(e, cfg("g1"))
	c.must("apply", "-auto-approve")
	addrs := []string{"platformer_service_account_rotating_token.whole", "platformer_service_account_rotating_token.inside"}
	before := map[string]cliInstance{}
	for _, a := range addrs {
		before[a] = rotTokenAt(t, c, a)
	}

	// terraform_data is replaced: its output is unknown at plan, and "v1" again at apply.
	c.write(cfg("g2"))
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the replaced terraform_data must be planned:\n%s", plan)
	}
	if apply := c.run("apply", "-auto-approve"); apply.code != 0 {
		t.Fatalf("an unknown rotation_trigger that resolves to the value in state must apply:\n%s", apply)
	}
	for _, a := range addrs {
		after := rotTokenAt(t, c, a)
		for _, attr := range []string{"token", "token_id", "active_service_account_id", "previous_service_account_id", "renewed_at"} {
			if after.str(attr) != before[a].str(attr) {
				t.Errorf("%s.%s changed (%s -> %s): the trigger did not change, nothing may rotate", a, attr,
					redactToken(attr, before[a].str(attr)), redactToken(attr, after.str(attr)))
			}
		}
		e.statusIs(t, after.str("token"), http.StatusOK, a+": the active token")
	}
	expectEmptyPlans(t, c, "after the unknown trigger resolved to the same value")

	// And one that resolves to another value rotates.
	c.write(strings.Replace(cfg("g3"), `input            = "v1"`, `input            = "v2"`, 1))
	c.must("apply", "-auto-approve")
	for _, a := range addrs {
		after := rotTokenAt(t, c, a)
		if after.str("active_service_account_id") != before[a].str("previous_service_account_id") {
			t.Errorf("%s: a trigger that changed must rotate", a)
		}
	}
	expectEmptyPlans(t, c, "after the unknown trigger resolved to a new value")
}

func redactToken(attr, v string) string {
	if attr == "token" {
		return "(token)"
	}
	return v
}

// Item 5: service_account_ids and the import id in any case. A change of case plans
// nothing; an import with an upper-case id plans a rotation in place, not a replacement
// (which would kill the token the import promises to keep).
func TestAccServiceAccountRotatingToken_idsInAnyCase(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	accounts := e.rotatingAccounts()
	ids := func(upper bool) string {
		s := `[platformer_service_account.blue.id, platformer_service_account.green.id]`
		if upper {
			s = `[upper(platformer_service_account.blue.id), upper(platformer_service_account.green.id)]`
		}
		return s
	}
	cfg := func(upper bool) string {
		return e.config(accounts + fmt.Sprintf(`
resource "platformer_service_account_rotating_token" "test" {
  service_account_ids = %s
  rotate_every        = "30d"
}
`, ids(upper)))
	}
	c := initCLI(e, cfg(true))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after create with upper-case ids")
	created := rotState(t, c)

	c.write(cfg(false))
	expectEmptyPlans(t, c, "after the ids changed to lower case")

	// Import with the ids (and the organization) in upper case.
	c.must("state", "rm", rotAddr)
	e.clock.Advance(time.Hour)
	c.must("import", rotAddr, strings.ToUpper(e.OrgID+"/"+created.str("id")))
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after an import must rotate:\n%s", plan)
	}
	if strings.Contains(plan.stdout, "must be replaced") || !strings.Contains(plan.stdout, rotAddr+" will be updated in-place") {
		t.Fatalf("an upper-case import must rotate in place, not replace:\n%s", plan)
	}
	if strings.Contains(plan.stdout, "organization_id") || strings.Contains(plan.stdout, "service_account_ids") {
		t.Errorf("the plan after an upper-case import shows a change of case:\n%s", plan)
	}
	c.must("apply", "-auto-approve")
	after := rotState(t, c)
	e.statusIs(t, after.str("token"), http.StatusOK, "the token after the import's rotation")
	e.statusIs(t, created.str("token"), http.StatusOK, "the token active before the import (kept, as the import promised)")
	expectEmptyPlans(t, c, "after the import's rotation")
	c.write(cfg(true))
	expectEmptyPlans(t, c, "after the ids changed to upper case again")
}

// Item 5: a new spelling of the same rotate_every (or expires_in) plans nothing.
func TestAccServiceAccountRotatingToken_sameDurationOtherSpelling(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	c := initCLI(e, e.rotatingConfig(`
  rotate_every = "30d"
  expires_in   = "90d"`))
	c.must("apply", "-auto-approve")
	c.write(e.rotatingConfig(`
  rotate_every = "720h"
  expires_in   = "2160h"`))
	expectEmptyPlans(t, c, `after rotate_every "30d" -> "720h" and expires_in "90d" -> "2160h"`)
}

// Item 3: a rotation that becomes due between terraform plan -out and terraform apply
// tfplan does not fail the apply: the saved plan is applied as planned (here: a trigger
// set, which rotates nothing), and the next plan rotates.
func TestAccServiceAccountRotatingToken_dueAfterSavedPlan(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, e.rotatingConfig(`rotate_every = "30d"`))
	c.must("apply", "-auto-approve")
	first := rotState(t, c)

	e.clock.Advance(30*24*time.Hour - time.Minute)
	c.write(e.rotatingConfig(`
  rotate_every     = "30d"
  rotation_trigger = "set"`))
	plan := c.must("plan", "-out", "tfplan")
	if strings.Contains(plan.stdout, "Token Will Be Rotated") {
		t.Fatalf("a minute before rotate_every, the plan must not rotate:\n%s", plan)
	}
	e.clock.Advance(2 * time.Minute) // the rotation is due now
	if apply := c.run("apply", "tfplan"); apply.code != 0 {
		t.Fatalf("the saved plan must apply as it was planned:\n%s", apply)
	}
	if got := rotState(t, c); got.str("token_id") != first.str("token_id") {
		t.Errorf("the saved plan rotated nothing, but the apply did")
	}
	if r := c.run("plan", "-refresh-only", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("terraform plan -refresh-only after the saved plan's apply is not empty:\n%s", r)
	}

	// What became due after the plan is done by the next plan.
	next := c.run("plan", "-detailed-exitcode")
	if next.code != 2 {
		t.Fatalf("the plan after the saved plan's apply must rotate:\n%s", next)
	}
	expectOutput(t, next, "Warning: Token Will Be Rotated", "rotate_every (30d) or more before now (2026-12-26T12:01:00Z)")
	c.must("apply", "-auto-approve")
	rotated := rotState(t, c)
	if rotated.str("active_service_account_id") != first.str("previous_service_account_id") {
		t.Errorf("the next apply did not rotate")
	}
	e.statusIs(t, rotated.str("token"), http.StatusOK, "the new token")
	e.statusIs(t, first.str("token"), http.StatusOK, "the previous token")
	expectEmptyPlans(t, c, "after the rotation")
}

// Item 3 with the built provider binary, as Terraform runs it in production (one provider
// process per command), against the emulator whose clock the test moves through its
// control route: the Console's clock, read from its answers, decides. The change in the
// saved plan sets a numeric rotation_trigger (item 4: plan -refresh-only stays empty).
func TestAccServiceAccountRotatingToken_dueAfterSavedPlanBuiltBinary(t *testing.T) {
	t.Parallel()
	console := emulator.NewManualClock(time.Now().UTC().Truncate(time.Second))
	e := newAccEnv(t, func(o *emulator.Options) { o.Clock = console })
	e.needEmulator("its clock")
	c := newBuiltCLIDir(e, envAPIURL+"=", envToken+"=", envOrganizationID+"=")
	c.write(e.rotatingConfig(`rotate_every = "30d"`))
	c.must("apply", "-auto-approve")
	first := rotState(t, c)
	expectEmptyPlans(t, c, "after create")

	moveClock(t, e, `{"advance": "719h59m"}`)
	c.write(e.rotatingConfig(`
  rotate_every     = "30d"
  rotation_trigger = 1`))
	if plan := c.must("plan", "-out", "tfplan"); strings.Contains(plan.stdout, "Token Will Be Rotated") {
		t.Fatalf("a minute before rotate_every, the plan must not rotate:\n%s", plan)
	}
	moveClock(t, e, `{"advance": "2m"}`)
	if apply := c.run("apply", "tfplan"); apply.code != 0 {
		t.Fatalf("the saved plan must apply as it was planned:\n%s", apply)
	}
	if got := rotState(t, c); got.str("token_id") != first.str("token_id") {
		t.Errorf("the saved plan rotated nothing, but the apply did")
	}
	if r := c.run("plan", "-refresh-only", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("terraform plan -refresh-only after the saved plan's apply is not empty:\n%s", r)
	}
	next := c.run("plan", "-detailed-exitcode")
	if next.code != 2 || !strings.Contains(next.stdout, "Token Will Be Rotated") {
		t.Fatalf("the plan after the saved plan's apply must rotate:\n%s", next)
	}
	c.must("apply", "-auto-approve")
	e.statusIs(t, rotState(t, c).str("token"), http.StatusOK, "the new token")
	e.statusIs(t, first.str("token"), http.StatusOK, "the previous token")
	expectEmptyPlans(t, c, "after the rotation")
	c.must("destroy", "-auto-approve")
}
