package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// TestUUIDType: any case is accepted and compares equal; anything else is refused with
// a message that names the attribute and shows the form; a map key must be lower case.
func TestUUIDType(t *testing.T) {
	t.Parallel()
	upper, mixed := strings.ToUpper(fuzzID), "9D8c7B6a-5F4e-4D3c-A2b1-0F9e8D7c6B5a"
	for value, valid := range map[string]bool{
		fuzzID: true, upper: true, mixed: true, "00000000-0000-0000-0000-000000000000": true,
		"": false, "acme": false, fuzzID + " ": false, " " + fuzzID: false, "{" + fuzzID + "}": false,
		strings.ReplaceAll(fuzzID, "-", ""): false, fuzzID[:35]: false, fuzzID + "0": false,
		"9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5g": false, "9d8c7b6a_5f4e-4d3c-a2b1-0f9e8d7c6b5a": false,
		"9d8c7b6a-5f4e4-d3c-a2b1-0f9e8d7c6b5a": false, "ｇd8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5": false,
	} {
		var resp xattr.ValidateAttributeResponse
		uuidOf(value).ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("project_id")}, &resp)
		want := fmt.Sprintf(`project_id: %q is not a UUID. Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits).`, value)
		if valid == resp.Diagnostics.HasError() ||
			(!valid && (len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != "Invalid UUID" || resp.Diagnostics[0].Detail() != want)) {
			t.Errorf("%q: valid=%v, but diagnostics %v", value, valid, resp.Diagnostics)
		}
		keyErrs := validate(lowerUUIDKey{}, "project_permissions", value)
		if wantKeyOK := valid && value == fuzzID || value == "00000000-0000-0000-0000-000000000000"; wantKeyOK != (len(keyErrs) == 0) {
			t.Errorf("map key %q: errors %q", value, keyErrs)
		}
	}
	if errs := validate(lowerUUIDKey{}, "project_permissions", upper); len(errs) != 1 || errs[0] != fmt.Sprintf(
		`UUID Key Not in Lower Case: project_permissions: write this key in lower case, %q: map keys are `+
			`compared exactly, and the Console writes UUIDs in lower case.`, fuzzID) {
		t.Errorf("upper-case key: %q", errs)
	}
	for _, c := range []struct {
		a, b uuidValue
		want bool
	}{
		{uuidOf(fuzzID), uuidOf(upper), true}, {uuidOf(mixed), uuidOf(upper), true}, {uuidOf(fuzzID), uuidOf(fuzzOrg), false},
		{uuidNull(), uuidOf(fuzzID), false}, {uuidUnknown(), uuidOf(fuzzID), false}, {uuidNull(), uuidNull(), true},
	} {
		if got, _ := c.a.StringSemanticEquals(context.Background(), c.b); got != c.want || uuidsEqual(c.a, c.b) != c.want {
			t.Errorf("%s == %s: got %v", c.a, c.b, got)
		}
	}
	var setResp validator.SetResponse
	distinctUUIDs{}.ValidateSet(context.Background(), validator.SetRequest{Path: path.Root("custom_role_ids"),
		ConfigValue: uuidSet([]string{fuzzID, upper, fuzzOrg})}, &setResp)
	if len(setResp.Diagnostics) != 1 || setResp.Diagnostics[0].Detail() != fmt.Sprintf(
		`custom_role_ids: %q and %q are the same UUID in two cases. Write it once.`, upper, fuzzID) {
		t.Errorf("duplicate in two cases: %v", setResp.Diagnostics)
	}
	if got := uuidOf(upper).Lower(); got != fuzzID {
		t.Errorf("Lower: %q", got)
	}
}

// uuidCaseConfig writes every UUID attribute, and the provider's organization_id, with
// up(...) applied: strings.ToUpper for the test, strings.ToLower for its second step.
func uuidCaseConfig(e *accEnv, name string, up func(string) string) string {
	// The provider block with its organization_id in up's case.
	provider := strings.Replace(e.providerBlock(""), strconv.Quote(e.OrgID), strconv.Quote(up(e.OrgID)), 1)
	return provider + fmt.Sprintf(`
resource "platformer_service_account" "org" {
  name                = "%[4]s-org"
  custom_role_ids     = [%[3]q]
  project_permissions = { %[5]q = ["rudder.app.viewer"] }
}

resource "platformer_service_account" "project" {
  name            = "%[4]s-project"
  organization_id = %[1]q
  project_id      = %[2]q
  permissions     = ["rudder.app.viewer"]
}

resource "platformer_service_account_token" "t" {
  service_account_id = %[6]s(platformer_service_account.project.id)
  organization_id    = %[1]q
}

data "platformer_service_account" "by_id" {
  id              = %[6]s(platformer_service_account.org.id)
  organization_id = %[1]q
}

data "platformer_service_account" "by_name" {
  name       = platformer_service_account.project.name
  project_id = %[2]q
}

data "platformer_service_accounts" "all" {
  organization_id = %[1]q
  project_id      = %[2]q
  depends_on      = [platformer_service_account.project]
}

data "platformer_project" "shop" {
  id              = %[2]q
  organization_id = %[1]q
}

data "platformer_organization" "acme" {
  id = %[1]q
}

`, up(e.OrgID), up(e.ShopID), up(emulator.DeployerRoleID), name, e.DataID,
		map[bool]string{true: "upper", false: "lower"}[up("a") == "A"])
}

// Issue 10.3: UUIDs in any case. Every UUID attribute of the resources and data sources,
// and the provider's organization_id, written in upper case: apply succeeds (no
// "inconsistent result"), plan and plan -refresh-only are empty, and writing the same
// UUIDs in lower case afterwards plans nothing (in particular, no replacement).
func TestAccUUIDs_anyCase(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("uuid-case")
	c := initCLI(e, uuidCaseConfig(e, name, strings.ToUpper))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after an apply with upper-case UUIDs")
	for addr, want := range map[string]string{
		"data.platformer_service_account.by_id":   name + "-org",
		"data.platformer_service_account.by_name": strings.ToUpper(e.ShopID),
		"data.platformer_service_accounts.all":    name + "-project",
		"data.platformer_project.shop":            `"shop"`,
		"data.platformer_organization.acme":       `"acme"`,
	} {
		if out := c.must("state", "show", addr).stdout; !strings.Contains(out, want) {
			t.Errorf("%s, read by upper-case UUIDs, does not show %s:\n%s", addr, want, out)
		}
	}
	c.write(uuidCaseConfig(e, name, strings.ToLower))
	expectEmptyPlans(t, c, "after writing the same UUIDs in lower case")
	c.must("apply", "-auto-approve")
	c.write(uuidCaseConfig(e, name, strings.ToUpper))
	expectEmptyPlans(t, c, "after writing them in upper case again")
}

// A map key cannot be compared without regard to case: an upper-case project UUID in
// project_permissions is refused at plan time, with the lower-case form to use.
func TestAccUUIDs_mapKeysLowerCase(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	upper := strings.ToUpper(e.ShopID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name                = "keys"
  project_permissions = { %q = ["rudder.app.viewer"] }
}
`, upper)),
			PlanOnly: true,
			ExpectError: expectMessage(fmt.Sprintf(`project_permissions[%q]: write this key in lower case, %q: map keys `+
				`are compared exactly, and the Console writes UUIDs in lower case.`, upper, e.ShopID)),
		}},
	})
}
