package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccOrganizationAndProjectDataSources(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("the seeded names acme, shop and data")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(fmt.Sprintf(`
data "platformer_organization" "by_name" { name = "acme" }
data "platformer_organization" "by_id" { id = %[1]q }
data "platformer_project" "shop" { name = "shop" }
data "platformer_project" "data" {
  id              = %[2]q
  organization_id = data.platformer_organization.by_name.id
}
`, e.OrgID, e.DataID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.platformer_organization.by_name", tfjsonpath.New("id"), knownvalue.StringExact(e.OrgID)),
					statecheck.ExpectKnownValue("data.platformer_organization.by_id", tfjsonpath.New("name"), knownvalue.StringExact("acme")),
					statecheck.ExpectKnownValue("data.platformer_project.shop", tfjsonpath.New("id"), knownvalue.StringExact(e.ShopID)),
					statecheck.ExpectKnownValue("data.platformer_project.shop", tfjsonpath.New("organization_id"), knownvalue.StringExact(e.OrgID)),
					statecheck.ExpectKnownValue("data.platformer_project.data", tfjsonpath.New("name"), knownvalue.StringExact("data")),
					statecheck.ExpectKnownValue("data.platformer_project.data", tfjsonpath.New("description"), knownvalue.NotNull()),
				},
			},
			{
				Config:      e.config(`data "platformer_project" "nope" { name = "nope" }`),
				ExpectError: expectMessage(`No project with name "nope" in organization ` + e.OrgID + ` is visible to the provider's token. Projects there: "shop", "data".`),
			},
			{
				Config:      e.config(`data "platformer_organization" "nope" { name = "globex" }`),
				ExpectError: expectMessage(`No organization with name "globex" is visible to the provider's token. Organizations it belongs to: "acme".`),
			},
			{
				Config:      e.config(`data "platformer_project" "both" {` + "\n" + `name = "shop"` + "\n" + fmt.Sprintf(`id = %q`, e.ShopID) + "\n}"),
				ExpectError: regexp.MustCompile(`(?is)Invalid Attribute Combination.*exactly one of these attributes`),
			},
			{
				Config:      e.config(`data "platformer_organization" "neither" {}`),
				ExpectError: regexp.MustCompile(`(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[id,name\]`),
			},
			{Config: e.config(`data "platformer_organization" "by_name" { name = "acme" }`)},
		},
	})
}

func TestAccServiceAccountDataSources(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	prefix := e.uniqueName("audit")
	accounts := e.config(fmt.Sprintf(`
resource "platformer_service_account" "org" {
  name        = "%[1]s-org"
  permissions = ["organization.viewer"]
  project_permissions = {
    %[2]q = ["rudder.app.viewer"]
  }
}

resource "platformer_service_account" "proj" {
  name        = "%[1]s-proj"
  project_id  = %[2]q
  permissions = ["rudder.env.viewer"]
}

resource "platformer_service_account" "other" {
  name = "unrelated-%[1]s"
}

resource "platformer_service_account_token" "org" {
  service_account_id = platformer_service_account.org.id
  expires_in         = "48h"
}
`, prefix, e.ShopID))
	lookups := accounts + fmt.Sprintf(`
data "platformer_service_account" "by_id" {
  id = platformer_service_account.proj.id
}

data "platformer_service_account" "by_name" {
  name       = "%[1]s-org"
  depends_on = [platformer_service_account.org, platformer_service_account_token.org]
}

data "platformer_service_account" "project_by_name" {
  name       = "%[1]s-proj"
  project_id = %[2]q
  depends_on = [platformer_service_account.proj]
}

data "platformer_service_accounts" "audit" {
  name_prefix = %[1]q
  depends_on  = [platformer_service_account.org, platformer_service_account.proj, platformer_service_account.other, platformer_service_account_token.org]
}

data "platformer_service_accounts" "shop" {
  project_id = %[2]q
  depends_on = [platformer_service_account.proj]
}
`, prefix, e.ShopID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: accounts},
			{
				Config: lookups,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("data.platformer_service_account.by_id", tfjsonpath.New("name"),
						"platformer_service_account.proj", tfjsonpath.New("name"), compareEqual{}),
					statecheck.ExpectKnownValue("data.platformer_service_account.by_id", tfjsonpath.New("level"), knownvalue.StringExact("project")),
					statecheck.ExpectKnownValue("data.platformer_service_account.by_id", tfjsonpath.New("permissions"), stringSetExact("rudder.env.viewer")),
					statecheck.CompareValuePairs("data.platformer_service_account.by_name", tfjsonpath.New("id"),
						"platformer_service_account.org", tfjsonpath.New("id"), compareEqual{}),
					statecheck.ExpectKnownValue("data.platformer_service_account.by_name", tfjsonpath.New("project_permissions"),
						knownvalue.MapExact(map[string]knownvalue.Check{e.ShopID: stringSetExact("rudder.app.viewer")})),
					statecheck.CompareValuePairs("data.platformer_service_account.by_name", tfjsonpath.New("token_expires_at"),
						"platformer_service_account_token.org", tfjsonpath.New("expires_at"), compareEqual{}),
					statecheck.ExpectKnownValue("data.platformer_service_account.project_by_name", tfjsonpath.New("project_id"), knownvalue.StringExact(e.ShopID)),
					statecheck.ExpectKnownValue("data.platformer_service_accounts.audit", tfjsonpath.New("service_accounts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name": knownvalue.StringExact(prefix + "-org"), "level": knownvalue.StringExact("organization"),
							"token_expires_at": knownvalue.NotNull(),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name": knownvalue.StringExact(prefix + "-proj"), "level": knownvalue.StringExact("project"),
							"project_id": knownvalue.StringExact(e.ShopID),
						}),
					})),
					statecheck.ExpectKnownValue("data.platformer_service_accounts.shop", tfjsonpath.New("service_accounts"), knownvalue.ListSizeExact(1)),
				},
			},
			{
				Config:      lookups + `data "platformer_service_account" "missing" { name = "no-such-account" }`,
				ExpectError: expectMessage(`No service account named "no-such-account" among the organization-level accounts of organization ` + e.OrgID + `. Set project_id to look in a project.`),
			},
			{Config: lookups},
		},
	})
}
