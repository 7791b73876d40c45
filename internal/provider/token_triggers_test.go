package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// rotation_trigger fed by another resource (as time_rotating would feed it): a value
// unknown at plan time is a change, and renews in place. replace_triggered_by replaces.
func TestAccServiceAccountToken_triggers(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("triggered")
	cfg := func(rotation, lifecycle string) string {
		return e.config(fmt.Sprintf(`
resource "terraform_data" "rotation" {
  input = %[2]q
}

resource "platformer_service_account" "test" {
  name        = %[1]q
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  rotation_trigger   = terraform_data.rotation.output
  %[3]s
}
`, name, rotation, lifecycle))
	}
	var token1, token2, token3 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token3),
		Steps: []resource.TestStep{
			{Config: cfg("2026-11", ""), Check: captureAttr(tokenAddr, "token", &token1)},
			{
				Config: cfg("2026-12", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("rotation_trigger")),
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRenewed(&token1, &token2, "the token before the rotation"),
				),
			},
			{
				Config: cfg("2027-01", "lifecycle {\n    replace_triggered_by = [terraform_data.rotation]\n  }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRenewed(&token2, &token3, "the token before the replacement"),
				),
			},
		},
	})
}

// Replacing the account (a new project) replaces its token too.
func TestAccServiceAccountToken_accountReplaced(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("moving")
	cfg := func(project string) string {
		return e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %q
  project_id  = %q
  permissions = ["rudder.app.viewer"]
}

resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  expires_in         = "24h"
}
`, name, project))
	}
	var token1, token2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token2),
		Steps: []resource.TestStep{
			{Config: cfg(e.ShopID), Check: captureAttr(tokenAddr, "token", &token1)},
			{
				Config: cfg(e.DataID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRenewed(&token1, &token2, "the old account's token"),
				),
			},
		},
	})
}
