package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// handMadeTwelve makes 12 accounts through the Console's API, of every shape the
// resource has: organization and project level, with and without description,
// permissions, custom roles and permissions on other projects. It returns their ids
// by name.
func handMadeTwelve(t *testing.T, e *accEnv) map[string]string {
	t.Helper()
	api := e.client()
	ids := map[string]string{}
	mk := func(name, project, description string, roles []client.RoleBinding, custom []string) {
		issued, err := api.CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{
			Name: name, Description: description, ProjectID: project, Roles: roles, CustomRoleIDs: custom,
		})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		ids[name] = issued.ServiceAccount.ID
	}
	org := func(codes ...string) []client.RoleBinding {
		return []client.RoleBinding{{CollectionID: e.OrgID, RoleIDs: codes}}
	}
	for i := 1; i <= 5; i++ {
		mk(fmt.Sprintf("ci-deployer-%d", i), "", fmt.Sprintf("deploys service %d", i), org("organization.viewer"), nil)
	}
	mk("auditor", "", "", org("organization.viewer", "organization.billling.viewer"), []string{emulator.AuditorRoleID})
	mk("release bot", "", "reaches two projects", append(org("organization.member"),
		client.RoleBinding{CollectionID: e.ShopID, RoleIDs: []string{"rudder.app.viewer"}},
		client.RoleBinding{CollectionID: e.DataID, RoleIDs: []string{"rudder.env.viewer", "rudder.config.viewer"}}), nil)
	mk("no-permissions", "", "", nil, nil)
	mk("idle.v2", "", "nothing granted yet", nil, []string{emulator.DeployerRoleID})
	shop := func(codes ...string) []client.RoleBinding {
		return []client.RoleBinding{{CollectionID: e.ShopID, RoleIDs: codes}}
	}
	mk("shop-web", e.ShopID, "the shop's web tier", shop("rudder.app.admin"), nil)
	mk("shop-worker", e.ShopID, "", shop("rudder.container.viewer", "rudder.secret.viewer"), nil)
	mk("shop-empty", e.ShopID, "", nil, nil)
	return ids
}

// TestAccAdopt_twelveAccounts is the adoption from first command to empty plan: 12
// accounts made by hand, `terraform query -generate-config-out`, an apply that imports
// all 12 as generated, then empty plan and refresh-only plan. Then the day-two steps
// of the guides: a token taken over by an import block with identity, revoked with the
// action, and re-issued by the next apply.
func TestAccAdopt_twelveAccounts(t *testing.T) {
	requireCLI(t, capListResources)
	e := newAccEnv(t)
	e.needEmulator("a fresh organization with exactly the 12 accounts")
	ids := handMadeTwelve(t, e)
	c := newCLIDir(e)
	c.write(e.config(""))
	// The list resource's example: the organization-level accounts, and project shop's.
	query, err := os.ReadFile(examplePath("list-resources", "platformer_service_account", "list-resource.tfquery.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "accounts.tfquery.hcl"), query, 0o600); err != nil {
		t.Fatal(err)
	}
	c.must("init")
	found := c.must("query", "-no-color", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(c.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(generated), "import {"); n != 12 {
		t.Fatalf("generated.tf holds %d import blocks, want 12:\n%s\n%s", n, found, generated)
	}
	for name := range ids {
		if !strings.Contains(found.stdout, name+" (") {
			t.Errorf("the query does not list %q by name:\n%s", name, found.stdout)
		}
	}
	apply := c.must("apply", "-auto-approve")
	if !strings.Contains(apply.stdout, "Apply complete! Resources: 12 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Fatalf("the apply of the generated configuration did not import exactly the 12:\n%s", apply)
	}
	expectEmptyPlans(t, c, "after adopting")
	if t.Failed() {
		t.FailNow()
	}
	if n := len(c.state()); n != 12 {
		t.Fatalf("state holds %d resources, want 12", n)
	}
	logOnFailure(t, "transcript:\n$ terraform query -generate-config-out=generated.tf\n%s\n$ terraform apply\n%s",
		found.stdout, lastLines(apply.stdout, 3))
	adoptToken(t, e, c, ids["ci-deployer-1"])
}

// adoptToken takes over the token of account id with an import block by identity, then
// revokes it with the action and lets the next apply re-issue it.
func adoptToken(t *testing.T, e *accEnv, c *cliDir, id string) {
	t.Helper()
	addr := addressOf(t, c, id)
	body, err := os.ReadFile(filepath.Join(c.dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	c.write(string(body) + fmt.Sprintf(`
import {
  to       = platformer_service_account_token.deployer
  identity = { service_account_id = %[1]q }
}

resource "platformer_service_account_token" "deployer" {
  service_account_id = %[2]s.id
  expires_in         = "30d"
}

action "platformer_service_account_revoke_token" "deployer" {
  config {
    service_account_id = %[2]s.id
  }
}
`, strings.ToUpper(id), addr))
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 || !strings.Contains(plan.stdout, "Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.") {
		t.Fatalf("the import by identity is not planned as an import and a renewal:\n%s", plan)
	}
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after importing the token")
	if t.Failed() {
		t.FailNow()
	}
	invoked, planned := revokeAndReissue(t, e, c, "action.platformer_service_account_revoke_token.deployer",
		"platformer_service_account_token.deployer", id)
	logOnFailure(t, "transcript:\n$ terraform plan   # import by identity\n%s\n$ terraform apply -invoke=action.platformer_service_account_revoke_token.deployer\n%s\n$ terraform plan\n%s",
		lastLines(plan.stdout, 40), lastLines(invoked.stdout, 8), lastLines(planned.stdout, 40))
}

// addressOf is the address of the account id in state.
func addressOf(t *testing.T, c *cliDir, id string) string {
	t.Helper()
	for _, in := range c.state() {
		if in.Type == "platformer_service_account" && in.str("id") == id {
			return in.Addr
		}
	}
	t.Fatalf("account %s is not in state", id)
	return ""
}

var blankLines = regexp.MustCompile(`\n\s*\n`)

// lastLines is the last n non-blank lines of out.
func lastLines(out string, n int) string {
	lines := strings.Split(strings.TrimSpace(blankLines.ReplaceAllString(out, "\n")), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
