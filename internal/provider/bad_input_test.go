package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// globexOrganizationID is an organization the emulator seeds and nobody belongs to.
const globexOrganizationID = "b2d4f000-0000-4000-8000-000000000001"

// missingID is a UUID that names nothing.
const missingID = "0000dead-0000-4000-8000-00000000beef"

// badInput is one invalid configuration or import. Its texts may hold placeholders
// (@URL@, @TOKEN@, @ORG@, @SHOP@, and whatever setup adds) that are replaced before use.
type badInput struct {
	name string
	// provider replaces the arguments of the provider block; empty: api_url, token,
	// organization_id and max_retries of the test's Console.
	provider string
	// config is the rest of the configuration.
	config string
	// importID, when set, makes the case an import of importAddr with this id.
	importID, importAddr string
	// apply: the error comes from the Console when applying; otherwise from the plan (or
	// the import).
	apply bool
	// planLookup: refused at plan time from what the provider's token lists, so the plan
	// may read the Console (never write: that is checked for every case).
	planLookup bool
	// setup prepares the Console and returns placeholder values.
	setup func(t *testing.T, e *accEnv) map[string]string
	// summary, details and attr describe the one diagnostic expected: its summary, the
	// texts its detail holds (what is wrong, what is accepted), and the attribute its
	// source snippet points at ("" for none).
	summary string
	details []string
	attr    string
	// warnings are warning texts the plan prints too (checked through the CLI, which
	// shows warnings; plugin-testing does not).
	warnings []string
}

const badInputAccount = `
resource "platformer_service_account" "test" {
  name = "valid-name"
}
`

// badAccount is a service account with body as its arguments.
func badAccount(body string) string {
	return "resource \"platformer_service_account\" \"test\" {\n" + body + "\n}\n"
}

// badToken is a valid account and a token with extra arguments.
func badToken(extra string) string {
	return badInputAccount + `
resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  ` + extra + `
}
`
}

// viewerToken creates an organization-level account holding organization.viewer and
// returns its working token.
func viewerToken(t *testing.T, e *accEnv) string {
	t.Helper()
	issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{
		Name: "viewer", Roles: []client.RoleBinding{{CollectionID: e.OrgID, RoleIDs: []string{"organization.viewer"}}},
	})
	if err != nil {
		t.Fatalf("create the viewer account: %v", err)
	}
	return issued.Token
}

func badInputCases() []badInput {
	orgCodes := strings.Join(catalog.Codes(catalog.LevelOrganization), ", ")
	projectCodes := strings.Join(catalog.Codes(catalog.LevelProject), ", ")
	provider := func(extra string) string {
		return "api_url = \"@URL@\"\ntoken = \"@TOKEN@\"\norganization_id = \"@ORG@\"\n" + extra
	}
	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("%q", fmt.Sprintf("organization.code%03d", i))
	}
	const importAccepted = `Expected "<service_account_id>" (in the provider's organization) or ` +
		`"<organization_id>/<service_account_id>", where both are UUIDs.`
	return []badInput{
		// ---- the provider block ----------------------------------------------------------
		{name: "api_url plain http to a remote host", provider: `api_url = "http://api.platformer.com"
token = "@TOKEN@"
organization_id = "@ORG@"`, config: badInputAccount, summary: "Invalid API URL", attr: "api_url",
			details: []string{`api_url (from the provider block or PLATFORMER_API_URL): the API URL "http://api.platformer.com" uses http: the token would travel in clear text; use https`,
				`(http is accepted only for a loopback host: localhost, 127.0.0.0/8 or ::1).`}},
		{name: "api_url without a scheme", provider: `api_url = "api.platformer.com"
token = "@TOKEN@"
organization_id = "@ORG@"`, config: badInputAccount, summary: "Invalid API URL", attr: "api_url",
			details: []string{`api_url (from the provider block or PLATFORMER_API_URL): the API URL "api.platformer.com" has no scheme: add https://, "https://api.platformer.com".`}},
		{name: "api_url of a loopback host without a scheme", provider: `api_url = "127.0.0.1:8787"
token = "@TOKEN@"
organization_id = "@ORG@"`, config: badInputAccount, summary: "Invalid API URL", attr: "api_url",
			details: []string{`api_url (from the provider block or PLATFORMER_API_URL): the API URL "127.0.0.1:8787" has no scheme: add http:// for this loopback host, "http://127.0.0.1:8787" (or https:// if it serves TLS).`}},
		{name: "api_url localhost without a scheme", provider: `api_url = "localhost:8787"
token = "@TOKEN@"
organization_id = "@ORG@"`, config: badInputAccount, summary: "Invalid API URL", attr: "api_url",
			details: []string{`api_url (from the provider block or PLATFORMER_API_URL): the API URL "localhost:8787" has no scheme: add http:// for this loopback host, "http://localhost:8787" (or https:// if it serves TLS).`}},
		{name: "api_url of another scheme", provider: `api_url = "ftp://127.0.0.1/"
token = "@TOKEN@"
organization_id = "@ORG@"`, config: badInputAccount, summary: "Invalid API URL", attr: "api_url",
			details: []string{`the API URL "ftp://127.0.0.1/" is not an absolute http(s) URL`}},
		{name: "api_url with credentials", provider: `api_url = "https://ci:hunter2@api.platformer.com"
token = "@TOKEN@"
organization_id = "@ORG@"`, config: badInputAccount, summary: "Invalid API URL", attr: "api_url",
			details: []string{`api_url (from the provider block or PLATFORMER_API_URL): the API URL carries credentials, which are never sent this way (the token goes in its own setting)`}},
		{name: "token empty", provider: `api_url = "@URL@"
token = ""
organization_id = "@ORG@"`, config: badInputAccount, summary: "Missing API Token", attr: "token",
			details: []string{`The provider needs an API token to call the Platformer Console. Set the token argument of the provider block, or the PLATFORMER_TOKEN environment variable, to a user's or a service account's token.`}},
		{name: "token blank", provider: `api_url = "@URL@"
token = "   "
organization_id = "@ORG@"`, config: badInputAccount, summary: "Missing API Token", attr: "token",
			details: []string{`The provider needs an API token`}},
		{name: "token with a trailing newline", provider: `api_url = "@URL@"
token = "pst_pasted\n"
organization_id = "@ORG@"`, config: badInputAccount, summary: "Cannot Configure the Platformer Client",
			details: []string{`the API token has leading or trailing white space`}},
		{name: "provider organization_id not a UUID", provider: `api_url = "@URL@"
token = "@TOKEN@"
organization_id = "acme"`, config: badInputAccount, summary: "Invalid UUID", attr: "organization_id",
			details: []string{`organization_id: "acme" is not a UUID. Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits).`}},
		{name: "max_retries above 20", provider: provider("max_retries = 21"), config: badInputAccount,
			summary: "Invalid Attribute Value", attr: "max_retries",
			details: []string{`Attribute max_retries value must be between 0 and 20, got: 21`}},
		{name: "request_timeout without a unit", provider: provider(`request_timeout = "30"`), config: badInputAccount,
			summary: "Invalid Duration", attr: "request_timeout",
			details: []string{`request_timeout: "30" is not a duration. Use a number with a unit: d, h, m or s, for example "30d", "720h", "1d12h" or "90m".`}},
		{name: "request_timeout negative", provider: provider(`request_timeout = "-5s"`), config: badInputAccount,
			summary: "Invalid Duration", attr: "request_timeout",
			details: []string{`request_timeout: "-5s" is not positive. Use a duration greater than zero, such as "720h".`}},
		{name: "requests_per_second negative", provider: provider(`requests_per_second = -1`), config: badInputAccount,
			summary: "Invalid Attribute Value", attr: "requests_per_second",
			details: []string{`Attribute requests_per_second value must be at least 0.000000, got: -1.000000`}},
		{name: "no organization anywhere", provider: `api_url = "@URL@"
token = "@TOKEN@"`, config: badInputAccount, summary: "Missing Organization ID", attr: "",
			details: []string{`Set organization_id on this resource, or in the provider block, or the PLATFORMER_ORGANIZATION_ID environment variable, to the organization's UUID.`}},

		// ---- the API refuses the provider's token ------------------------------------------
		{name: "token unknown to the Console (401)", provider: `api_url = "@URL@"
token = "pst_never-issued"
organization_id = "@ORG@"`, config: badInputAccount, apply: true, summary: "Authentication Failed",
			details: []string{`Could not create service account "valid-name": POST /auth/api/v1/serviceaccount/token/create: 401 Unauthorized: unknown token: this token was not issued by the Console`,
				`The token was refused: it may be mistyped, expired, renewed away, or its service account deleted. Check the provider's token (or PLATFORMER_TOKEN).`}},
		{name: "token renewed away (401)", provider: provider(""), config: badInputAccount, apply: true,
			setup: func(t *testing.T, e *accEnv) map[string]string {
				issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{Name: "renewed"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID}, issued.ServiceAccount.ID, nil); err != nil {
					t.Fatal(err)
				}
				return map[string]string{"@TOKEN@": issued.Token}
			}, summary: "Authentication Failed",
			details: []string{`401 Unauthorized: token is no longer valid: it was replaced when the service account's token was renewed`}},
		{name: "token expired (401)", provider: provider(""), config: badInputAccount, apply: true,
			setup: func(t *testing.T, e *accEnv) map[string]string {
				at := e.clock.Now().Add(time.Hour)
				issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{
					Name: "expiring", ExpiresAt: &at, Roles: []client.RoleBinding{{CollectionID: e.OrgID, RoleIDs: []string{"organization.admin"}}},
				})
				if err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(2 * time.Hour)
				return map[string]string{"@TOKEN@": issued.Token}
			}, summary: "Authentication Failed",
			details: []string{`401 Unauthorized: token expired: renew the service account's token to get a new one`}},
		{name: "token without the permission (403)", provider: provider(""), config: badInputAccount, apply: true,
			setup: func(t *testing.T, e *accEnv) map[string]string {
				return map[string]string{"@TOKEN@": viewerToken(t, e)}
			}, summary: "Permission Denied",
			details: []string{`POST /auth/api/v1/serviceaccount/token/create: 403 Forbidden: permission "organization.admin" or "organization.iam" required to manage organization-level service accounts`,
				`The token is valid but lacks the permission named above.`}},

		// ---- platformer_service_account, at plan time --------------------------------------
		{name: "name empty", config: badAccount(`name = ""`), summary: "Invalid Attribute Value Length", attr: "name",
			details: []string{`Attribute name UTF-8 character count must be between 1 and 100, got: 0`}},
		{name: "name of 101 characters", config: badAccount(fmt.Sprintf(`name = %q`, strings.Repeat("n", 101))),
			summary: "Invalid Attribute Value Length", attr: "name",
			details: []string{`Attribute name UTF-8 character count must be between 1 and 100, got: 101`}},
		{name: "name with a slash", config: badAccount(`name = "ci/deployer"`), summary: "Invalid Attribute Value Match", attr: "name",
			details: []string{`Attribute name may contain only letters (A-Z, a-z), digits, spaces, '-', '_' and '.', got: ci/deployer`}},
		{name: "description of 501 characters", config: badAccount(fmt.Sprintf("name = \"x\"\ndescription = %q", strings.Repeat("d", 501))),
			summary: "Invalid Attribute Value Length", attr: "description",
			details: []string{`Attribute description UTF-8 character count must be at most 500, got: 501`}},
		{name: "project_id not a UUID", config: badAccount("name = \"x\"\nproject_id = \"shop\""), summary: "Invalid UUID", attr: "project_id",
			details: []string{`project_id: "shop" is not a UUID. Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits).`}},
		{name: "account organization_id not a UUID", config: badAccount("name = \"x\"\norganization_id = \"a1c3e000\""), summary: "Invalid UUID",
			attr: "organization_id", details: []string{`organization_id: "a1c3e000" is not a UUID.`}},
		{name: "custom role id not a UUID", config: badAccount("name = \"x\"\ncustom_role_ids = [\"deployer\"]"), summary: "Invalid UUID",
			attr: "custom_role_ids", details: []string{`"deployer" is not a UUID.`}},
		{name: "project code at the organization level", config: badAccount("name = \"x\"\npermissions = [\"rudder.app.admin\"]"),
			summary: "Permission Code at the Wrong Level", attr: "permissions",
			details: []string{`permissions: "rudder.app.admin" is a permission code of the project level and cannot be granted at the organization level.`,
				"Accepted organization-level codes: " + orgCodes + "."}},
		{name: "organization code at the project level", config: badAccount("name = \"x\"\nproject_id = \"@SHOP@\"\npermissions = [\"organization.viewer\"]"),
			summary: "Permission Code at the Wrong Level", attr: "permissions",
			details: []string{`permissions: "organization.viewer" is a permission code of the organization level and cannot be granted at the project level.`,
				"Accepted project-level codes: " + projectCodes + "."}},
		{name: "organization code in project_permissions", config: badAccount("name = \"x\"\nproject_permissions = { \"@SHOP@\" = [\"organization.admin\"] }"),
			summary: "Permission Code at the Wrong Level", attr: "project_permissions",
			details: []string{`project_permissions["@SHOP@"]: "organization.admin" is a permission code of the organization level and cannot be granted at the project level.`}},
		{name: "project_permissions on a project-level account", config: badAccount("name = \"x\"\nproject_id = \"@SHOP@\"\nproject_permissions = { \"@SHOP@\" = [\"rudder.app.admin\"] }"),
			summary: "Project Permissions on a Project-Level Account", attr: "project_permissions",
			details: []string{`project_permissions grants codes on other projects and is accepted only on organization-level accounts (without project_id).`,
				`put its project codes in permissions.`}},
		{name: "project_permissions key not a UUID", config: badAccount("name = \"x\"\nproject_permissions = { shop = [\"rudder.app.admin\"] }"),
			summary: "Invalid UUID", attr: "project_permissions", details: []string{`"shop" is not a UUID.`}},
		{name: "project_permissions entry empty", config: badAccount("name = \"x\"\nproject_permissions = { \"@SHOP@\" = [] }"),
			summary: "Invalid Attribute Value", attr: "project_permissions",
			details: []string{`set must contain at least 1 elements and at most 100 elements, got: 0`}},
		{name: "101 permission codes", config: badAccount("name = \"x\"\npermissions = [" + strings.Join(tooMany, ", ") + "]"),
			summary: "Invalid Attribute Value", attr: "permissions",
			details: []string{`Attribute permissions set must contain at most 100 elements, got: 101`}},

		// ---- platformer_service_account, the Console's answer ------------------------------
		{name: "unknown permission code (warning, then 400)", config: badAccount("name = \"x\"\npermissions = [\"organization.veiwer\"]"),
			apply: true, summary: "Value Refused by the Console", attr: "permissions",
			details: []string{`Could not create service account "x": the Console refused "organization.veiwer" in permissions: unknown permission code "organization.veiwer".`},
			warnings: []string{"Warning: Unknown Permission Code",
				`permissions: "organization.veiwer" is not a known organization-level permission code. Did you mean "organization.viewer"? The Console will reject it if it does not know it either. Every known code, by level: https://registry.terraform.io/providers/platformercloud/platformer/latest/docs/guides/permissions.`}},
		{name: "unknown project permission code (warning, then 400)",
			config: badAccount("name = \"x\"\npermissions = [\"organization.viewer\"]\nproject_permissions = { \"@SHOP@\" = [\"rudder.app.viewer\", \"rudder.app.veiwer\"] }"),
			apply:  true, summary: "Value Refused by the Console", attr: "project_permissions",
			details: []string{`Could not create service account "x": the Console refused "rudder.app.veiwer" in project_permissions["@SHOP@"]: unknown permission code "rudder.app.veiwer".`}},
		{name: "custom role not in the organization (400)", config: badAccount("name = \"x\"\ncustom_role_ids = [\"" + missingID + "\"]"),
			apply: true, summary: "Value Refused by the Console", attr: "custom_role_ids",
			details: []string{`Could not create service account "x": the Console refused "` + missingID + `" in custom_role_ids: no custom role ` + missingID + ` in this organization.`}},
		// At plan time, from the projects the token lists; before, at apply, from the
		// Console's 400: "Could not create service account "x": the Console refused the
		// project id "b2d4f000-…", a key of project_permissions: … is neither this
		// organization nor one of its projects."
		{name: "project_permissions on a project of another organization",
			config:  badAccount("name = \"x\"\nproject_permissions = { \"b2d4f000-0000-4000-8000-000000000002\" = [\"rudder.app.viewer\"] }"),
			summary: "Unknown Project", attr: "project_permissions", planLookup: true,
			details: []string{`project_permissions: the key "b2d4f000-0000-4000-8000-000000000002" is neither organization a1c3e000-0000-4000-8000-000000000001 nor one of its projects, so the Console would refuse it at apply. Use the UUID of one of its projects as the key (a platformer_project data source finds one by name). The projects of organization a1c3e000-0000-4000-8000-000000000001 that the token reaches: a1c3e000-0000-4000-8000-000000000002 ("shop"), a1c3e000-0000-4000-8000-000000000003 ("data").`}},
		{name: "project_permissions on a project that does not exist",
			config:  badAccount("name = \"x\"\nproject_permissions = { \"" + missingID + "\" = [\"rudder.app.viewer\"] }"),
			summary: "Unknown Project", attr: "project_permissions", planLookup: true,
			details: []string{`project_permissions: the key "` + missingID + `" is neither organization a1c3e000-0000-4000-8000-000000000001 nor one of its projects, so the Console would refuse it at apply.`}},
		{name: "project not in the organization (404)", config: badAccount("name = \"x\"\nproject_id = \"" + missingID + "\""),
			apply: true, summary: "Not Found",
			details: []string{`POST /auth/api/v1/serviceaccount/token/create: 404 Not Found: project not found in this organization`,
				`Check the id and the organization (and project) it is looked up in.`}},
		{name: "organization the token does not belong to (404)", config: badAccount("name = \"x\"\norganization_id = \"" + globexOrganizationID + "\""),
			apply: true, summary: "Not Found", details: []string{`404 Not Found: organization not found`}},
		{name: "name already used (409)", config: badAccount(`name = "taken"`), apply: true,
			setup: func(t *testing.T, e *accEnv) map[string]string {
				issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{Name: "taken"})
				if err != nil {
					t.Fatal(err)
				}
				return map[string]string{"@TAKEN@": issued.ServiceAccount.ID}
			}, summary: "Name Already Used", attr: "name",
			details: []string{`The name "taken" is taken: account @TAKEN@ of organization @ORG@ has it, created`,
				`Under 15 minutes old, it is likely from an interrupted apply.`,
				`If terraform state list -id=@TAKEN@ prints an address, or the account is someone else's, set name to another. Otherwise import it (to = this resource's address, on the "with" line) and apply again:`,
				`to = platformer_service_account.<name>`, `id = "@ORG@/@TAKEN@"`}},
		{name: "name already used in the project (409)", config: badAccount("name = \"taken\"\nproject_id = \"@SHOP@\""), apply: true,
			setup: func(t *testing.T, e *accEnv) map[string]string {
				issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID,
					client.CreateServiceAccountInput{Name: "taken", ProjectID: e.ShopID})
				if err != nil {
					t.Fatal(err)
				}
				return map[string]string{"@TAKEN@": issued.ServiceAccount.ID}
			}, summary: "Name Already Used", attr: "name",
			details: []string{`The name "taken" is taken: account @TAKEN@ of project @SHOP@ of organization @ORG@ has it`,
				`set name to another.`}},

		// ---- platformer_service_account_token -----------------------------------------------
		{name: "expires_in and expires_at both set", config: badToken("expires_in = \"720h\"\nexpires_at = \"2099-01-01T00:00:00Z\""),
			summary: "Invalid Attribute Combination", attr: "expires_in",
			details: []string{`Attribute "expires_at" cannot be specified when "expires_in" is specified`}},
		{name: "expires_in in weeks", config: badToken(`expires_in = "4w"`), summary: "Invalid Duration", attr: "expires_in",
			details: []string{`expires_in: "4w" is not a duration: unknown unit "w". Use a number with a unit: d, h, m or s, for example "30d", "720h", "1d12h" or "90m".`}},
		{name: "expires_in in milliseconds", config: badToken(`expires_in = "500ms"`), summary: "Invalid Duration", attr: "expires_in",
			details: []string{`expires_in: "500ms" uses "ms": units below a second are not accepted, since the Console keeps times to the second. Use a number with a unit: d, h, m or s, for example "30d", "720h", "1d12h" or "90m".`}},
		{name: "expires_in zero", config: badToken(`expires_in = "0s"`), summary: "Invalid Duration", attr: "expires_in",
			details: []string{`expires_in: "0s" is not positive. Use a duration greater than zero, such as "720h".`}},
		{name: "expires_at a date only", config: badToken(`expires_at = "2027-01-31"`), summary: "Invalid RFC3339 String Value", attr: "expires_at",
			details: []string{`A string value was provided that is not valid RFC3339 string format.`, `Given Value: 2027-01-31`}},
		{name: "expires_at in the past", config: badToken(`expires_at = "2026-11-26T11:00:00Z"`), summary: "Expiry in the Past", attr: "expires_at",
			details: []string{`expires_at: 2026-11-26T11:00:00Z has passed (now 2026-11-26T12:00:00Z), and creating this resource issues a token that expires then. Set expires_at to a later instant, or use expires_in for a lifetime counted from each renewal.`}},
		{name: "renew_before without an expiry", config: badToken(`renew_before = "1h"`), summary: "Invalid Attribute Combination", attr: "renew_before",
			details: []string{`Attribute "expires_in" must be specified when "renew_before" is specified`}},
		{name: "renew_before as long as expires_in", config: badToken("expires_in = \"24h\"\nrenew_before = \"24h\""), summary: "Renew Before Too Long",
			attr: "renew_before", details: []string{`renew_before ("24h") must be shorter than expires_in ("24h"): otherwise every plan would renew the token. Use a shorter renew_before, such as a quarter of expires_in.`}},
		{name: "renew_before longer than expires_in, in days", config: badToken("expires_in = \"30d\"\nrenew_before = \"40d\""), summary: "Renew Before Too Long",
			attr: "renew_before", details: []string{`renew_before ("40d") must be shorter than expires_in ("30d"): otherwise every plan would renew the token. Use a shorter renew_before, such as a quarter of expires_in.`}},
		{name: "renew_before with a fixed expires_at", config: badToken("expires_at = \"2099-01-01T00:00:00Z\"\nrenew_before = \"1h\""),
			summary: "Invalid Attribute Combination", attr: "renew_before",
			details: []string{`Attribute "expires_in" must be specified when "renew_before" is specified`}},
		{name: "service_account_id not a UUID", config: `
resource "platformer_service_account_token" "test" {
  service_account_id = "ci-deployer"
}
`, summary: "Invalid UUID", attr: "service_account_id",
			details: []string{`service_account_id: "ci-deployer" is not a UUID.`}},
		{name: "token of an account that does not exist (404)", config: `
resource "platformer_service_account_token" "test" {
  service_account_id = "` + missingID + `"
}
`, apply: true, summary: "Not Found",
			details: []string{`Could not renew the token of service account ` + missingID + `: POST /auth/api/v1/serviceaccount/` + missingID + `/token/renew: 404 Not Found: service account not found`}},

		// ---- imports --------------------------------------------------------------------
		{name: "import id not a UUID", config: badInputAccount, importAddr: "platformer_service_account.test", importID: "ci-deployer",
			summary: "Invalid Import ID", details: []string{`Import id "ci-deployer" is not made of UUIDs. ` + importAccepted}},
		{name: "import id of three parts", config: badInputAccount, importAddr: "platformer_service_account.test", importID: "@ORG@/x/" + missingID,
			summary: "Invalid Import ID", details: []string{`Import id "@ORG@/x/` + missingID + `" has 3 parts. ` + importAccepted}},
		{name: "import id with a bad organization", config: badInputAccount, importAddr: "platformer_service_account.test", importID: "acme/" + missingID,
			summary: "Invalid Import ID", details: []string{`Import id "acme/` + missingID + `" is not made of UUIDs.`}},
		{name: "import id with no organization anywhere", provider: `api_url = "@URL@"
token = "@TOKEN@"`, config: badInputAccount, importAddr: "platformer_service_account.test", importID: missingID,
			summary: "Invalid Import ID", details: []string{`Import id "` + missingID + `" names no organization, and the provider has no organization_id. ` + importAccepted}},
		// Before: the CLI's "Cannot import non-existent remote object" for both.
		{name: "import of an account that does not exist", config: badInputAccount, importAddr: "platformer_service_account.test", importID: missingID,
			summary: "Service Account Not Found",
			details: []string{`Import id "` + missingID + `" names service account ` + missingID + `, which organization @ORG@ does not have (the Console answered 404 Not Found: service account not found). Check the id (terraform query, or the Console, lists the accounts), and organization_id for an account of another organization.`}},
		{name: "import of an account of another organization", config: badInputAccount, importAddr: "platformer_service_account.test",
			importID: globexOrganizationID + "/" + missingID, summary: "Organization Not Found",
			details: []string{`Import id "` + globexOrganizationID + "/" + missingID + `" names organization ` + globexOrganizationID + `, which the provider's token does not reach (the Console answered 404 Not Found: organization not found). The token reaches: @ORG@ ("acme"). Use one of them, or import through a provider configuration whose token reaches that organization.`}},
		{name: "token import id not a UUID", config: badToken(""), importAddr: "platformer_service_account_token.test", importID: "token-1",
			summary: "Invalid Import ID", details: []string{`Import id "token-1" is not made of UUIDs. ` + importAccepted}},
		{name: "token import of an account that does not exist", config: badToken(""), importAddr: "platformer_service_account_token.test",
			importID: missingID, summary: "Service Account Not Found",
			details: []string{`Import id "` + missingID + `" names service account ` + missingID + `, which organization @ORG@ does not have`}},
	}
}

// Issue 5, bad input: every invalid configuration and import is refused with one exact
// diagnostic — its summary, the attribute it points at, what is wrong and what is
// accepted — and nothing is created: the emulator holds as many accounts, and has issued
// as many tokens, after the case as before it.
func TestAccBadInput(t *testing.T) {
	t.Parallel()
	cases := badInputCases()
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	var planned, applied, imported, warned int
	for _, tc := range cases {
		switch {
		case tc.importID != "":
			imported++
		case tc.apply:
			applied++
		default:
			planned++
		}
		if len(tc.warnings) > 0 {
			warned++
		}
	}
	logOnFailure(t, "%d cases: %d refused at plan time, %d by the Console at apply time, %d imports; %d also checked for a warning",
		len(cases), planned, applied, imported, warned)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newAccEnv(t)
			e.needEmulator("its counters")
			if strings.Contains(tc.name, "no organization anywhere") && os.Getenv(envOrganizationID) != "" {
				t.Skip("PLATFORMER_ORGANIZATION_ID is set in the environment, and this case needs no organization anywhere; the provider reads it in-process")
			}
			values := map[string]string{"@URL@": e.URL, "@TOKEN@": e.Token, "@ORG@": e.OrgID, "@SHOP@": e.ShopID}
			if tc.setup != nil {
				for k, v := range tc.setup(t, e) {
					values[k] = v
				}
			}
			pairs := make([]string, 0, 2*len(values))
			for k, v := range values {
				pairs = append(pairs, k, v)
			}
			fill := strings.NewReplacer(pairs...).Replace
			providerArgs := tc.provider
			if providerArgs == "" {
				providerArgs = "api_url = \"@URL@\"\ntoken = \"@TOKEN@\"\norganization_id = \"@ORG@\"\nmax_retries = 6"
			}
			config := fill(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

provider "platformer" {
` + providerArgs + `
}
` + tc.config)

			accounts, tokens := e.em.ServiceAccountCount(), len(e.em.IssuedTokens())
			e.em.ResetStats()
			step := resource.TestStep{Config: config, ExpectError: badInputError(tc, fill)}
			switch {
			case tc.importID != "":
				step.ResourceName = tc.importAddr
				step.ImportState = true
				step.ImportStateId = fill(tc.importID)
			case !tc.apply:
				step.PlanOnly = true
			}
			resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: []resource.TestStep{step}})

			stats := e.em.Stats()
			if n := e.em.ServiceAccountCount(); n != accounts {
				t.Errorf("the emulator holds %d accounts after the case, %d before", n, accounts)
			}
			if n := len(e.em.IssuedTokens()); n != tokens {
				t.Errorf("the emulator issued %d tokens during the case", n-tokens)
			}
			for _, write := range []struct {
				method, route string
				status        int
			}{
				{http.MethodPost, routeCreate, http.StatusCreated},
				{http.MethodPost, routeRenew, http.StatusOK},
				{http.MethodPut, routeAccount, http.StatusOK},
				{http.MethodDelete, routeAccount, http.StatusOK},
			} {
				if n := routeCount(stats, write.method, write.route, write.status); n != 0 {
					t.Errorf("%d successful %s %s during the case", n, write.method, write.route)
				}
			}
			if !tc.apply && tc.importID == "" && !tc.planLookup && stats.Total != 0 {
				t.Errorf("a configuration refused at plan time made %d API calls: %s", stats.Total, statsLine(stats))
			}
			if len(tc.warnings) > 0 {
				c := initCLI(e, config)
				plan := c.run("plan")
				for _, w := range tc.warnings {
					if !expectText(fill(w)).MatchString(plan.stdout) {
						t.Errorf("the plan does not warn %q:\n%s", fill(w), plan)
					}
				}
			}
		})
	}
}

// badInputError is the regexp the case's error must match: the summary, then the source
// snippet of the attribute when there is one, then each detail text.
func badInputError(tc badInput, fill func(string) string) *regexp.Regexp {
	parts := []string{`Error: ` + wrapTolerant(tc.summary)}
	if tc.attr != "" {
		parts = append(parts, `\d+:\s+`+regexp.QuoteMeta(tc.attr)+`\s+=`)
	}
	for _, d := range tc.details {
		parts = append(parts, wrapTolerant(fill(d)))
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, `.*`))
}

// wrapTolerant quotes text for a regexp that accepts Terraform's line wrapping (and the
// box drawing it prefixes wrapped lines with) wherever the text has a space.
func wrapTolerant(text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(words, `\s+(?:[│|]\s+)?`)
}
