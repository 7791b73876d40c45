package provider

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 26, item 7: an import by identity that names nothing valid, or nothing the
// Console has, is reported in the identity's terms: the attribute, its value, and what
// is accepted. Before, a wrong value was reported as an id string ("Import id "42" is
// not made of UUIDs"), and a missing or foreign account only by the CLI's generic
// "Cannot import non-existent remote object".

// importRefusal is one import block and the error it must give, to the letter.
type importRefusal struct {
	name, resource, target, identity string
	summary, detail                  string
}

func TestAccImportMessages_identity(t *testing.T) {
	requireCLI(t, capIdentity)
	e := newAccEnv(t)
	e.needEmulator("a second organization")
	const accepted = ` Expected id = "<service_account_id>", UUIDs in any case, and organization_id = "<organization_id>" when the account is not in the provider's organization.`
	cases := []importRefusal{
		{"id a number", "platformer_service_account", "a", `id = 42`, "Invalid Import Identity",
			`id = "42" is not a UUID.` + accepted},
		{"service_account_id a bool", "platformer_service_account_token", "t", `service_account_id = true`, "Invalid Import Identity",
			`service_account_id = "true" is not a UUID. Expected service_account_id = "<service_account_id>", UUIDs in any case, and organization_id = "<organization_id>" when the account is not in the provider's organization.`},
		{"organization_id not a UUID", "platformer_service_account", "a", fmt.Sprintf(`organization_id = "acme", id = %q`, missingID),
			"Invalid Import Identity", `organization_id = "acme" is not a UUID.` + accepted},
		{"service_account_ids the same twice", "platformer_service_account_rotating_token", "r",
			fmt.Sprintf(`service_account_ids = [%[1]q, %[1]q]`, missingID), "Invalid Import Identity",
			fmt.Sprintf(`service_account_ids = [%[1]q, %[1]q] names the same account twice. Expected service_account_ids = ["<service_account_id>", "<service_account_id>"], two different accounts, UUIDs in any case, and organization_id = "<organization_id>" when the account is not in the provider's organization.`, missingID)},
		{"no such account", "platformer_service_account", "a", fmt.Sprintf(`id = %q`, missingID), "Service Account Not Found",
			fmt.Sprintf(`The import block's identity names id = %q, which organization %s does not have (the Console answered 404 Not Found: service account not found). Check the id (terraform query, or the Console, lists the accounts), and organization_id for an account of another organization.`, missingID, e.OrgID)},
		{"foreign organization", "platformer_service_account_token", "t",
			fmt.Sprintf(`organization_id = %q, service_account_id = %q`, globexOrganizationID, missingID), "Organization Not Found",
			fmt.Sprintf(`The import block's identity names organization_id = %q, which the provider's token does not reach (the Console answered 404 Not Found: organization not found). The token reaches: %s ("acme"). Use one of them, or import through a provider configuration whose token reaches that organization.`, globexOrganizationID, e.OrgID)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectImportRefusal(t, e, tc, fmt.Sprintf("import {\n  to       = %s.%s\n  identity = { %s }\n}\n",
				tc.resource, tc.target, tc.identity))
		})
	}
}

// The same through an id string, on every CLI: a missing account is named by the
// import id, not left to the CLI's generic message.
func TestAccImportMessages_idString(t *testing.T) {
	e := newAccEnv(t)
	e.needEmulator("a missing account")
	tc := importRefusal{resource: "platformer_service_account", target: "a", summary: "Service Account Not Found",
		detail: fmt.Sprintf(`Import id %q names service account %s, which organization %s does not have (the Console answered 404 Not Found: service account not found). Check the id (terraform query, or the Console, lists the accounts), and organization_id for an account of another organization.`, missingID, missingID, e.OrgID)}
	expectImportRefusal(t, e, tc, fmt.Sprintf("import {\n  to = platformer_service_account.a\n  id = %q\n}\n", missingID))
}

// expectImportRefusal plans config (an import block) with a resource block for its
// target, and expects exactly the error of tc, and no generic one.
func expectImportRefusal(t *testing.T, e *accEnv, tc importRefusal, config string) {
	t.Helper()
	body := map[string]string{
		"platformer_service_account":                "name = \"x\"",
		"platformer_service_account_token":          fmt.Sprintf("service_account_id = %q", missingID),
		"platformer_service_account_rotating_token": fmt.Sprintf("service_account_ids = [%q, %q]\n  rotate_every = \"30d\"", missingID, e.ShopID),
	}[tc.resource]
	c := newCLIDir(e)
	c.write(e.config(fmt.Sprintf("resource %q %q {\n  %s\n}\n", tc.resource, tc.target, body) + config))
	c.must("init")
	r := c.run("plan")
	out := flatOutput(r)
	if r.code == 0 || !strings.Contains(out, "Error: "+tc.summary+" ") || !strings.Contains(out, tc.detail) {
		t.Fatalf("want Error: %s, %s\n%s", tc.summary, tc.detail, r)
	}
	if strings.Contains(out, "non-existent remote object") {
		t.Errorf("the CLI's generic error too:\n%s", r)
	}
}
