package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

const saAddr = "platformer_service_account.test"

// checkAccountsDestroyed asserts that every service account in state is gone: a 404,
// not any error.
func (e *accEnv) checkAccountsDestroyed(s *terraform.State) error {
	for _, rs := range s.RootModule().Resources {
		if rs.Type != "platformer_service_account" {
			continue
		}
		_, err := e.client().GetServiceAccount(context.Background(),
			client.Scope{OrganizationID: rs.Primary.Attributes["organization_id"]}, rs.Primary.ID)
		if err == nil {
			return fmt.Errorf("service account %s still exists", rs.Primary.ID)
		}
		if !client.IsNotFound(err) {
			return fmt.Errorf("service account %s: expected 404, got %v", rs.Primary.ID, err)
		}
	}
	return nil
}

func stringSetExact(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.SetExact(checks)
}

func TestAccServiceAccount_organizationLifecycle(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("ci-deployer")
	roles := ""
	if e.em != nil {
		roles = fmt.Sprintf("custom_role_ids = [%q]", emulator.DeployerRoleID)
	}
	create := e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %[1]q
  description = "Deploys from CI"
  permissions = ["organization.viewer", "organization.member"]
  %[2]s
  project_permissions = {
    %[3]q = ["rudder.app.admin", "rudder.env.viewer"]
  }
}
`, name, roles, e.ShopID))
	update := e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = "%[1]s-renamed"
  permissions = ["organization.member", "organization.viewer", "organization.iam"]
  project_permissions = {
    %[2]q = ["rudder.app.viewer"]
    %[3]q = ["mizzen.viewer"]
  }
}
`, name, e.ShopID, e.DataID))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: create,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(saAddr, tfjsonpath.New("level"), knownvalue.StringExact("organization")),
					plancheck.ExpectKnownValue(saAddr, tfjsonpath.New("organization_id"), knownvalue.StringExact(e.OrgID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("description"), knownvalue.StringExact("Deploys from CI")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("project_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("level"), knownvalue.StringExact("organization")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("permissions"), stringSetExact("organization.member", "organization.viewer")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("project_permissions"), knownvalue.MapExact(map[string]knownvalue.Check{
						e.ShopID: stringSetExact("rudder.app.admin", "rudder.env.viewer"),
					})),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("created_at"), knownvalue.NotNull()),
				},
			},
			{
				ResourceName:      saAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config: update,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("name"), knownvalue.StringExact(name+"-renamed")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("custom_role_ids"), knownvalue.SetExact(nil)),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("permissions"),
						stringSetExact("organization.iam", "organization.member", "organization.viewer")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("project_permissions"), knownvalue.MapExact(map[string]knownvalue.Check{
						e.ShopID: stringSetExact("rudder.app.viewer"),
						e.DataID: stringSetExact("mizzen.viewer"),
					})),
				},
			},
			{
				// Import blocks work too, with the organization named in the id.
				Config:          update,
				ResourceName:    saAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return e.OrgID + "/" + s.RootModule().Resources[saAddr].Primary.ID, nil
				},
			},
		},
	})
}

func TestAccServiceAccount_projectLifecycle(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("shop-reader")
	cfg := func(perms string) string {
		return e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %[1]q
  project_id  = %[2]q
  permissions = [%[3]s]
}
`, name, e.ShopID, perms))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: cfg(`"rudder.app.viewer", "project.operator.view"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("level"), knownvalue.StringExact("project")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("project_id"), knownvalue.StringExact(e.ShopID)),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("permissions"), stringSetExact("project.operator.view", "rudder.app.viewer")),
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("project_permissions"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
			},
			{ResourceName: saAddr, ImportState: true, ImportStateVerify: true},
			{
				// Order never matters: the same set written differently plans nothing.
				Config:           cfg(`"project.operator.view", "rudder.app.viewer"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: cfg(`"rudder.app.admin"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("permissions"), stringSetExact("rudder.app.admin")),
				},
			},
			{
				// Moving the account to another project replaces it.
				Config: e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %[1]q
  project_id  = %[2]q
  permissions = ["rudder.app.admin"]
}
`, name, e.DataID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("project_id"), knownvalue.StringExact(e.DataID)),
				},
			},
		},
	})
}

// An empty list and an omitted argument mean the same: no perpetual diff either way.
func TestAccServiceAccount_emptyAndNull(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("empty")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name = %q
}`, name))},
			{
				Config: e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name                = %q
  description         = ""
  permissions         = []
  custom_role_ids     = []
  project_permissions = {}
}`, name)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccServiceAccount_drift(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("drifter")
	cfg := e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %q
  permissions = ["organization.viewer"]
}`, name))
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[saAddr].Primary.ID
					return nil
				},
			},
			{
				// Permissions changed in the Console show up as an in-place update.
				PreConfig: func() {
					_, err := e.client().UpdateServiceAccount(context.Background(), client.Scope{OrganizationID: e.OrgID}, id,
						client.UpdateServiceAccountInput{Name: name, Roles: []client.RoleBinding{{CollectionID: e.OrgID, RoleIDs: []string{"organization.admin"}}}})
					if err != nil {
						t.Fatalf("out-of-band update: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("permissions"), stringSetExact("organization.viewer")),
				},
			},
			{
				// An account deleted in the Console leaves state and is planned for creation.
				PreConfig: func() {
					if err := e.client().DeleteServiceAccount(context.Background(), client.Scope{OrganizationID: e.OrgID}, id); err != nil {
						t.Fatalf("out-of-band delete: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
				},
			},
		},
	})
}

// A create whose answer is lost after the Console committed it adopts the account:
// no duplicate, no orphan.
func TestAccServiceAccount_lostCreateResponse(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its drop-rate knob")
	cfg := e.config(`
resource "platformer_service_account" "test" {
  name        = "lost-answer"
  permissions = ["organization.viewer"]
}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { e.em.SetFaults(0, 1) },
				Config:    cfg,
				Check: func(*terraform.State) error {
					e.em.SetFaults(0, 0)
					if n := e.em.ServiceAccountCount(); n != 1 {
						return fmt.Errorf("expected exactly 1 service account in the emulator, found %d", n)
					}
					return nil
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("name"), knownvalue.StringExact("lost-answer")),
				},
			},
		},
	})
}
