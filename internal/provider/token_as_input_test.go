package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// A token made by this provider configures a second instance of it, which then manages
// an account in its project with the token's own permissions. After a rotation the new
// token works and the old one gets 401. The provider runs as a built binary: in-process,
// both provider blocks would share one server, and so one configuration.
func TestAccServiceAccountToken_asProviderInput(t *testing.T) {
	useBuiltProvider(t)
	e := newAccEnv(t, realTime)
	operator := e.uniqueName("shop-operator")
	managed := e.uniqueName("managed-by-operator")
	base := func(trigger string) string {
		return e.config(fmt.Sprintf(`
resource "platformer_service_account" "operator" {
  name        = %[1]q
  project_id  = %[2]q
  permissions = ["project.operator.admin"]
}

resource "platformer_service_account_token" "operator" {
  service_account_id = platformer_service_account.operator.id
  rotation_trigger   = %[3]q
}

provider "platformer" {
  alias           = "operator"
  api_url         = %[4]q
  token           = platformer_service_account_token.operator.token
  organization_id = %[5]q
}
`, operator, e.ShopID, trigger, e.URL, e.OrgID))
	}
	through := func(trigger string) string {
		return base(trigger) + fmt.Sprintf(`
data "platformer_project" "via_operator" {
  provider = platformer.operator
  id       = %[1]q
}

resource "platformer_service_account" "managed" {
  provider    = platformer.operator
  name        = %[2]q
  project_id  = data.platformer_project.via_operator.id
  permissions = ["rudder.app.viewer"]
}
`, e.ShopID, managed)
	}
	const managedAddr = "platformer_service_account.managed"
	var token1, token2 string
	resource.Test(t, resource.TestCase{
		CheckDestroy: e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				// The aliased provider is configured with a value unknown at plan time: accepted.
				Config: base("1"),
				Check: resource.ComposeTestCheckFunc(
					captureAttr("platformer_service_account_token.operator", "token", &token1),
					e.expectStatus(&token1, http.StatusOK, "the operator's token"),
				),
			},
			{
				// Now known, it reads and manages through its own permissions.
				Config: through("1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.platformer_project.via_operator", tfjsonpath.New("id"), knownvalue.StringExact(e.ShopID)),
					statecheck.ExpectKnownValue(managedAddr, tfjsonpath.New("level"), knownvalue.StringExact("project")),
				},
			},
			{
				// Rotate: the aliased provider gets the new token in the next run.
				Config: base("2") + fmt.Sprintf(`
resource "platformer_service_account" "managed" {
  provider    = platformer.operator
  name        = %q
  project_id  = %q
  permissions = ["rudder.app.viewer"]
}
`, managed, e.ShopID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("platformer_service_account_token.operator", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					captureAttr("platformer_service_account_token.operator", "token", &token2),
					e.expectStatus(&token1, http.StatusUnauthorized, "the operator's previous token"),
					e.expectStatus(&token2, http.StatusOK, "the operator's new token"),
				),
			},
			{
				Config: through("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(managedAddr, plancheck.ResourceActionNoop),
				}},
			},
			{
				// Terraform does not order a destroy through a provider before the destroy of
				// the resource that configures it, so the managed account goes first.
				Config: base("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(managedAddr, plancheck.ResourceActionDestroy),
				}},
			},
		},
	})
}
