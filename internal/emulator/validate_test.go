package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

// TestCreateValidation proves every 400 of a create body, each naming its field.
func TestCreateValidation(t *testing.T) {
	h := newHarness(t, Options{})
	tooMany := make([]string, catalog.MaxCodesPerBinding+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("code.%d", i)
	}
	const unknownID = "0f0f0f0f-0000-4000-8000-000000000000"
	future := t0.Add(time.Hour).Format(time.RFC3339)

	tests := []struct {
		name    string
		body    any
		message string
	}{
		// name
		{"name missing", map[string]any{"description": "d"}, "name: required"},
		{"name null", `{"name":null}`, "name: required"},
		{"name empty", map[string]any{"name": ""}, "name: must not be empty"},
		{"name too long", map[string]any{"name": strings.Repeat("a", 101)}, "name: too long (101 characters): at most 100"},
		{"name bad character", map[string]any{"name": "ci/deployer"}, `name: character '/' not allowed: use letters A-Z and a-z, digits, space, '-', '_' and '.'`},
		{"name non-ASCII letter", map[string]any{"name": "café"}, `name: character 'é' not allowed`},
		{"name not a string", map[string]any{"name": 7}, "name: must be a string"},
		// description
		{"description too long", map[string]any{"name": "n", "description": strings.Repeat("é", 501)}, "description: too long (501 characters): at most 500"},
		{"description of 501 emoji", map[string]any{"name": "n", "description": strings.Repeat("🙂", 501)}, "description: too long (501 characters): at most 500"},
		{"description not a string", map[string]any{"name": "n", "description": true}, "description: must be a string"},
		// expired_in
		{"expired_in unparsable", map[string]any{"name": "n", "expired_in": "tomorrow"}, `expired_in: cannot parse "tomorrow": must be an RFC 3339 timestamp`},
		{"expired_in date only", map[string]any{"name": "n", "expired_in": "2031-01-01"}, "expired_in: cannot parse"},
		{"expired_in a number", map[string]any{"name": "n", "expired_in": 3600}, "expired_in: must be an RFC 3339 timestamp"},
		{"expired_in now", map[string]any{"name": "n", "expired_in": t0.Format(time.RFC3339)}, "expired_in: must be in the future"},
		{"expired_in past", map[string]any{"name": "n", "expired_in": "2020-01-01T00:00:00Z"}, "expired_in: must be in the future"},
		// project_id
		{"project_id not a UUID", map[string]any{"name": "n", "project_id": "shop"}, "project_id: must be the UUID of a project of this organization, or null"},
		{"project_id empty", map[string]any{"name": "n", "project_id": ""}, "project_id: must be the UUID of a project"},
		{"project_id a number", map[string]any{"name": "n", "project_id": 1}, "project_id: must be the UUID of a project"},
		{"project_id unknown", map[string]any{"name": "n", "project_id": unknownID}, "project_id: no project " + unknownID + " in this organization"},
		{"project_id of another org", map[string]any{"name": "n", "project_id": globexProjectID}, "project_id: no project " + globexProjectID},
		// roles shapes
		{"roles not an array", map[string]any{"name": "n", "roles": "organization.admin"}, "roles: must be an array of {collection_id, roles_id} objects"},
		{"roles entry null", `{"name":"n","roles":[null]}`, "roles[0]: must be an object"},
		{"roles entry not an object", map[string]any{"name": "n", "roles": []any{"x"}}, "roles[0]: must be a JSON object"},
		{"roles entry unknown field", map[string]any{"name": "n", "roles": []any{map[string]any{"collection_id": OrganizationID, "roles": []string{}}}}, `roles[0]: unknown field "roles"; accepted fields: collection_id, roles_id`},
		{"roles entry without collection", map[string]any{"name": "n", "roles": []any{map[string]any{"roles_id": []string{}}}}, "roles[0].collection_id: required"},
		{"roles_id not an array", map[string]any{"name": "n", "roles": roles(OrganizationID, "organization.admin")}, "roles[0].roles_id: must be an array of strings"},
		{"roles_id element not a string", map[string]any{"name": "n", "roles": roles(OrganizationID, []any{1})}, "roles[0].roles_id[0]: must be a string"},
		// roles meaning
		{"collection_id not a UUID", map[string]any{"name": "n", "roles": roles("acme", []string{})}, "roles[0].collection_id: must be a UUID"},
		{"collection_id unknown", map[string]any{"name": "n", "roles": roles(unknownID, []string{})}, `roles[0].collection_id: "` + unknownID + `" is neither this organization nor one of its projects`},
		{"collection_id of another org", map[string]any{"name": "n", "roles": roles(globexOrganizationID, []string{})}, "roles[0].collection_id: "},
		{"project account holds org entry", map[string]any{"name": "n", "project_id": ShopProjectID, "roles": roles(OrganizationID, []string{"organization.viewer"})}, "roles[0].collection_id: a project-level service account may only hold an entry for its own project " + ShopProjectID},
		{"project account holds another project", map[string]any{"name": "n", "project_id": ShopProjectID, "roles": roles(DataProjectID, []string{"mizzen.viewer"})}, "roles[0].collection_id: a project-level service account may only hold an entry for its own project"},
		{"duplicate collection", map[string]any{"name": "n", "roles": roles(ShopProjectID, []string{"mizzen.viewer"}, ShopProjectID, []string{"mizzen.editor"})}, "roles[1].collection_id: duplicate entry for " + ShopProjectID},
		{"unknown code", map[string]any{"name": "n", "roles": roles(OrganizationID, []string{"organization.viewer", "organization.superuser"})}, `roles[0].roles_id[1]: unknown permission code "organization.superuser"`},
		{"billing spelled right is unknown", map[string]any{"name": "n", "roles": roles(OrganizationID, []string{"organization.billing.viewer"})}, `roles[0].roles_id[0]: unknown permission code "organization.billing.viewer"`},
		{"project code on org entry", map[string]any{"name": "n", "roles": roles(OrganizationID, []string{"rudder.app.admin"})}, `roles[0].roles_id[0]: permission code "rudder.app.admin" is at the project level, but this entry is for the organization: it accepts only organization-level codes`},
		{"org code on project entry", map[string]any{"name": "n", "roles": roles(OrganizationID, []string{}, DataProjectID, []string{"mizzen.viewer", "organization.iam"})}, `roles[1].roles_id[1]: permission code "organization.iam" is at the organization level, but this entry is for the project: it accepts only project-level codes`},
		{"duplicate code", map[string]any{"name": "n", "roles": roles(ShopProjectID, []string{"mizzen.viewer", "mizzen.editor", "mizzen.viewer"})}, `roles[0].roles_id[2]: duplicate permission code "mizzen.viewer"`},
		{"too many codes", map[string]any{"name": "n", "roles": roles(ShopProjectID, tooMany)}, "roles[0].roles_id: 101 permission codes: at most 100 per entry"},
		// custom_role_ids
		{"custom_role_ids not an array", map[string]any{"name": "n", "custom_role_ids": DeployerRoleID}, "custom_role_ids: must be an array of strings"},
		{"custom role not a string", map[string]any{"name": "n", "custom_role_ids": []any{DeployerRoleID, 5}}, "custom_role_ids[1]: must be a string"},
		{"custom role not a UUID", map[string]any{"name": "n", "custom_role_ids": []string{"deployer"}}, "custom_role_ids[0]: must be the UUID of a custom role of this organization"},
		{"custom role unknown", map[string]any{"name": "n", "custom_role_ids": []string{unknownID}}, "custom_role_ids[0]: no custom role " + unknownID + " in this organization"},
		{"custom role of another org", map[string]any{"name": "n", "custom_role_ids": []string{globexCustomRoleID}}, "custom_role_ids[0]: no custom role " + globexCustomRoleID},
		{"custom role duplicated", map[string]any{"name": "n", "custom_role_ids": []string{DeployerRoleID, AuditorRoleID, DeployerRoleID}}, "custom_role_ids[2]: duplicate custom role id " + DeployerRoleID},
		// body shape
		{"unknown field", map[string]any{"name": "n", "expires_in": future}, `request body: unknown field "expires_in"; accepted fields: name, description, expired_in, project_id, roles, custom_role_ids`},
		{"field names are exact", map[string]any{"Name": "n"}, `request body: unknown field "Name"`},
		{"malformed JSON", `{"name": "n",}`, "malformed JSON in request body at byte"},
		{"truncated JSON", `{"name": "n"`, "malformed JSON in request body: unexpected end of input"},
		{"trailing data", `{"name": "n"} {}`, "malformed JSON in request body: unexpected data after the JSON object"},
		{"empty body", "", "request body required: a JSON object with fields name, description"},
		{"null body", "null", "request body: must be a JSON object, got null"},
		{"array body", "[]", "request body: must be a JSON object, got array"},
		{"string body", `"name"`, "request body: must be a JSON object, got string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: tt.body})
			mustRefuse(t, r, http.StatusBadRequest, tt.message)
		})
	}
	if n := h.ServiceAccountCount(); n != 0 {
		t.Fatalf("%d accounts created by refused requests", n)
	}
}

func TestUpdateAndRenewValidation(t *testing.T) {
	h := newHarness(t, Options{})
	shop := h.create(t, "", ShopProjectID, "shop", nil).ServiceAccount.ID
	org := h.create(t, "", "", "org", nil).ServiceAccount.ID
	put := func(id string, body any) req {
		return req{method: "PUT", path: apiPrefix + "/serviceaccount/" + id, org: OrganizationID, body: body}
	}
	renew := func(body any) req {
		return req{method: "POST", path: apiPrefix + "/serviceaccount/" + org + "/token/renew", org: OrganizationID, body: body}
	}
	tests := []struct {
		name    string
		q       req
		message string
	}{
		{"update name missing", put(org, map[string]any{"description": "d"}), "name: required"},
		{"update name bad", put(org, map[string]any{"name": "a:b"}), "name: character ':' not allowed"},
		{"update description too long", put(org, map[string]any{"name": "n", "description": strings.Repeat("d", 501)}), "description: too long"},
		{"update cannot change project", put(shop, map[string]any{"name": "n", "project_id": DataProjectID}), `request body: unknown field "project_id"; accepted fields: name, description, roles, custom_role_ids`},
		{"update cannot set expiry", put(org, map[string]any{"name": "n", "expired_in": nil}), `unknown field "expired_in"`},
		{"update project account with org entry", put(shop, map[string]any{"name": "n", "roles": roles(OrganizationID, []string{"organization.viewer"})}), "roles[0].collection_id: a project-level service account may only hold an entry for its own project"},
		{"update unknown code", put(shop, map[string]any{"name": "n", "roles": roles(ShopProjectID, []string{"rudder.app.owner"})}), `roles[0].roles_id[0]: unknown permission code "rudder.app.owner"`},
		{"update custom role unknown", put(org, map[string]any{"name": "n", "custom_role_ids": []string{globexCustomRoleID}}), "custom_role_ids[0]: no custom role"},
		{"update empty body", put(org, ""), "request body required"},
		{"renew unparsable", renew(map[string]any{"expired_in": "next week"}), `expired_in: cannot parse "next week"`},
		{"renew past", renew(map[string]any{"expired_in": "2029-12-31T23:59:59Z"}), "expired_in: must be in the future"},
		{"renew unknown field", renew(map[string]any{"expired_in": nil, "name": "x"}), `request body: unknown field "name"; accepted fields: expired_in`},
		{"renew empty body", renew(""), "request body required: a JSON object with fields expired_in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustRefuse(t, h.do(t, tt.q), http.StatusBadRequest, tt.message)
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	h := newHarness(t, Options{})
	big := `{"name":"n","description":"` + strings.Repeat("d", maxBodyBytes) + `"}`
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: big})
	mustRefuse(t, r, http.StatusRequestEntityTooLarge, "request body too large: at most 1048576 bytes (1 MiB)")
	// Just under the limit is read (and refused for what it says, not its size).
	fits := `{"name":"n","description":"` + strings.Repeat("d", maxBodyBytes-40) + `"}`
	r = h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: fits})
	mustRefuse(t, r, http.StatusBadRequest, "description: too long")
}

func TestAcceptedInputs(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		name string
		body any
	}{
		{"name of every accepted character", map[string]any{"name": "Az09 -_."}},
		{"name of 100 characters", map[string]any{"name": strings.Repeat("n", 100)}},
		{"description of 500 characters", map[string]any{"name": "d500", "description": strings.Repeat("é", 500)}},
		{"description of 500 emoji", map[string]any{"name": "e500", "description": strings.Repeat("🙂", 500)}},
		{"expiry with an offset", map[string]any{"name": "offset", "expired_in": "2030-01-01T14:00:01+02:00"}},
		{"every code at its level", map[string]any{"name": "many", "roles": roles(OrganizationID, catalog.Codes(catalog.LevelOrganization), ShopProjectID, catalog.Codes(catalog.LevelProject))}},
		{"uppercase ids", map[string]any{"name": "upper", "project_id": strings.ToUpper(ShopProjectID), "roles": roles(strings.ToUpper(ShopProjectID), []string{"organization.app.edit"})}},
		{"misspelled billing codes of the guide", map[string]any{"name": "billing", "roles": roles(OrganizationID, []string{"organization.billling.editor", "organization.billling.viewer", "organization.billing.admin"})}},
		{"empty entry", map[string]any{"name": "empty", "roles": roles(DataProjectID, nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: tt.body})
			mustStatus(t, r, http.StatusCreated)
		})
	}
	r := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list?page_size=100", org: OrganizationID})
	for _, want := range []string{`"token_expires_at":"2030-01-01T12:00:01Z"`, `"project_id":"` + ShopProjectID + `"`, `"collection_id":"` + ShopProjectID + `","roles_id":["organization.app.edit"]`} {
		if !strings.Contains(string(r.raw), want) {
			t.Errorf("%s missing from the listing", want)
		}
	}
}

func TestParseExpiresInTruncatesToSeconds(t *testing.T) {
	got, e := parseExpiresIn([]byte(`"2030-01-01T12:00:05.900Z"`), t0)
	if e != nil || !got.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("got %v, %v", got, e)
	}
	if _, e := parseExpiresIn([]byte(`"2030-01-01T12:00:00.900Z"`), t0); e == nil {
		t.Fatal("an instant within the current second is not in the future")
	}
}
