package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Every validation rule of platformer_service_account, at plan time, with its message.
func TestAccServiceAccount_validation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	long := strings.Repeat("a", 101)
	cases := []struct {
		name, body string
		want       *regexp.Regexp
	}{
		{"empty name", `name = ""`, expectMessage(`Attribute name UTF-8 character count must be between 1 and 100, got: 0`)},
		{"long name", fmt.Sprintf(`name = %q`, long), expectMessage(`Attribute name UTF-8 character count must be between 1 and 100, got: 101`)},
		{"bad characters", `name = "ci/deployer"`, expectMessage(`Attribute name may contain only letters (A-Z, a-z), digits, spaces, '-', '_' and '.', got: ci/deployer`)},
		{"long description", fmt.Sprintf("name = \"x\"\ndescription = %q", strings.Repeat("d", 501)), expectMessage(`Attribute description UTF-8 character count must be at most 500, got: 501`)},
		// Issue 19, item 4: counted in characters, as the Console counts them, not in bytes.
		{"501 accented letters", fmt.Sprintf("name = \"x\"\ndescription = %q", strings.Repeat("é", 501)), expectMessage(`Attribute description UTF-8 character count must be at most 500, got: 501`)},
		{"501 emoji", fmt.Sprintf("name = \"x\"\ndescription = %q", strings.Repeat("🙂", 501)), expectMessage(`Attribute description UTF-8 character count must be at most 500, got: 501`)},
		{"project code at organization level", `
name        = "x"
permissions = ["rudder.app.admin"]`, expectMessage(`permissions: "rudder.app.admin" is a permission code of the project level and cannot be granted at the organization level.`)},
		{"organization code at project level", fmt.Sprintf(`
name        = "x"
project_id  = %q
permissions = ["organization.viewer"]`, e.ShopID), expectMessage(`permissions: "organization.viewer" is a permission code of the organization level and cannot be granted at the project level.`)},
		{"organization code in project_permissions", fmt.Sprintf(`
name = "x"
project_permissions = { %q = ["organization.admin"] }`, e.ShopID), expectMessage(fmt.Sprintf(`project_permissions["%s"]: "organization.admin" is a permission code of the organization level`, e.ShopID))},
		{"project_permissions on a project-level account", fmt.Sprintf(`
name       = "x"
project_id = %[1]q
project_permissions = { %[1]q = ["rudder.app.admin"] }`, e.ShopID), expectMessage(`project_permissions grants codes on other projects and is accepted only on organization-level accounts (without project_id).`)},
		{"empty project_permissions entry", fmt.Sprintf(`
name = "x"
project_permissions = { %q = [] }`, e.ShopID), expectMessage(`set must contain at least 1 elements and at most 100 elements, got: 0`)},
		{"project_id not a UUID", `
name       = "x"
project_id = "shop"`, expectMessage(`project_id: "shop" is not a UUID. Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits).`)},
		{"organization_id not a UUID", `
name            = "x"
organization_id = "acme"`, expectMessage(`organization_id: "acme" is not a UUID.`)},
		{"custom role not a UUID", `
name            = "x"
custom_role_ids = ["deployer"]`, expectMessage(`"deployer" is not a UUID.`)},
		{"project_permissions key not a UUID", `
name = "x"
project_permissions = { shop = ["rudder.app.admin"] }`, expectMessage(`"shop" is not a UUID.`)},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      e.config("resource \"platformer_service_account\" \"test\" {\n" + tc.body + "\n}"),
			PlanOnly:    true,
			ExpectError: tc.want,
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
	if e.em != nil && e.em.ServiceAccountCount() != 0 {
		t.Fatalf("validation failures created %d accounts", e.em.ServiceAccountCount())
	}
}

// Values unknown at plan time pass validation there; Terraform validates again at apply,
// once they are known, before anything is created.
func TestAccServiceAccount_unknownValuesValidatedAtApply(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(fmt.Sprintf(`
resource "terraform_data" "project" {
  input = %q
}

resource "platformer_service_account" "test" {
  name        = "late"
  project_id  = terraform_data.project.output
  permissions = ["organization.viewer"]
}`, e.ShopID)),
			ExpectError: regexp.MustCompile(`(?s)Error running apply.*` + expectMessage(`permissions: "organization.viewer" is a permission code of the organization level and cannot be granted at the project level.`).String()),
		}},
	})
	if e.em != nil && e.em.ServiceAccountCount() != 0 {
		t.Fatalf("expected nothing created, found %d accounts", e.em.ServiceAccountCount())
	}
}
