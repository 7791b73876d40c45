package emulator

import (
	"net/http"
	"testing"
)

const (
	needOrgManage = `permission "organization.admin" or "organization.iam" required to manage organization-level service accounts`
	needOrgRead   = `permission "organization.admin", "organization.iam", "organization.editor" or "organization.viewer" required`
)

func needProjectManage(name string) string {
	return `"project.operator.admin" or "project.operator.iam" on project "` + name + `"`
}

// TestServiceAccountTokensActWithTheirOwnRoles calls the API with service-account
// tokens and checks that each may do exactly what its roles allow.
func TestServiceAccountTokensActWithTheirOwnRoles(t *testing.T) {
	h := newHarness(t, Options{})
	shopTarget := h.create(t, "", ShopProjectID, "shop-target", nil).ServiceAccount.ID
	dataTarget := h.create(t, "", DataProjectID, "data-target", nil).ServiceAccount.ID
	orgTarget := h.create(t, "", "", "org-target", nil).ServiceAccount.ID

	orgViewer := h.create(t, "", "", "org-viewer", roles(OrganizationID, []string{"organization.viewer"})).Token
	orgIAM := h.create(t, "", "", "org-iam", roles(OrganizationID, []string{"organization.iam"})).Token
	orgProjectAdmin := h.create(t, "", "", "org-project-admin", roles(OrganizationID, []string{"organization.project.admin"})).Token
	orgWithShopIAM := h.create(t, "", "", "org-shop-iam", roles(ShopProjectID, []string{"project.operator.iam"})).Token
	shopIAM := h.create(t, "", ShopProjectID, "shop-iam", roles(ShopProjectID, []string{"project.operator.iam"})).Token
	shopViewer := h.create(t, "", ShopProjectID, "shop-viewer", roles(ShopProjectID, []string{"project.operator.view"})).Token
	shopNothing := h.create(t, "", ShopProjectID, "shop-nothing", roles(ShopProjectID, []string{"rudder.app.viewer"})).Token

	create := func(token, project, name string) req {
		body := map[string]any{"name": name}
		if project != "" {
			body["project_id"] = project
		}
		return req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", token: token, org: OrganizationID, body: body}
	}
	account := func(method, token, id string) req {
		q := req{method: method, path: apiPrefix + "/serviceaccount/" + id, token: token, org: OrganizationID}
		if method == "PUT" {
			q.body = map[string]any{"name": "renamed-" + id[:8]}
		}
		return q
	}
	renew := func(token, id string) req {
		return req{method: "POST", path: apiPrefix + "/serviceaccount/" + id + "/token/renew", token: token, org: OrganizationID,
			body: map[string]any{"expired_in": nil}}
	}
	list := func(token, project string) req {
		return req{method: "GET", path: apiPrefix + "/serviceaccount/list", token: token, org: OrganizationID, project: project}
	}

	tests := []struct {
		name    string
		q       req
		status  int
		message string
	}{
		{"org viewer lists all", list(orgViewer, ""), http.StatusOK, ""},
		{"org viewer gets org account", account("GET", orgViewer, orgTarget), http.StatusOK, ""},
		{"org viewer gets project account", account("GET", orgViewer, shopTarget), http.StatusOK, ""},
		{"org viewer cannot create", create(orgViewer, "", "x1"), http.StatusForbidden, needOrgManage},
		{"org viewer cannot create in project", create(orgViewer, ShopProjectID, "x2"), http.StatusForbidden, needProjectManage("shop")},
		{"org viewer cannot update", account("PUT", orgViewer, orgTarget), http.StatusForbidden, needOrgManage},

		{"org iam creates org account", create(orgIAM, "", "x3"), http.StatusCreated, ""},
		{"org iam creates project account", create(orgIAM, DataProjectID, "x4"), http.StatusCreated, ""},

		{"org project admin creates in project", create(orgProjectAdmin, DataProjectID, "x5"), http.StatusCreated, ""},
		{"org project admin cannot create org account", create(orgProjectAdmin, "", "x6"), http.StatusForbidden, needOrgManage},
		{"org project admin cannot list org-wide", list(orgProjectAdmin, ""), http.StatusForbidden, needOrgRead},
		{"org project admin lists a project", list(orgProjectAdmin, DataProjectID), http.StatusOK, ""},
		{"org project admin cannot read org account", account("GET", orgProjectAdmin, orgTarget), http.StatusForbidden, needOrgRead},

		{"shop iam entry of org account manages shop", create(orgWithShopIAM, ShopProjectID, "x7"), http.StatusCreated, ""},
		{"shop iam entry of org account cannot manage data", create(orgWithShopIAM, DataProjectID, "x8"), http.StatusForbidden, needProjectManage("data")},

		{"project iam creates in its project", create(shopIAM, ShopProjectID, "x9"), http.StatusCreated, ""},
		{"project iam cannot create in another project", create(shopIAM, DataProjectID, "x10"), http.StatusForbidden, needProjectManage("data")},
		{"project iam cannot create org account", create(shopIAM, "", "x11"), http.StatusForbidden, needOrgManage},
		{"project iam cannot list org-wide", list(shopIAM, ""), http.StatusForbidden, needOrgRead},
		{"project iam lists its project", list(shopIAM, ShopProjectID), http.StatusOK, ""},
		{"project iam cannot list another project", list(shopIAM, DataProjectID), http.StatusForbidden, `"project.operator.view" on project "data"`},
		{"project iam gets its project's account", account("GET", shopIAM, shopTarget), http.StatusOK, ""},
		{"project iam cannot get another project's account", account("GET", shopIAM, dataTarget), http.StatusForbidden, `on project "data"`},
		{"project iam cannot update another project's account", account("PUT", shopIAM, dataTarget), http.StatusForbidden, needProjectManage("data")},
		{"project iam cannot renew another project's account", renew(shopIAM, dataTarget), http.StatusForbidden, needProjectManage("data")},
		{"project iam cannot delete an org account", account("DELETE", shopIAM, orgTarget), http.StatusForbidden, needOrgManage},
		{"project iam updates its project's account", account("PUT", shopIAM, shopTarget), http.StatusOK, ""},

		{"project viewer lists its project", list(shopViewer, ShopProjectID), http.StatusOK, ""},
		{"project viewer gets its project's account", account("GET", shopViewer, shopTarget), http.StatusOK, ""},
		{"project viewer cannot create", create(shopViewer, ShopProjectID, "x12"), http.StatusForbidden, needProjectManage("shop")},
		{"project viewer cannot delete", account("DELETE", shopViewer, shopTarget), http.StatusForbidden, needProjectManage("shop")},

		{"unrelated codes read nothing", account("GET", shopNothing, shopTarget), http.StatusForbidden, `"project.operator.view" on project "shop"`},
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

func TestRefusedWritesChangeNothing(t *testing.T) {
	h := newHarness(t, Options{})
	viewer := h.create(t, "", "", "viewer", roles(OrganizationID, []string{"organization.viewer"}))
	before := h.ServiceAccountCount()
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", token: viewer.Token, org: OrganizationID, body: map[string]any{"name": "nope"}})
	mustStatus(t, r, http.StatusForbidden)
	if h.ServiceAccountCount() != before {
		t.Fatal("a refused create changed the store")
	}
}

func TestServiceAccountRenewsItsOwnToken(t *testing.T) {
	h := newHarness(t, Options{})
	self := h.create(t, "", "", "self", roles(OrganizationID, []string{"organization.iam"}))
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/" + self.ServiceAccount.ID + "/token/renew",
		token: self.Token, org: OrganizationID, body: map[string]any{"expired_in": nil}})
	mustStatus(t, r, http.StatusOK)
	var renewed issuedJSON
	r.data(t, &renewed)
	mustRefuse(t, h.orgListAs(t, self.Token), http.StatusUnauthorized, "renewed")
	mustStatus(t, h.orgListAs(t, renewed.Token), http.StatusOK)
}

func TestQuoteOr(t *testing.T) {
	tests := map[string][]string{
		`"a"`:             {"a"},
		`"a" or "b"`:      {"a", "b"},
		`"a", "b" or "c"`: {"a", "b", "c"},
	}
	for want, in := range tests {
		if got := quoteOr(in); got != want {
			t.Errorf("quoteOr(%v) = %s, want %s", in, got, want)
		}
	}
}
