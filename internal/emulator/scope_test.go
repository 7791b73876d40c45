package emulator

import (
	"net/http"
	"testing"
)

func TestScopeHeaders(t *testing.T) {
	h := newHarness(t, Options{})
	shopAccount := h.create(t, "", ShopProjectID, "in-shop", nil).ServiceAccount.ID
	orgAccount := h.create(t, "", "", "in-org", nil).ServiceAccount.ID
	const unknownID = "0f0f0f0f-0000-4000-8000-000000000000"
	get := func(id, org, project string) req {
		return req{method: "GET", path: apiPrefix + "/serviceaccount/" + id, org: org, project: project}
	}

	tests := []struct {
		name    string
		q       req
		status  int
		message string
	}{
		{"org header missing", req{method: "GET", path: apiPrefix + "/serviceaccount/list"}, http.StatusBadRequest, "x-organization-id header required"},
		{"org header not a UUID", req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: "acme"}, http.StatusBadRequest, "x-organization-id header: must be one UUID"},
		{"org header empty", req{method: "GET", path: apiPrefix + "/serviceaccount/list", header: map[string]string{"x-organization-id": ""}}, http.StatusBadRequest, "x-organization-id header: must be one UUID"},
		{"org does not exist", req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: unknownID}, http.StatusNotFound, "organization not found"},
		{"caller not a member", req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: globexOrganizationID}, http.StatusNotFound, "organization not found"},
		{"project header not a UUID", req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID, project: "shop"}, http.StatusBadRequest, "x-project-id header: must be one UUID"},
		{"project of another org", req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID, project: globexProjectID}, http.StatusNotFound, "project not found"},
		{"project does not exist", req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID, project: unknownID}, http.StatusNotFound, "project not found"},
		{"create needs org header", req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", body: map[string]any{"name": "n"}}, http.StatusBadRequest, "x-organization-id header required"},
		{"create in another org", req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: globexOrganizationID, body: map[string]any{"name": "n"}}, http.StatusNotFound, "organization not found"},

		{"get unknown id", get(unknownID, OrganizationID, ""), http.StatusNotFound, "service account not found"},
		{"get non-UUID id", get("not-a-uuid", OrganizationID, ""), http.StatusNotFound, "service account not found"},
		{"get project account in org scope", get(shopAccount, OrganizationID, ""), http.StatusOK, ""},
		{"get project account in its project", get(shopAccount, OrganizationID, ShopProjectID), http.StatusOK, ""},
		{"get project account in another project", get(shopAccount, OrganizationID, DataProjectID), http.StatusNotFound, "service account not found"},
		{"get org account in a project scope", get(orgAccount, OrganizationID, ShopProjectID), http.StatusNotFound, "service account not found"},
		{"update in another project", req{method: "PUT", path: apiPrefix + "/serviceaccount/" + shopAccount, org: OrganizationID, project: DataProjectID, body: map[string]any{"name": "x"}}, http.StatusNotFound, "service account not found"},
		{"delete in another project", req{method: "DELETE", path: apiPrefix + "/serviceaccount/" + shopAccount, org: OrganizationID, project: DataProjectID}, http.StatusNotFound, "service account not found"},
		{"renew in another project", req{method: "POST", path: apiPrefix + "/serviceaccount/" + shopAccount + "/token/renew", org: OrganizationID, project: DataProjectID, body: map[string]any{"expired_in": nil}}, http.StatusNotFound, "service account not found"},

		{"create: header without body project", req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, project: ShopProjectID, body: map[string]any{"name": "n"}}, http.StatusBadRequest, "project_id: must equal the x-project-id header"},
		{"create: header and other body project", req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, project: ShopProjectID, body: map[string]any{"name": "n", "project_id": DataProjectID}}, http.StatusBadRequest, "project_id: must equal the x-project-id header"},
		{"create: header equal to body project", req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, project: ShopProjectID, body: map[string]any{"name": "n", "project_id": ShopProjectID}}, http.StatusCreated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, tt.q)
			if tt.message == "" {
				mustStatus(t, r, tt.status)
				return
			}
			mustRefuse(t, r, tt.status, tt.message)
		})
	}
}

func TestListScopes(t *testing.T) {
	h := newHarness(t, Options{})
	h.create(t, "", "", "org-a", nil)
	h.create(t, "", ShopProjectID, "shop-a", nil)
	h.create(t, "", ShopProjectID, "shop-b", nil)
	h.create(t, "", DataProjectID, "data-a", nil)
	tests := []struct {
		project string
		want    int
	}{{"", 4}, {ShopProjectID, 2}, {DataProjectID, 1}}
	for _, tt := range tests {
		r := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID, project: tt.project})
		mustStatus(t, r, http.StatusOK)
		var page struct{ Items []accountJSON }
		r.data(t, &page)
		if len(page.Items) != tt.want {
			t.Errorf("project %q: %d items, want %d", tt.project, len(page.Items), tt.want)
		}
		for _, a := range page.Items {
			if tt.project != "" && (a.ProjectID == nil || *a.ProjectID != tt.project) {
				t.Errorf("project %q: listed %s of project %v", tt.project, a.Name, a.ProjectID)
			}
		}
	}
}
