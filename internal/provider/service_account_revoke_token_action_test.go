package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// tokenOf is the token of a resource in terraform.tfstate.
func tokenOf(c *cliDir, addr string) string {
	c.t.Helper()
	for _, in := range c.state() {
		if in.Addr == addr {
			return in.str("token")
		}
	}
	c.t.Fatalf("%s is not in state", addr)
	return ""
}

// revokeAndReissue invokes the revoke action on the token of account id, managed by
// tokenAddr in c's configuration, and checks: the leaked token stops working, its
// discarded replacement got the shortest lifetime, and the next plan renews, saying
// why; the apply issues a token that works, after which both plans are empty. It
// returns the invoke's and the plan's outputs.
func revokeAndReissue(t *testing.T, e *accEnv, c *cliDir, action, tokenAddr, id string) (invoked, planned cliResult) {
	t.Helper()
	return revokeFromAndReissue(t, e, c, c, action, tokenAddr, id)
}

// revokeFromAndReissue is revokeAndReissue with the action declared in another root
// module, invokeIn, as the guide "When a token leaks" keeps it.
func revokeFromAndReissue(t *testing.T, e *accEnv, c, invokeIn *cliDir, action, tokenAddr, id string) (invoked,
	planned cliResult) {
	t.Helper()
	leaked := tokenOf(c, tokenAddr)
	if code := e.tokenStatus(leaked); code != http.StatusOK {
		t.Fatalf("the token in state does not work before the revoke: %d", code)
	}
	invoked = invokeIn.must("apply", "-auto-approve", "-invoke="+action)
	if !strings.Contains(invoked.stdout, "Revoked: the token of") || !strings.Contains(invoked.stdout, "Actions: 1 invoked") {
		t.Fatalf("the invoke did not report the revoke:\n%s", invoked)
	}
	if code := e.tokenStatus(leaked); code != http.StatusUnauthorized {
		t.Fatalf("the leaked token still works after the revoke: %d", code)
	}
	sa, err := e.client().GetServiceAccount(context.Background(), client.Scope{OrganizationID: e.OrgID}, id)
	if err != nil {
		t.Fatal(err)
	}
	// Within the hour (discardedTokenLifetime): long enough that no back-off makes the
	// Console refuse it as past, short enough that nobody's manager asks for it.
	if sa.TokenExpiresAt == nil || sa.TokenExpiresAt.Sub(sa.TokenRenewedAt) > discardedTokenLifetime+time.Second {
		t.Fatalf("the discarded token expires at %v, renewed at %s: want within the hour", sa.TokenExpiresAt,
			sa.TokenRenewedAt)
	}
	planned = c.run("plan", "-detailed-exitcode")
	if planned.code != 2 || !strings.Contains(planned.stdout, "Token Will Be Renewed") ||
		!strings.Contains(strings.Join(strings.Fields(planned.stdout), " "), "the token was renewed elsewhere") {
		t.Fatalf("the plan after the revoke does not renew the token, saying why:\n%s", planned)
	}
	// A revoke is not a second manager of the token (token_managers.go, revokedAt).
	if strings.Contains(planned.stdout, "Managed Elsewhere Too") {
		t.Errorf("the plan after the revoke takes it for a second manager:\n%s", planned)
	}
	c.must("apply", "-auto-approve")
	fresh := tokenOf(c, tokenAddr)
	if fresh == "" || fresh == leaked || e.tokenStatus(fresh) != http.StatusOK {
		t.Fatal("the apply after the revoke did not store a fresh token that works")
	}
	expectEmptyPlans(t, c, "after the re-issue")
	for _, r := range []cliResult{invoked, planned} {
		if strings.Contains(r.stdout+r.stderr, leaked) || strings.Contains(r.stdout+r.stderr, fresh) {
			t.Fatal("a token appeared in terraform's output")
		}
	}
	return invoked, planned
}

// TestAccRevokeTokenAction revokes a managed token with terraform apply -invoke, for
// an account given in upper case; the token resource re-issues at the next apply.
func TestAccRevokeTokenAction(t *testing.T) {
	requireCLI(t, capActions)
	e := newAccEnv(t)
	c := newCLIDir(e)
	c.write(e.config(fmt.Sprintf(`
resource "platformer_service_account" "ci" {
  name = %q
}

resource "platformer_service_account_token" "ci" {
  service_account_id = platformer_service_account.ci.id
  expires_in         = "30d"
}

action "platformer_service_account_revoke_token" "ci" {
  config {
    service_account_id = upper(platformer_service_account.ci.id)
  }
}
`, e.uniqueName("leaky"))))
	c.must("init")
	c.must("apply", "-auto-approve")
	var id string
	for _, in := range c.state() {
		if in.Addr == "platformer_service_account.ci" {
			id = in.str("id")
		}
	}
	invoked, planned := revokeAndReissue(t, e, c, "action.platformer_service_account_revoke_token.ci", "platformer_service_account_token.ci", id)
	logOnFailure(t, "invoke:\n%s\nplan:\n%s", invoked.stdout, planned.stdout)
	if e.clock == nil {
		return
	}
	// Issue 24, defect 7: a token that has expired is left alone, and the action says so.
	e.clock.Advance(31 * 24 * time.Hour)
	e.em.ResetStats()
	expired := c.must("apply", "-auto-approve", "-invoke=action.platformer_service_account_revoke_token.ci")
	expectOutput(t, expired, "Nothing to revoke: the token of", "on the Console's clock and no longer works. Nothing was changed.")
	if n := e.em.Stats().Count(http.MethodPost, routeRenew); n != 0 {
		t.Errorf("the revoke of an expired token renewed it %d times; want 0", n)
	}
}

// TestAccRevokeTokenAction_unknownAccount: an account that does not exist is an error
// that says the token was not revoked.
func TestAccRevokeTokenAction_unknownAccount(t *testing.T) {
	requireCLI(t, capActions)
	e := newAccEnv(t)
	c := newCLIDir(e)
	c.write(e.config(`
action "platformer_service_account_revoke_token" "x" {
  config {
    service_account_id = "00000000-0000-4000-8000-00000000dead"
  }
}
`))
	c.must("init")
	r := c.run("apply", "-auto-approve", "-invoke=action.platformer_service_account_revoke_token.x")
	if r.code == 0 {
		t.Fatalf("expected an error:\n%s", r)
	}
	expectOutput(t, r, "Service Account Not Found: No token was revoked:",
		"service_account_id 00000000-0000-4000-8000-00000000dead names no service account of "+
			"organization "+strings.ToLower(e.OrgID)+" (organization_id, or the provider's).")
}

// TestAccExamples_revokeTokenAction applies the guide "When a token leaks" as it is
// laid out: the managing configuration (examples/guides/token-leak, no action block),
// and the action's example in a root module of its own, which finds the account by
// name; the action is invoked there, and the managing configuration re-issues.
func TestAccExamples_revokeTokenAction(t *testing.T) {
	requireCLI(t, capActions)
	e := newAccEnv(t)
	e.needEmulator("the example names fixed accounts")
	managing, err := os.ReadFile(examplePath("guides", "token-leak", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	revoke, err := os.ReadFile(examplePath("actions", "platformer_service_account_revoke_token", "action.tf"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCLIDir(e)
	c.write(e.config(string(managing)))
	c.must("init")
	c.must("apply", "-auto-approve")
	var id string
	for _, in := range c.state() {
		if in.Addr == "platformer_service_account.ci" {
			id = in.str("id")
		}
	}
	r := newCLIDir(e)
	r.write(e.config(string(revoke)))
	r.must("init")
	revokeFromAndReissue(t, e, c, r, "action.platformer_service_account_revoke_token.ci", "platformer_service_account_token.ci", id)
}

// Issue 26, item 1: the revoke path without actions, as the guide "When a token leaks"
// gives it for Terraform 1.11 to 1.13 and OpenTofu: on the managing configuration (the
// guide's example), terraform apply -replace of the token resource, and a change of
// rotation_trigger, each make the leaked token stop working and store a fresh one that
// works, with empty plans after.
func TestAccExamples_revokeWithoutActions(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("the example names fixed accounts")
	body, err := os.ReadFile(examplePath("guides", "token-leak", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCLIDir(e)
	c.write(e.config(string(body)))
	c.must("init")
	c.must("apply", "-auto-approve")
	const addr = "platformer_service_account_token.ci"
	for _, revoke := range []func(){
		func() { c.must("apply", "-auto-approve", "-replace="+addr) },
		func() {
			c.write(e.config(strings.Replace(string(body), "rotation_trigger = 1", "rotation_trigger = 2", 1)))
			c.must("apply", "-auto-approve")
		},
	} {
		leaked := tokenOf(c, addr)
		revoke()
		if code := e.tokenStatus(leaked); code != http.StatusUnauthorized {
			t.Fatalf("the leaked token still works (%d)", code)
		}
		if fresh := tokenOf(c, addr); fresh == leaked || e.tokenStatus(fresh) != http.StatusOK {
			t.Fatal("no fresh working token in state")
		}
		expectEmptyPlans(t, c, "after the revoke")
	}
}
