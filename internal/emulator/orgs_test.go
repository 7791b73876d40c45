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
