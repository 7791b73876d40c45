package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 19, item 5: messages in the user's words, as terraform prints them.

// flatOutput is a command's output with Terraform's line wrapping and box drawing
// undone, so that a message can be matched whole.
func flatOutput(r cliResult) string {
	out := strings.NewReplacer("│", " ", "╷", " ", "╵", " ").Replace(r.stdout + r.stderr)
	return strings.Join(strings.Fields(out), " ")
}

// ephemeralRefusalConfig is a temporary account of prefix with body as its arguments,
// opened by a check that reads its name.
func ephemeralRefusalConfig(e *accEnv, prefix, body string) string {
	return e.config(fmt.Sprintf(`
ephemeral "platformer_service_account" "run" {
  name_prefix = %[1]q
  %[2]s
}

check "opened" {
  assert {
    condition     = startswith(ephemeral.platformer_service_account.run.name, %[1]q)
    error_message = "the temporary account has no name of the prefix"
  }
}
`, prefix, body))
}

// The ephemeral platformer_service_account, refused by the Console when Terraform opens
// it (at plan): the error names the attribute and the value, as the managed resource's
// do (TestAccBadInput), and nothing is left behind. Before: "Could not create the
// temporary service account "…": POST /auth/api/v1/serviceaccount/token/create: 400 Bad
// Request: roles[0].roles_id[0]: unknown permission code "organization.veiwer"".
func TestAccServiceAccountEphemeral_refusalNamesTheAttribute(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	const otherOrgProject = "b2d4f000-0000-4000-8000-000000000002" // a project of globex
	cases := []struct {
		name, body string
		// attr is the attribute's source line Terraform quotes; want the detail, after
		// `Could not create the temporary service account "<name>": `.
		attr, want string
	}{
		{"unknown organization code", `permissions = ["organization.veiwer"]`,
			`permissions = ["organization.veiwer"]`,
			`the Console refused "organization.veiwer" in permissions: unknown permission code "organization.veiwer".`},
		{"unknown project code, project-level", fmt.Sprintf("project_id  = %q\n  permissions = [\"rudder.app.veiwer\"]", e.ShopID),
			`permissions = ["rudder.app.veiwer"]`,
			`the Console refused "rudder.app.veiwer" in permissions: unknown permission code "rudder.app.veiwer".`},
		{"unknown code in project_permissions",
			fmt.Sprintf("permissions = [\"organization.viewer\"]\n  project_permissions = { %q = [\"rudder.app.viewer\", \"rudder.app.veiwer\"] }", e.ShopID),
			`project_permissions = {`,
			`the Console refused "rudder.app.veiwer" in project_permissions["` + e.ShopID + `"]: unknown permission code "rudder.app.veiwer".`},
		{"custom role of no organization", `custom_role_ids = ["` + missingID + `"]`,
			`custom_role_ids = ["` + missingID + `"]`,
			`the Console refused "` + missingID + `" in custom_role_ids: no custom role ` + missingID + ` in this organization.`},
		{"project of another organization", `project_permissions = { "` + otherOrgProject + `" = ["rudder.app.viewer"] }`,
			`project_permissions = {`,
			`the Console refused the project id "` + otherOrgProject + `", a key of project_permissions: "` + otherOrgProject +
				`" is neither this organization nor one of its projects.`},
	}
	for i, tc := range cases {
		prefix := fmt.Sprintf("refused%d-", i)
		c := initCLI(e, ephemeralRefusalConfig(e, prefix, tc.body))
		for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
			r := c.run(args...)
			flat := flatOutput(r)
			want := regexp.MustCompile(`Error: Value Refused by the Console with ephemeral\.platformer_service_account\.run, ` +
				`on main\.tf line \d+, in ephemeral "platformer_service_account" "run": \d+: ` +
				regexp.QuoteMeta(strings.Join(strings.Fields(tc.attr), " ")) + `.*? Could not create the temporary service ` +
				`account "` + regexp.QuoteMeta(prefix) + `[a-z0-9]{8}": ` + regexp.QuoteMeta(tc.want))
			if r.code != 1 || !want.MatchString(flat) {
				t.Errorf("%s: terraform %s does not say\n%s\n%s", tc.name, args[0], want, r)
			}
			if strings.Contains(flat, "roles[") || strings.Contains(flat, "custom_role_ids[") || strings.Contains(flat, "/auth/api/") {
				t.Errorf("%s: terraform %s quotes the API:\n%s", tc.name, args[0], r)
			}
			if left := accountsNamed(t, e, prefix); len(left) > 0 {
				t.Errorf("%s: terraform %s left accounts behind: %+v", tc.name, args[0], left)
			}
			if st := c.state(); len(st) > 0 {
				t.Errorf("%s: terraform %s left state: %+v", tc.name, args[0], st)
			}
		}
	}
}

// The fields of a temporary account's create that the emulator cannot be made to
// refuse: the name comes from name_prefix, the token's expiry from expires_in, and the
// description is the provider's own, so its refusal keeps the Console's words.
func TestServiceAccountEphemeral_refusedFieldsMapToAttributes(t *testing.T) {
	m := serviceAccountEphemeralModel{NamePrefix: types.StringValue("ci-"), ExpiresIn: durationValue{}}
	account := m.accountModel(emulator.OrganizationID, "ci-abcd1234", "Temporary …")
	expiresAt := time.Date(2026, 12, 4, 21, 0, 0, 0, time.UTC)
	req := m.request(&account, expiresAt)
	for _, tc := range []struct {
		field      client.InputField
		at, what   string
		attributed bool
	}{
		{client.FieldName, "name_prefix", `the name "ci-abcd1234" (name_prefix "ci-" and a random suffix)`, true},
		{client.FieldExpiresAt, "expires_in", `the token's expiry 2026-12-04T21:00:00Z (expires_in 1h from now)`, true},
		{client.FieldDescription, "", "", false},
		{client.FieldOther, "", "", false},
	} {
		at, what, ok := req.refused(client.InvalidInput{Field: tc.field, Role: -1, Item: -1, Problem: "refused"})
		if ok != tc.attributed || (ok && (at.String() != tc.at || what != tc.what)) {
			t.Errorf("field %d: got (%s, %q, %v), want (%s, %q, %v)", tc.field, at, what, ok, tc.at, tc.what, tc.attributed)
		}
	}
}
