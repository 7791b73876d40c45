package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

const (
	idAccountAddr  = "platformer_service_account.a"
	idTokenAddr    = "platformer_service_account_token.a"
	idRotatingAddr = "platformer_service_account_rotating_token.r"
)

// identityAccounts makes three accounts by hand, as a team does in the Console, and
// returns their ids: a (with a token to manage), b and c (for a rotating token), and
// the token c was created with.
func identityAccounts(t *testing.T, e *accEnv) (a, b, c, cToken string) {
	t.Helper()
	api := e.client()
	ids := make([]string, 3)
	for i, name := range []string{"id-a", "id-b", "id-c"} {
		issued, err := api.CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{
			Name: e.uniqueName(name), Description: "made by hand",
			Roles: []client.RoleBinding{{CollectionID: e.OrgID, RoleIDs: []string{"organization.viewer"}}},
		})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		ids[i], cToken = issued.ServiceAccount.ID, issued.Token
	}
	return ids[0], ids[1], ids[2], cToken
}

// identityResources is the configuration that adopts the three accounts, with ids in
// upper case wherever they are given, so that identity's lower case is checked.
func identityResources(e *accEnv, a, b, c string) string {
	up := strings.ToUpper
	return fmt.Sprintf(`
resource "platformer_service_account" "a" {
  name            = %[1]q
  description     = "made by hand"
  organization_id = %[2]q
  permissions     = ["organization.viewer"]
}

resource "platformer_service_account_token" "a" {
  service_account_id = %[3]q
  expires_in         = "30d"
}

resource "platformer_service_account_rotating_token" "r" {
  service_account_ids = [%[4]q, %[5]q]
  rotate_every        = "7d"
}
`, e.uniqueName("id-a"), up(e.OrgID), up(a), up(b), c)
}

// identityImports imports the three by identity (upper case; organization_id left out
// of one, so it comes from the provider) or by id string (kind "id").
func identityImports(e *accEnv, kind, a, b, c string) string {
	up := strings.ToUpper
	if kind == "id" {
		return fmt.Sprintf(`
import {
  to = platformer_service_account.a
  id = %[1]q
}
import {
  to = platformer_service_account_token.a
  id = %[2]q
}
import {
  to = platformer_service_account_rotating_token.r
  id = %[3]q
}
`, up(a), up(e.OrgID)+"/"+up(a), e.OrgID+"/"+up(b)+","+c)
	}
	return fmt.Sprintf(`
import {
  to       = platformer_service_account.a
  identity = { id = %[1]q }
}
import {
  to       = platformer_service_account_token.a
  identity = { organization_id = %[2]q, service_account_id = %[1]q }
}
import {
  to       = platformer_service_account_rotating_token.r
  identity = { organization_id = %[3]q, service_account_ids = [%[4]q, %[5]q] }
}
`, up(a), up(e.OrgID), e.OrgID, up(b), c)
}

// identityChecks: every identity is the Console's lower-case spelling.
func identityChecks(e *accEnv, a, b, c string) []statecheck.StateCheck {
	org := knownvalue.StringExact(e.OrgID)
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(idAccountAddr, map[string]knownvalue.Check{
			"organization_id": org, "id": knownvalue.StringExact(a),
		}),
		statecheck.ExpectIdentity(idTokenAddr, map[string]knownvalue.Check{
			"organization_id": org, "service_account_id": knownvalue.StringExact(a),
		}),
		statecheck.ExpectIdentity(idRotatingAddr, map[string]knownvalue.Check{
			"organization_id": org, "service_account_ids": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(b), knownvalue.StringExact(c)}),
		}),
	}
}

// TestAccIdentity_import adopts an account, its token and a rotating token by import
// blocks, by identity and (for comparison) by id string, with the same plan and state:
// the account is imported unchanged, the token import is a planned renewal, the
// rotating import rotates once. After the apply, the plan is empty, identities are in
// lower case, and an import block built from the stored identity imports each again.
func TestAccIdentity_import(t *testing.T) {
	requireCLI(t, capIdentity)
	for _, kind := range []string{"identity", "id"} {
		t.Run(kind, func(t *testing.T) {
			e := newAccEnv(t)
			a, b, c, cToken := identityAccounts(t, e)
			config := e.config(identityResources(e, a, b, c))
			// An import block made of the identity in state (lower case), under the
			// configuration that writes the ids in upper case.
			importByIdentity := func(addr string, action plancheck.ResourceActionType) resource.TestStep {
				return resource.TestStep{
					ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
					Config: config, ExpectNonEmptyPlan: action != plancheck.ResourceActionNoop,
					ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, action),
					}},
				}
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{
					{
						Config: config + identityImports(e, kind, a, b, c),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(idAccountAddr, plancheck.ResourceActionNoop),
							plancheck.ExpectResourceAction(idTokenAddr, plancheck.ResourceActionUpdate),
							plancheck.ExpectUnknownValue(idTokenAddr, tfjsonpath.New("token")),
							plancheck.ExpectResourceAction(idRotatingAddr, plancheck.ResourceActionUpdate),
						}},
						ConfigStateChecks: identityChecks(e, a, b, c),
						// c was renewed last, so it is the active account: the import's rotation
						// renews b, and the token c was made with keeps working.
						Check: func(*terraform.State) error {
							if code := e.tokenStatus(cToken); code != 200 {
								return fmt.Errorf("the active account's token stopped working after the rotating import: %d", code)
							}
							return nil
						},
					},
					importByIdentity(idAccountAddr, plancheck.ResourceActionNoop),
					importByIdentity(idTokenAddr, plancheck.ResourceActionUpdate),
					importByIdentity(idRotatingAddr, plancheck.ResourceActionUpdate),
				},
			})
		})
	}
}

// TestAccIdentity_oldStateGainsIdentity: a state written before identity (by the
// previous provider release: the same objects, no identity) gains its identities at
// the next refresh that is saved, without a diff. Terraform counts the identity a
// refresh would record as a change of the state object, so a refresh-only plan made
// before then exits 2 while it prints "No changes"; the test records that, and that
// after one `terraform apply` (which changes nothing) both plans exit 0.
func TestAccIdentity_oldStateGainsIdentity(t *testing.T) {
	requireCLI(t, capIdentity)
	e := newAccEnv(t)
	a, b, c, _ := identityAccounts(t, e)
	cli := newCLIDir(e)
	cli.write(e.config(identityResources(e, a, b, c) + identityImports(e, "id", a, b, c)))
	cli.must("init")
	cli.must("apply", "-auto-approve")
	stripIdentities(t, cli.dir)
	if r := cli.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Fatalf("plan of a state without identities: expected no changes (exit 0):\n%s", r)
	}
	r := cli.run("plan", "-refresh-only", "-detailed-exitcode")
	if r.code != 0 && r.code != 2 || !strings.Contains(r.stdout, "No changes.") || strings.Contains(r.stdout, "has changed") {
		t.Fatalf("refresh-only plan of a state without identities: expected \"No changes.\" and no drift:\n%s", r)
	}
	logOnFailure(t, "refresh-only plan before the identities are saved: exit %d (\"No changes.\")", r.code)
	if r := cli.must("apply", "-auto-approve"); !strings.Contains(r.stdout, "0 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply that saves the identities changed something:\n%s", r)
	}
	want := map[string]string{
		idAccountAddr:  fmt.Sprintf(`{"id":%q,"organization_id":%q}`, a, e.OrgID),
		idTokenAddr:    fmt.Sprintf(`{"organization_id":%q,"service_account_id":%q}`, e.OrgID, a),
		idRotatingAddr: fmt.Sprintf(`{"organization_id":%q,"service_account_ids":[%q,%q]}`, e.OrgID, b, c),
	}
	got := stateIdentities(t, cli.dir)
	for addr, w := range want {
		if got[addr] != w {
			t.Errorf("%s: identity %s, want %s", addr, got[addr], w)
		}
	}
	expectEmptyPlans(t, cli, "after the identities were saved")
	if t.Failed() {
		t.FailNow()
	}
}

// stripIdentities makes terraform.tfstate what a provider without identity wrote.
func stripIdentities(t *testing.T, dir string) {
	t.Helper()
	st := readStateFile(t, dir)
	for _, r := range st["resources"].([]any) {
		for _, in := range r.(map[string]any)["instances"].([]any) {
			delete(in.(map[string]any), "identity")
			delete(in.(map[string]any), "identity_schema_version")
		}
	}
	st["serial"] = st["serial"].(float64) + 1
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := stateIdentities(t, dir); len(got) != 0 {
		t.Fatalf("identities left in state: %v", got)
	}
}

// stateIdentities are the identities in terraform.tfstate by address, as compact JSON.
func stateIdentities(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range readStateFile(t, dir)["resources"].([]any) {
		res := r.(map[string]any)
		for _, in := range res["instances"].([]any) {
			if id, ok := in.(map[string]any)["identity"]; ok {
				raw, _ := json.Marshal(id)
				out[res["type"].(string)+"."+res["name"].(string)] = string(raw)
			}
		}
	}
	return out
}

func readStateFile(t *testing.T, dir string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return st
}
