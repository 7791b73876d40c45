package provider

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Issue 19, item 3: a provider alias configured with one of our tokens, and a data
// source and a resource through it. The token is unknown at plan time in every run
// that creates or renews it; the data source with depends_on on the token resource is
// read at apply, after the renewal. Without depends_on, the plan fails, saying why and
// how to fix it. The provider runs as a built binary: in-process, every alias would be
// served by one server, and so by one configuration.

// aliasNotKnown is the error a data source read through the alias gives at plan time.
var aliasNotKnown = []string{
	"Error: Provider Configuration Not Known Until Apply",
	"This data source cannot be read at plan time: the token of its provider configuration is not known until " +
		"apply, because it comes from a resource that this run creates or renews. Add depends_on = [<that " +
		"resource>] to this data source, naming the resource that the provider block's token refers to (such as " +
		"platformer_service_account_rotating_token.ci), so that it is read after that resource is applied.",
}

// aliasCase is one token resource feeding an alias, and how to make it renew by time.
type aliasCase struct {
	config  string        // the whole configuration, with depends_on on the aliased data source
	advance time.Duration // how far the Console's clock moves for the token to be renewed by time
	renewed string        // the warning of a plan that renews by time
	addr    string        // the token resource
}

// The guide's example: a rotating token feeding an alias (applied by this test, not by
// TestAccExamples, which serves every alias from one in-process server).
func TestAccTokenIntoAlias_example(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(examplePath("guides", "token-for-a-provider-alias", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	aliasRotations(t, aliasCase{config: string(body), advance: 31 * 24 * time.Hour,
		renewed: "Warning: Token Will Be Rotated", addr: "platformer_service_account_rotating_token.operator"})
}

// The same with a platformer_service_account_token, renewed within renew_before.
func TestAccTokenIntoAlias_tokenResource(t *testing.T) {
	t.Parallel()
	config := `
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

data "platformer_project" "shop" {
  name = "shop"
}

resource "platformer_service_account" "operator" {
  name        = "shop-operator"
  project_id  = data.platformer_project.shop.id
  permissions = ["project.operator.admin"]
}

resource "platformer_service_account_token" "operator" {
  service_account_id = platformer_service_account.operator.id
  expires_in         = "720h"
  renew_before       = "168h"
}

provider "platformer" {
  alias = "shop_operator"
  token = platformer_service_account_token.operator.token
}

data "platformer_project" "via_operator" {
  provider   = platformer.shop_operator
  name       = "shop"
  depends_on = [platformer_service_account_token.operator]
}

resource "platformer_service_account" "shop_bot" {
  provider    = platformer.shop_operator
  name        = "shop-bot"
  project_id  = data.platformer_project.shop.id
  permissions = ["rudder.app.viewer"]
}

# A token managed through the alias: its refresh is skipped too in the runs that renew
# the operator's token, and its plan-time checks make no call.
resource "platformer_service_account_token" "shop_bot" {
  provider           = platformer.shop_operator
  service_account_id = platformer_service_account.shop_bot.id
  rotation_trigger   = "1"
}

output "project_seen_by_the_token" {
  value = data.platformer_project.via_operator.id
}
`
	aliasRotations(t, aliasCase{config: config, advance: 600 * time.Hour, renewed: "Warning: Token Will Be Renewed",
		addr: "platformer_service_account_token.operator"})
}

// aliasRotations: without depends_on the first apply fails at plan with the message;
// with it, create and two renewals by time (one terraform apply -auto-approve each, as
// a schedule runs it) succeed, each followed by an empty plan and plan -refresh-only,
// and the token in state changes at each; without depends_on again, the next renewal
// fails at plan with the message.
func aliasRotations(t *testing.T, ac aliasCase) {
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := builtProviderCLI(t, e)
	without := dropDependsOn(t, ac.config)

	c.write(without)
	expectAliasNotKnown(t, c.run("apply", "-auto-approve"), "the first apply without depends_on")

	c.write(ac.config)
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the create")
	tokens := []string{attrOf(t, c, ac.addr, "token_id")}
	for i := 1; i <= 2; i++ {
		e.clock.Advance(ac.advance)
		r := c.must("apply", "-auto-approve")
		if !strings.Contains(r.stdout, ac.renewed) {
			t.Errorf("renewal %d: expected the plan to renew by time (%q):\n%s", i, ac.renewed, r)
		}
		// The account managed through the alias cannot be refreshed in this run: it says why.
		for _, want := range []string{"Warning: Refresh Skipped: Provider Configuration Not Known Until Apply",
			"Service account", "was not refreshed in this plan and keeps its prior state, because this provider " +
				"configuration's token is not known at plan time", "the next plan, with the token known, refreshes it"} {
			if !expectText(want).MatchString(r.stdout) {
				t.Errorf("renewal %d: the refresh of the account managed through the alias does not say %q:\n%s", i, want, r)
			}
		}
		expectEmptyPlans(t, c, fmt.Sprintf("after renewal %d", i))
		tokens = append(tokens, attrOf(t, c, ac.addr, "token_id"))
		if tokens[i] == tokens[i-1] {
			t.Errorf("renewal %d: the token id in state did not change", i)
		}
	}

	c.write(without)
	e.clock.Advance(ac.advance)
	expectAliasNotKnown(t, c.run("apply", "-auto-approve"), "a renewal without depends_on")
	if got := attrOf(t, c, ac.addr, "token_id"); got != tokens[2] {
		t.Errorf("the failed plan changed the token in state")
	}
	c.write(ac.config)
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the last renewal")
	c.must("destroy", "-auto-approve")
}

// dropDependsOn is config without its depends_on lines.
func dropDependsOn(t *testing.T, config string) string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(config, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "depends_on") {
			out = append(out, line)
		}
	}
	if len(out) == len(strings.Split(config, "\n")) {
		t.Fatal("the configuration has no depends_on")
	}
	return strings.Join(out, "\n")
}

func expectAliasNotKnown(t *testing.T, r cliResult, what string) {
	t.Helper()
	out := r.stdout + r.stderr
	if r.code != 1 {
		t.Errorf("%s: expected the plan to fail:\n%s", what, r)
		return
	}
	for _, want := range aliasNotKnown {
		if !expectText(want).MatchString(out) {
			t.Errorf("%s: the error does not say %q:\n%s", what, want, r)
		}
	}
	if strings.Contains(out, "has not been applied") {
		t.Errorf("%s: the error says the token's resource has not been applied:\n%s", what, r)
	}
}
