package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 19, item 1: a mistyped organization (or project) never deletes working
// accounts. A change of the provider's organization_id (in the block, or through
// PLATFORMER_ORGANIZATION_ID), or of an account's project_id, that would replace
// accounts in a place the token cannot reach fails at plan, naming the attribute, the
// value and what the token reaches; apply fails the same way before destroying
// anything. Before the fix, the plan read "4 to add, 4 to destroy" and apply deleted
// the accounts and their tokens, then failed with "404 organization not found".

const (
	routeOrganizations    = "/auth/api/v1/organization/list"
	routeProjects         = "/auth/api/v1/organization/project/view/list/{orgId}"
	missingOrganizationID = "0c0ffee0-0000-4000-8000-000000000000" // well-formed, and nobody's
	globexProjectID       = "b2d4f000-0000-4000-8000-000000000002" // a project of globex
)

// moveConfig is an organization-level account and a project-level one (in projectID),
// each with its token, the token of an account made outside Terraform (outsideID), and a
// rotating token over two more such accounts.
// orgLine is the provider block's organization_id line ("" for none).
// blueGreen are the accounts of the rotating token, made outside Terraform too.
func moveConfig(e *accEnv, orgLine, projectID, outsideID string, blueGreen ...string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

provider "platformer" {
  api_url     = %[1]q
  token       = %[2]q
  max_retries = 1
  %[3]s
}

resource "platformer_service_account" "org" {
  name        = "move-org"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "org" {
  service_account_id = platformer_service_account.org.id
}

resource "platformer_service_account" "proj" {
  name        = "move-proj"
  project_id  = %[4]q
  permissions = ["rudder.app.viewer"]
}

resource "platformer_service_account_token" "proj" {
  service_account_id = platformer_service_account.proj.id
}

resource "platformer_service_account_token" "outside" {
  service_account_id = %[5]q
}

resource "platformer_service_account_rotating_token" "outside" {
  service_account_ids = [%[6]q, %[7]q]
  rotate_every        = "30d"
}
`, e.URL, e.Token, orgLine, projectID, outsideID, blueGreen[0], blueGreen[1])
}

// allAccounts maps the ids of the accounts of the organization and of its projects to
// their names and token ids.
func allAccounts(t *testing.T, e *accEnv) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, project := range []string{"", e.ShopID} {
		list, err := e.client().ListServiceAccounts(context.Background(), client.Scope{OrganizationID: e.OrgID, ProjectID: project})
		if err != nil {
			t.Fatalf("list the emulator's accounts: %v", err)
		}
		for _, sa := range list {
			out[sa.ID] = sa.Name + " " + sa.TokenID
		}
	}
	return out
}

func TestAccReach_moveToUnreachablePlaceRefused(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t, realTime)
	e.needEmulator("its organization globex, which the token cannot reach")
	outside, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{Name: "move-outside"})
	if err != nil {
		t.Fatal(err)
	}
	outsideID := outside.ServiceAccount.ID
	var pair []string
	for _, name := range []string{"move-blue", "move-green"} {
		made, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		pair = append(pair, made.ServiceAccount.ID)
	}
	moveConfig := func(e *accEnv, orgLine, projectID, outsideID string) string {
		return moveConfig(e, orgLine, projectID, outsideID, pair...)
	}
	orgLine := func(id string) string { return fmt.Sprintf("organization_id = %q", id) }

	// The built provider, so that PLATFORMER_ORGANIZATION_ID reaches it as in production.
	c := newBuiltCLIDir(e)
	good := moveConfig(e, orgLine(e.OrgID), e.ShopID, outsideID)
	c.write(good)
	c.must("apply", "-auto-approve")
	stateBefore := c.state()
	tokens := stateTokens(stateBefore)
	consoleBefore := allAccounts(t, e)
	proj := stateAccountID(t, stateBefore, "platformer_service_account.proj")
	org := stateAccountID(t, stateBefore, "platformer_service_account.org")

	reaches := `The token reaches: ` + e.OrgID + ` ("acme").`
	orgError := func(value, account, name, source string) string {
		return `organization_id: "` + value + `"` + source + ` cannot be reached with the provider's token: no ` +
			`organization of that id exists, or the token's holder is not a member of it. This plan replaces service ` +
			`account ` + account + ` ("` + name + `"), moving it from organization ` + e.OrgID + `: the replacement ` +
			`would delete it (and its token) before failing to create it there, so nothing is planned. ` + reaches +
			` Set organization_id to one of them, or use a token of that organization.`
	}
	fromProvider := " (the provider's organization_id, set in the provider block or by " + envOrganizationID + ")"
	// The tokens of accounts made outside Terraform stay where their accounts are
	// (issue 24, defect 4): no move of theirs is planned, so none is refused.
	tokensKept := []string{"replaces the token of service account " + outsideID,
		"replaces the rotating token of service accounts " + pair[0]}
	cases := []struct {
		name, config string
		env          []string
		summary      string
		want         []string
	}{
		{name: "an organization that does not exist", config: moveConfig(e, orgLine(missingOrganizationID), e.ShopID, outsideID),
			summary: "Organization Not Reachable",
			want:    []string{orgError(missingOrganizationID, org, "move-org", fromProvider)}},
		{name: "globex, which the token's holder is not a member of",
			config: moveConfig(e, orgLine(globexOrganizationID), e.ShopID, outsideID), summary: "Organization Not Reachable",
			want: []string{orgError(globexOrganizationID, proj, "move-proj", fromProvider)}},
		{name: "a project of another organization", config: moveConfig(e, orgLine(e.OrgID), globexProjectID, outsideID),
			summary: "Project Not Reachable",
			want: []string{`project_id: "` + globexProjectID + `" is not a project of organization ` + e.OrgID + ` (acme) ` +
				`that the provider's token can reach: it belongs to another organization, or does not exist, or the token ` +
				`may not see it. This plan replaces service account ` + proj + ` ("move-proj"), moving it to that project: ` +
				`the replacement would delete it (and its token) before failing to create it there, so nothing is planned. ` +
				`The projects of organization ` + e.OrgID + ` that the token reaches: ` + e.ShopID + ` ("shop"), ` +
				e.DataID + ` ("data"). Set project_id to one of them, or leave it out for an organization-level account.`}},
		{name: "PLATFORMER_ORGANIZATION_ID of an organization that does not exist", config: moveConfig(e, "", e.ShopID, outsideID),
			env: []string{envOrganizationID + "=" + missingOrganizationID}, summary: "Organization Not Reachable",
			want: []string{orgError(missingOrganizationID, org, "move-org", fromProvider)}},
		{name: "PLATFORMER_ORGANIZATION_ID of globex", config: moveConfig(e, "", e.ShopID, outsideID),
			env: []string{envOrganizationID + "=" + globexOrganizationID}, summary: "Organization Not Reachable",
			want: []string{orgError(globexOrganizationID, org, "move-org", fromProvider)}},
	}
	base := c.env
	for _, tc := range cases {
		c.write(tc.config)
		c.env = append(append([]string{}, base...), tc.env...)
		for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
			e.em.ResetStats()
			r := c.run(args...)
			// Every move of the run is checked on one listing: cached by the provider process.
			if n := e.em.Stats().Count(http.MethodGet, routeOrganizations); n != 1 {
				t.Errorf("%s: %s listed the organizations %d times, want 1", tc.name, args[0], n)
			}
			what := tc.name + ": terraform " + strings.Join(args, " ")
			if r.code != 1 {
				t.Errorf("%s: exit %d, want 1:\n%s", what, r.code, r)
			}
			flat := strings.Join(strings.Fields(r.stdout+r.stderr), " ")
			if !strings.Contains(flat, "Error: "+tc.summary) {
				t.Errorf("%s: no error %q:\n%s", what, tc.summary, r)
			}
			for _, w := range tc.want {
				if !strings.Contains(flat, w) {
					t.Errorf("%s: the output lacks\n%s\n%s", what, w, r)
				}
			}
			for _, bad := range tokensKept {
				if strings.Contains(flat, bad) {
					t.Errorf("%s: a token whose account stays is moved: the output has %q:\n%s", what, bad, r)
				}
			}
			for _, bad := range []string{"to destroy", "Destroying...", "Creating..."} {
				if strings.Contains(r.stdout, bad) {
					t.Errorf("%s printed %q:\n%s", what, bad, r)
				}
			}
			if got := c.state(); !maps.Equal(stateTokens(got), tokens) || !maps.Equal(stateAccounts(got), stateAccounts(stateBefore)) {
				t.Fatalf("%s changed state:\n%v\nwas:\n%v", what, got, stateBefore)
			}
			if got := allAccounts(t, e); !maps.Equal(got, consoleBefore) {
				t.Fatalf("%s changed the Console's accounts (or their tokens):\n%v\nwas:\n%v", what, got, consoleBefore)
			}
		}
	}
	for id, token := range tokens {
		if s := e.tokenStatus(token); s != 200 {
			t.Errorf("the token of %s in state answers %d: it stopped working", id, s)
		}
	}
	// Back to the right organization, nothing to do.
	c.env = base
	c.write(good)
	e.em.ResetStats()
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("the plan on the right organization is not empty:\n%s", r)
	}
	// No move planned, no listing: the check costs nothing to a plan without moves.
	if s := e.em.Stats(); s.Count(http.MethodGet, routeOrganizations)+s.Count(http.MethodGet, routeProjects) != 0 {
		t.Errorf("a plan without moves listed organizations or projects: %s", statsLine(s))
	}
	// A move the token can reach is planned and applied as before.
	c.write(moveConfig(e, orgLine(e.OrgID), e.DataID, outsideID))
	moved := c.must("apply", "-auto-approve")
	if !strings.Contains(moved.stdout, "2 added, 0 changed, 2 destroyed") {
		t.Errorf("moving the project-level account to another project of the organization:\n%s", moved)
	}
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("the plan after the move is not empty:\n%s", r)
	}
}

// stateAccountID is the id of the account at addr in state.
func stateAccountID(t *testing.T, insts []cliInstance, addr string) string {
	t.Helper()
	for _, in := range insts {
		if in.Addr == addr {
			return in.str("id")
		}
	}
	t.Fatalf("%s is not in state", addr)
	return ""
}

// Issue 24, defect 4: a token lost by a move. The provider's token reaches acme and
// initech; the provider's organization_id changes from acme to initech. Before the fix
// the tokens of accounts of acme were planned for replacement in initech (reachable, so
// nothing refused it): destroy discarded the working tokens, then create failed with
// "404 service account not found". Now they stay where their accounts are: no change,
// and the tokens in state keep working. A token moved by its own organization_id to an
// organization without its account is refused at plan.
func TestAccReach_providerOrganizationChangeKeepsTokens(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a user of two organizations")
	e.Token = emulator.TwoOrganizationsToken
	var ids []string
	for _, name := range []string{"keep-outside", "keep-blue", "keep-green"} {
		made, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, made.ServiceAccount.ID)
	}
	config := func(providerOrg, tokenOrg string) string { return keepTokensConfig(e, ids, providerOrg, tokenOrg) }
	addrs := []string{"platformer_service_account_token.acme", "platformer_service_account_token.outside",
		"platformer_service_account_rotating_token.outside"}
	tokens := make([]string, len(addrs))
	var capture, unchanged []resource.TestCheckFunc
	var kept []plancheck.PlanCheck
	for i, addr := range addrs {
		capture = append(capture, captureAttr(addr, "token", &tokens[i]), e.expectStatus(&tokens[i], http.StatusOK, addr))
		unchanged = append(unchanged, resource.TestCheckResourceAttrPtr(addr, "token", &tokens[i]),
			resource.TestCheckResourceAttr(addr, "organization_id", e.OrgID), e.expectStatus(&tokens[i], http.StatusOK, addr))
		kept = append(kept, plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: config(e.OrgID, ""), Check: resource.ComposeTestCheckFunc(capture...)},
			{
				Config:           config(emulator.InitechOrganizationID, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: kept},
				Check:            resource.ComposeTestCheckFunc(unchanged...),
			},
			{
				// The token's own organization_id moved to one without its account: refused.
				Config:      config(emulator.InitechOrganizationID, fmt.Sprintf("organization_id = %q", emulator.InitechOrganizationID)),
				ExpectError: expectMessage(`Error: Service Account Not In Organization`),
			},
			{
				Config:           config(emulator.InitechOrganizationID, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            resource.ComposeTestCheckFunc(unchanged...),
			},
		},
	})
}

// keepTokensConfig is an account of acme (its organization_id set) with its token, the
// token of the account ids[0] and a rotating token over ids[1] and ids[2], made outside
// Terraform in acme; the provider's organization_id is providerOrg, and tokenOrg is the
// organization_id line of the token of ids[0] ("" for none).
func keepTokensConfig(e *accEnv, ids []string, providerOrg, tokenOrg string) string {
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

resource "platformer_service_account" "acme" {
  name            = "keep-acme"
  organization_id = %[4]q
  permissions     = ["organization.viewer"]
}

resource "platformer_service_account_token" "acme" {
  service_account_id = platformer_service_account.acme.id
}

resource "platformer_service_account_token" "outside" {
  service_account_id = %[5]q
  %[8]s
}

resource "platformer_service_account_rotating_token" "outside" {
  service_account_ids = [%[6]q, %[7]q]
  rotate_every        = "30d"
}
`, e.URL, e.Token, providerOrg, e.OrgID, ids[0], ids[1], ids[2], tokenOrg)
}
