package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Issue 19, item 2: one manager per token, within one configuration and across
// configurations.

const managedElsewhere = "Warning: Service Account Token Managed Elsewhere Too"

// rotatingBlock is a rotating token named name over accounts x and y.
func rotatingBlock(name, extra string) string {
	return fmt.Sprintf(`
resource "platformer_service_account_rotating_token" %q {
  service_account_ids = [platformer_service_account.x.id, platformer_service_account.y.id]
  rotate_every        = "30d"
  %s
}
`, name, extra)
}

// A rotating token block added beside an identical one is a second manager of both
// accounts: refused at plan. Before issue 19 the new block's create was taken for the
// second half of a replacement of the first, and both renewed.
func TestAccRotatingToken_identicalBlockBeside(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	c := initCLI(e, managersConfig(e, rotatingBlock("a", "")))
	c.must("apply", "-auto-approve")
	x := idOf(t, c, "platformer_service_account.x")

	c.write(managersConfig(e, rotatingBlock("a", "")+rotatingBlock("b", "")))
	r := c.run("plan")
	out := r.stdout + r.stderr
	if r.code != 1 || !strings.Contains(out, "Error: Service Account Token Managed Twice") ||
		!expectText("the token of service account "+x+" is already managed by another "+
			"platformer_service_account_rotating_token").MatchString(out) {
		t.Errorf("an identical rotating token block beside the first: expected the plan-time error naming account %s:\n%s", x, r)
	}

	// -replace of the one rotating token is not a second manager.
	c.write(managersConfig(e, rotatingBlock("a", "")))
	r = c.run("plan", "-replace=platformer_service_account_rotating_token.a", "-detailed-exitcode")
	if r.code != 2 || strings.Contains(r.stdout+r.stderr, "Managed Twice") {
		t.Errorf("-replace of a rotating token: expected a plan with changes and no error:\n%s", r)
	}
	c.must("apply", "-replace=platformer_service_account_rotating_token.a", "-auto-approve")
	expectEmptyPlans(t, c, "after the replacement")
	c.must("destroy", "-auto-approve")
}

// workspaceToken is a configuration of its own (another workspace) that manages the
// token of an existing account, given by id.
func workspaceToken(e *accEnv, accountID string) string {
	return e.config(fmt.Sprintf(`
resource "platformer_service_account_token" "other" {
  service_account_id = %q
}
`, accountID))
}

// Two workspaces (two states, two runs of the provider) manage one account's token.
// Nothing is shared between them, so no plan can refuse it; the fight is noticed on
// the Console and reported at plan, naming the account and how to end it:
//   - account x: the other workspace renews right after this one (same instant): the
//     next plan warns;
//   - account y: the two apply two hours apart; a single renewal elsewhere is not taken
//     for a second manager, one found again after this resource answered it is.
func TestAccTokenManagers_twoWorkspaces(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	a := initCLI(e, managersConfig(e, tokenBlock("a", "x", "")))
	a.must("apply", "-auto-approve")
	x := idOf(t, a, "platformer_service_account.x")
	y := idOf(t, a, "platformer_service_account.y")

	b := initCLI(e, workspaceToken(e, x))
	b.must("apply", "-auto-approve")
	r := a.run("plan", "-detailed-exitcode")
	expectFightWarning(t, r, x, "after this resource renewed it: by a second manager (a token resource in another configuration", "a renewal elsewhere at the same instant")
	if r := a.run("plan", "-refresh-only"); !strings.Contains(r.stdout, managedElsewhere) {
		t.Errorf("plan -refresh-only: expected the warning too:\n%s", r)
	}
	// Ending it as the warning says: the other workspace lets go without destroying.
	b.must("state", "rm", "platformer_service_account_token.other")
	a.must("apply", "-auto-approve")
	expectEmptyPlans(t, a, "once one manager is left")

	// y, two hours apart.
	a.write(managersConfig(e, tokenBlock("a", "x", "")+tokenBlock("c", "y", "")))
	a.must("apply", "-auto-approve")
	e.clock.Advance(2 * time.Hour)
	b2 := initCLI(e, workspaceToken(e, y))
	b2.must("apply", "-auto-approve")
	e.clock.Advance(2 * time.Hour)
	r = a.run("apply", "-auto-approve")
	if r.code != 0 || strings.Contains(r.stdout, managedElsewhere) || !strings.Contains(r.stdout, "Warning: Token Will Be Renewed") {
		t.Errorf("one renewal elsewhere, two hours after ours: expected a renewal and no second-manager warning:\n%s", r)
	}
	e.clock.Advance(2 * time.Hour)
	if r := b2.run("apply", "-auto-approve"); r.code != 0 || strings.Contains(r.stdout, managedElsewhere) {
		t.Errorf("the other workspace, first found renewed elsewhere: expected no second-manager warning:\n%s", r)
	}
	e.clock.Advance(2 * time.Hour)
	expectFightWarning(t, a.run("plan", "-detailed-exitcode"), y, "again after this resource answered a renewal made elsewhere at",
		"found renewed elsewhere again after answering it")
	b2.must("state", "rm", "platformer_service_account_token.other")
	a.must("destroy", "-auto-approve")
}

// expectFightWarning checks a plan that renews and warns that account id's token has a
// second manager, saying why (because) and how to end it.
func expectFightWarning(t *testing.T, r cliResult, id, because, what string) {
	t.Helper()
	out := r.stdout + r.stderr
	if r.code != 2 || !strings.Contains(out, managedElsewhere) {
		t.Errorf("%s: expected a plan that renews and warns of a second manager:\n%s", what, r)
		return
	}
	for _, want := range []string{"The token of service account " + id + " was renewed outside this state at", because,
		"Keep one manager: remove the other from its state", "terraform state rm, or a removed block with destroy = false"} {
		if !expectText(want).MatchString(out) {
			t.Errorf("%s: the warning does not say %q:\n%s", what, want, r)
		}
	}
}

// Two aliases of one configuration, each with a token resource on account x. Terraform
// runs one provider process per alias, so neither sees the other's claim: the plan
// cannot refuse it (the in-process harness, serving both aliases from one server, would
// refuse it, and so said this worked). The plan after the first apply warns instead.
func TestAccTokenManagers_twoAliasesBuiltBinary(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its counters")
	// The built provider runs on this machine's clock: the Console's is set to it, so that
	// creating account x renews no discarded creation token (which it does, to keep that
	// token's hour, on a Console whose clock is behind) and the count below is the tokens'.
	e.clock.Set(time.Now())
	c := newBuiltCLIDir(e, envAPIURL+"=", envToken+"=", envOrganizationID+"=")
	twin := fmt.Sprintf(`
provider "platformer" {
  alias           = "twin"
  api_url         = %q
  token           = %q
  organization_id = %q
}
`, e.URL, e.Token, e.OrgID)
	c.write(managersConfig(e, twin+tokenBlock("a", "x", "")+tokenBlock("b", "x", "provider = platformer.twin")))
	c.must("apply", "-auto-approve")
	if n := renewCount(e); n != 2 {
		t.Fatalf("expected the two token resources to renew once each, got %d renewals", n)
	}
	x := idOf(t, c, "platformer_service_account.x")
	expectFightWarning(t, c.run("plan", "-detailed-exitcode"), x, "after this resource renewed it: by a second manager (a token resource in another configuration", "two aliases")

	// Ending it: one alias lets go of the token without destroying it.
	c.must("state", "rm", "platformer_service_account_token.b")
	c.write(managersConfig(e, twin+tokenBlock("a", "x", "")))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "once one manager is left")
	c.must("destroy", "-auto-approve")
}

// The same for a rotating token: another workspace's rotating token over the same two
// accounts renews them right after this one; this workspace's next plan warns, naming
// the active account.
func TestAccTokenManagers_rotatingTwoWorkspaces(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	a := initCLI(e, managersConfig(e, rotatingBlock("a", "")))
	a.must("apply", "-auto-approve")
	active := attrOf(t, a, "platformer_service_account_rotating_token.a", "active_service_account_id")
	x, y := idOf(t, a, "platformer_service_account.x"), idOf(t, a, "platformer_service_account.y")

	b := initCLI(e, e.config(fmt.Sprintf(`
resource "platformer_service_account_rotating_token" "other" {
  service_account_ids = [%q, %q]
  rotate_every        = "30d"
}
`, x, y)))
	b.must("apply", "-auto-approve")
	expectFightWarning(t, a.run("plan", "-detailed-exitcode"), active, "after this resource renewed it: by a second manager (a token resource in another configuration",
		"another workspace's rotating token over the same accounts")
	b.must("state", "rm", "platformer_service_account_rotating_token.other")
	a.must("apply", "-auto-approve")
	expectEmptyPlans(t, a, "once one manager is left")
	a.must("destroy", "-auto-approve")
}
