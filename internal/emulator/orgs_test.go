package emulator

import (
	"net/http"
	"reflect"
	"testing"
)

func TestListOrganizations(t *testing.T) {
	h := newHarness(t, Options{})
	shopSA := h.create(t, "", ShopProjectID, "shop-sa", nil).Token
	orgSA := h.create(t, "", "", "org-sa", nil).Token
	for _, token := range []string{"", shopSA, orgSA} {
		r := h.orgListAs(t, token)
		mustStatus(t, r, http.StatusOK)
		var got []map[string]string
		r.data(t, &got)
		want := []map[string]string{{"organization_id": OrganizationID, "name": "acme"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("organizations %v, want %v", got, want)
		}
	}
}

func TestListProjects(t *testing.T) {
	h := newHarness(t, Options{})
	shopSA := h.create(t, "", ShopProjectID, "shop-sa", nil).Token
	orgSA := h.create(t, "", "", "org-sa", nil).Token
	shop := map[string]string{"project_id": ShopProjectID, "name": "shop", "description": "Online shop"}
	data := map[string]string{"project_id": DataProjectID, "name": "data", "description": "Data platform"}
	path := apiPrefix + "/organization/project/view/list/"
	tests := []struct {
		name, token, org string
		status           int
		want             []map[string]string
	}{
		{"admin sees all", "", OrganizationID, http.StatusOK, []map[string]string{shop, data}},
		{"org-level account sees all", orgSA, OrganizationID, http.StatusOK, []map[string]string{shop, data}},
		{"project-level account sees its own", shopSA, OrganizationID, http.StatusOK, []map[string]string{shop}},
		{"uppercase org id", "", "A1C3E000-0000-4000-8000-000000000001", http.StatusOK, []map[string]string{shop, data}},
		{"not a member", "", globexOrganizationID, http.StatusNotFound, nil},
		{"no such organization", "", "0f0f0f0f-0000-4000-8000-000000000000", http.StatusNotFound, nil},
		{"not a UUID", "", "acme", http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, req{method: "GET", path: path + tt.org, token: tt.token})
			if tt.status != http.StatusOK {
				mustRefuse(t, r, tt.status, "organization not found")
				return
			}
			mustStatus(t, r, tt.status)
			var got []map[string]string
			r.data(t, &got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("projects %v, want %v", got, tt.want)
			}
		})
	}
}

// A user may belong to several organizations: it lists them all, and acts in each.
func TestTwoOrganizationsUser(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.orgListAs(t, TwoOrganizationsToken)
	mustStatus(t, r, http.StatusOK)
	var got []map[string]string
	r.data(t, &got)
	want := []map[string]string{{"organization_id": OrganizationID, "name": "acme"},
		{"organization_id": InitechOrganizationID, "name": "initech"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("organizations %v, want %v", got, want)
	}
	ops := h.do(t, req{method: "GET", path: apiPrefix + "/organization/project/view/list/" + InitechOrganizationID,
		token: TwoOrganizationsToken})
	mustStatus(t, ops, http.StatusOK)
	for _, org := range []string{OrganizationID, InitechOrganizationID} {
		made := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", token: TwoOrganizationsToken,
			org: org, body: map[string]any{"name": "both"}})
		mustStatus(t, made, http.StatusCreated)
	}
	// Neither globex, nor initech for the user of acme alone.
	for _, tc := range []struct{ token, org string }{{TwoOrganizationsToken, globexOrganizationID}, {"", InitechOrganizationID}} {
		refused := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", token: tc.token, org: tc.org})
		mustRefuse(t, refused, http.StatusNotFound, "organization not found")
	}
}
