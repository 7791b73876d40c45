package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Issue 10, item 6: two resources that manage one account's token renew each other's
// token away on every apply. The plan refuses it, naming the account; a replacement of
// one token (-replace, replace_triggered_by) is not mistaken for a second manager.

// managersConfig is two organization-level accounts, x and y, and the token blocks.
func managersConfig(e *accEnv, tokens string) string {
	return e.config(`
resource "platformer_service_account" "x" {
  name        = "managed-x"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "y" {
  name        = "managed-y"
  permissions = ["organization.viewer"]
}

resource "terraform_data" "rotation" {
  input = "1"
}
` + tokens)
}

func tokenBlock(name, account, extra string) string {
	return fmt.Sprintf(`
resource "platformer_service_account_token" %q {
  service_account_id = platformer_service_account.%s.id
  %s
}
`, name, account, extra)
}

// idOf is the id attribute of addr in c's state.
func idOf(t *testing.T, c *cliDir, addr string) string {
	t.Helper()
	return attrOf(t, c, addr, "id")
}

// attrOf is the string attribute attr of addr in c's state.
func attrOf(t *testing.T, c *cliDir, addr, attr string) string {
	t.Helper()
	for _, in := range c.state() {
		if in.Addr == addr {
			return in.str(attr)
		}
	}
	t.Fatalf("%s is not in state", addr)
	return ""
}

// expectManagedTwice checks that r failed at plan time with the error naming id, and
// without blaming a renewal "outside Terraform".
func expectManagedTwice(t *testing.T, r cliResult, id, what string) {
	t.Helper()
	out := r.stdout + r.stderr
	if r.code != 1 || !regexp.MustCompile(`Error: Service Account Token Managed Twice`).MatchString(out) ||
		!expectText("the token of service account "+id+" is already managed by another platformer_service_account_token").MatchString(out) {
		t.Errorf("%s: expected the plan-time error naming account %s:\n%s", what, id, r)
	}
	if strings.Contains(out, "outside Terraform") {
		t.Errorf("%s: the plan blames a renewal outside Terraform:\n%s", what, r)
	}
}

func TestAccServiceAccountToken_twoManagers(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its counters")
	one := tokenBlock("a", "x", "") + tokenBlock("b", "y", "")
	c := initCLI(e, managersConfig(e, one))
	c.must("apply", "-auto-approve")
	x := idOf(t, c, "platformer_service_account.x")

	// A second token resource on x.
	c.write(managersConfig(e, one+tokenBlock("c", "x", "")))
	expectManagedTwice(t, c.run("plan"), x, "a second token resource on one account")

	// count = 2 of one block.
	c.write(managersConfig(e, one+tokenBlock("d", "x", "count = 2")))
	expectManagedTwice(t, c.run("plan"), x, "count = 2")

	// b moves from y to x: its replacement plans a create on x, which a manages.
	c.write(managersConfig(e, tokenBlock("a", "x", "")+tokenBlock("b", "x", "")))
	expectManagedTwice(t, c.run("plan"), x, "a token moved to an account already managed")

	// Nothing of this was applied: the plan of the first configuration is empty.
	c.write(managersConfig(e, one))
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("expected no changes:\n%s", r)
	}

	// -replace of one token plans fine, and applies.
	e.em.ResetStats()
	r := c.run("plan", "-replace=platformer_service_account_token.a", "-detailed-exitcode")
	if r.code != 2 || strings.Contains(r.stdout+r.stderr, "Managed Twice") {
		t.Errorf("-replace of one token: expected a plan with changes and no error:\n%s", r)
	}
	c.must("apply", "-replace=platformer_service_account_token.a", "-auto-approve")

	// replace_triggered_by of one token plans and applies fine too.
	triggered := tokenBlock("a", "x", "lifecycle {\n    replace_triggered_by = [terraform_data.rotation]\n  }") + tokenBlock("b", "y", "")
	c.write(managersConfig(e, triggered))
	c.must("apply", "-auto-approve")
	c.write(strings.Replace(managersConfig(e, triggered), `input = "1"`, `input = "2"`, 1))
	r = c.run("plan", "-detailed-exitcode")
	if r.code != 2 || strings.Contains(r.stdout+r.stderr, "Managed Twice") {
		t.Errorf("replace_triggered_by: expected a plan with changes and no error:\n%s", r)
	}
	c.must("apply", "-auto-approve")
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("expected no changes after the replacement:\n%s", r)
	}
	c.must("destroy", "-auto-approve")
}

// Two token resources on an account created in the same apply: the account id is
// unknown when the plan is made, so the apply refuses the second before it renews.
func TestAccServiceAccountToken_twoManagersOfANewAccount(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its counters")
	c := initCLI(e, managersConfig(e, tokenBlock("a", "x", "")+tokenBlock("b", "x", "")))
	r := c.run("apply", "-auto-approve")
	if r.code != 1 || !regexp.MustCompile(`Error: Service Account Token Managed Twice`).MatchString(r.stdout+r.stderr) {
		t.Errorf("two tokens of a new account: expected the apply to refuse the second:\n%s", r)
	}
	if n := renewCount(e); n > 1 {
		t.Errorf("%d renewals of one account's token in one apply", n)
	}
}
