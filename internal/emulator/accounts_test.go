package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCreateReturnsTheContractObject(t *testing.T) {
	h := newHarness(t, Options{})
	expires := t0.Add(30 * 24 * time.Hour).Format(time.RFC3339)
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: map[string]any{
		"name": "ci-deployer", "description": "deploys the shop", "expired_in": expires, "project_id": nil,
		"roles":           roles(OrganizationID, []string{"organization.viewer"}, ShopProjectID, []string{"rudder.app.admin", "project.app.view"}),
		"custom_role_ids": []string{DeployerRoleID},
	}})
	mustStatus(t, r, http.StatusCreated)

	var raw map[string]json.RawMessage
	r.data(t, &raw)
	if keys := sortedKeys(raw); !reflect.DeepEqual(keys, []string{"service_account", "token"}) {
		t.Fatalf("data keys %v", keys)
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw["service_account"], &object); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"created_at", "custom_role_ids", "description", "id", "name", "organization_id", "project_id",
		"roles", "token_expires_at", "token_id", "token_renewed_at", "updated_at"}
	if keys := sortedKeys(object); !reflect.DeepEqual(keys, wantKeys) {
		t.Fatalf("object keys %v, want %v", keys, wantKeys)
	}
	if string(object["project_id"]) != "null" {
		t.Errorf("project_id %s, want null", object["project_id"])
	}

	var got issuedJSON
	r.data(t, &got)
	a := got.ServiceAccount
	stamp := t0.Format(time.RFC3339)
	if !strings.HasPrefix(got.Token, tokenPrefix) || a.Name != "ci-deployer" || a.Description != "deploys the shop" ||
		a.OrganizationID != OrganizationID || a.TokenExpiresAt == nil || *a.TokenExpiresAt != expires ||
		a.TokenRenewedAt != stamp || a.CreatedAt != stamp || a.UpdatedAt != stamp ||
		!reflect.DeepEqual(a.CustomRoleIDs, []string{DeployerRoleID}) || len(a.Roles) != 2 ||
		a.Roles[1].CollectionID != ShopProjectID || !reflect.DeepEqual(a.Roles[1].RolesID, []string{"rudder.app.admin", "project.app.view"}) {
		t.Fatalf("created %+v", got)
	}
	if _, ok := parseUUID(a.ID); !ok {
		t.Errorf("id %q", a.ID)
	}
	if _, ok := parseUUID(a.TokenID); !ok {
		t.Errorf("token_id %q", a.TokenID)
	}
}

func TestArraysAreNeverNull(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID,
		body: map[string]any{"name": "bare", "roles": nil, "custom_role_ids": nil}})
	mustStatus(t, r, http.StatusCreated)
	for _, want := range []string{`"roles":[]`, `"custom_role_ids":[]`, `"token_expires_at":null`} {
		if !strings.Contains(string(r.raw), want) {
			t.Errorf("%s missing from %s", want, r.raw)
		}
	}
	list := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID, project: DataProjectID})
	if !strings.Contains(string(list.raw), `"items":[]`) || !strings.Contains(string(list.raw), `"next_page":null`) {
		t.Errorf("empty page %s", list.raw)
	}
}

func TestTokenIsShownOnlyOnce(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", ShopProjectID, "once", nil)
	get := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID, org: OrganizationID})
	mustStatus(t, get, http.StatusOK)
	list := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID})
	put := h.do(t, req{method: "PUT", path: apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID, org: OrganizationID, body: map[string]any{"name": "once"}})
	mustStatus(t, put, http.StatusOK)
	for _, r := range []reply{get, list, put} {
		if strings.Contains(string(r.raw), a.Token) || strings.Contains(string(r.raw), `"token"`) {
			t.Fatalf("token returned again: %s", r.raw)
		}
	}
	var got accountJSON
	get.data(t, &got)
	if got.ProjectID == nil || *got.ProjectID != ShopProjectID || got.TokenID != a.ServiceAccount.TokenID {
		t.Fatalf("get %+v", got)
	}
}

func TestUpdateReplacesEverything(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "before", roles(OrganizationID, []string{"organization.viewer"})).ServiceAccount
	h.clock.Advance(time.Minute)
	r := h.do(t, req{method: "PUT", path: apiPrefix + "/serviceaccount/" + a.ID, org: OrganizationID, body: map[string]any{
		"name": "after", "roles": roles(DataProjectID, []string{"mizzen.viewer"}), "custom_role_ids": []string{AuditorRoleID},
	}})
	mustStatus(t, r, http.StatusOK)
	var got accountJSON
	r.data(t, &got)
	if got.Name != "after" || got.Description != "" || len(got.Roles) != 1 || got.Roles[0].CollectionID != DataProjectID ||
		!reflect.DeepEqual(got.CustomRoleIDs, []string{AuditorRoleID}) || got.TokenID != a.TokenID ||
		got.CreatedAt != a.CreatedAt || got.UpdatedAt != t0.Add(time.Minute).Format(time.RFC3339) {
		t.Fatalf("updated %+v", got)
	}
}

func TestNameConflicts(t *testing.T) {
	h := newHarness(t, Options{})
	h.create(t, "", "", "taken", nil)
	h.create(t, "", ShopProjectID, "taken", nil) // another scope: allowed
	h.create(t, "", DataProjectID, "taken", nil) // another project: allowed
	other := h.create(t, "", ShopProjectID, "other", nil).ServiceAccount.ID
	orgOther := h.create(t, "", "", "org-other", nil).ServiceAccount.ID
	const msg = "name already used in this scope"
	tests := []struct {
		name string
		q    req
	}{
		{"create at org level", req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: map[string]any{"name": "taken"}}},
		{"create in project", req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID, body: map[string]any{"name": "taken", "project_id": ShopProjectID}}},
		{"rename in project", req{method: "PUT", path: apiPrefix + "/serviceaccount/" + other, org: OrganizationID, body: map[string]any{"name": "taken"}}},
		{"rename at org level", req{method: "PUT", path: apiPrefix + "/serviceaccount/" + orgOther, org: OrganizationID, body: map[string]any{"name": "taken"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mustRefuse(t, h.do(t, tt.q), http.StatusConflict, msg) })
	}
	// Keeping one's own name is no conflict.
	mustStatus(t, h.do(t, req{method: "PUT", path: apiPrefix + "/serviceaccount/" + other, org: OrganizationID, body: map[string]any{"name": "other"}}), http.StatusOK)
	if h.ServiceAccountCount() != 5 {
		t.Fatalf("%d accounts, want 5", h.ServiceAccountCount())
	}
}

func TestDeleteStopsTheToken(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "doomed", roles(OrganizationID, []string{"organization.viewer"}))
	mustStatus(t, h.orgListAs(t, a.Token), http.StatusOK)
	path := apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID
	mustStatus(t, h.do(t, req{method: "DELETE", path: path, org: OrganizationID}), http.StatusOK)
	mustRefuse(t, h.orgListAs(t, a.Token), http.StatusUnauthorized, "deleted")
	mustRefuse(t, h.do(t, req{method: "GET", path: path, org: OrganizationID}), http.StatusNotFound, "service account not found")
	mustRefuse(t, h.do(t, req{method: "DELETE", path: path, org: OrganizationID}), http.StatusNotFound, "service account not found")
	if h.ServiceAccountCount() != 0 {
		t.Fatal("account still counted")
	}
}

func TestRenewInvalidatesThePreviousTokenAtOnce(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "renewable", roles(OrganizationID, []string{"organization.viewer"}))
	h.clock.Advance(time.Hour)
	expires := t0.Add(48 * time.Hour).Format(time.RFC3339)
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID + "/token/renew", org: OrganizationID,
		body: map[string]any{"expired_in": expires}})
	mustStatus(t, r, http.StatusOK)
	var got issuedJSON
	r.data(t, &got)
	s := got.ServiceAccount
	now := t0.Add(time.Hour).Format(time.RFC3339)
	if got.Token == a.Token || s.TokenID == a.ServiceAccount.TokenID || s.TokenRenewedAt != now ||
		s.TokenExpiresAt == nil || *s.TokenExpiresAt != expires || s.CreatedAt != a.ServiceAccount.CreatedAt {
		t.Fatalf("renewed %+v", got)
	}
	mustRefuse(t, h.orgListAs(t, a.Token), http.StatusUnauthorized, "renewed")
	mustStatus(t, h.orgListAs(t, got.Token), http.StatusOK)
	if !slices.Contains(h.IssuedTokens(), got.Token) {
		t.Fatal("renewed token missing from IssuedTokens")
	}

	// Renewing to "never" clears the expiry.
	r = h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/" + s.ID + "/token/renew", org: OrganizationID, body: `{"expired_in":null}`})
	mustStatus(t, r, http.StatusOK)
	r.data(t, &got)
	if got.ServiceAccount.TokenExpiresAt != nil {
		t.Fatalf("token_expires_at %v, want null", *got.ServiceAccount.TokenExpiresAt)
	}
}

func TestPaginationAcross250Accounts(t *testing.T) {
	h := newHarness(t, Options{})
	created := map[string]bool{}
	for i := range 250 {
		if i%60 == 0 {
			h.clock.Advance(time.Second) // several created_at values, many shared
		}
		created[h.create(t, "", "", "sa-"+itoa(i), nil).ServiceAccount.ID] = true
	}
	seen := map[string]bool{}
	var order []accountJSON
	page, pages := 1, 0
	for {
		r := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list?page=" + itoa(page) + "&page_size=100", org: OrganizationID})
		mustStatus(t, r, http.StatusOK)
		var p struct {
			Items    []accountJSON `json:"items"`
			NextPage *int          `json:"next_page"`
		}
		r.data(t, &p)
		pages++
		for _, a := range p.Items {
			if seen[a.ID] {
				t.Fatalf("%s listed twice", a.ID)
			}
			seen[a.ID] = true
			order = append(order, a)
		}
		if p.NextPage == nil {
			break
		}
		if *p.NextPage != page+1 {
			t.Fatalf("next_page %d after page %d", *p.NextPage, page)
		}
		page = *p.NextPage
	}
	if pages != 3 || len(seen) != 250 || !reflect.DeepEqual(seen, created) {
		t.Fatalf("%d pages, %d accounts", pages, len(seen))
	}
	if !slices.IsSortedFunc(order, func(a, b accountJSON) int {
		return strings.Compare(a.CreatedAt+a.ID, b.CreatedAt+b.ID)
	}) {
		t.Fatal("listing not ordered by created_at, then id")
	}
	// Past the end: empty, no next page.
	r := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list?page=4&page_size=100", org: OrganizationID})
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.raw), `{"items":[],"next_page":null}`) {
		t.Fatalf("page 4: %s", r.raw)
	}
	// Default page size 20.
	r = h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID})
	var p struct {
		Items    []accountJSON `json:"items"`
		NextPage *int          `json:"next_page"`
	}
	r.data(t, &p)
	if len(p.Items) != 20 || p.NextPage == nil || *p.NextPage != 2 {
		t.Fatalf("default page: %d items, next %v", len(p.Items), p.NextPage)
	}
}

func TestPageParameters(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		query, message string
	}{
		{"page=0", "page: must be one integer of at least 1"},
		{"page=-1", "page: must be one integer of at least 1"},
		{"page=abc", "page: must be one integer of at least 1"},
		{"page=", "page: must be one integer of at least 1"},
		{"page=1&page=2", "page: must be one integer of at least 1"},
		{"page_size=0", "page_size: must be one integer from 1 to 100"},
		{"page_size=101", "page_size: must be one integer from 1 to 100"},
		{"page_size=ten", "page_size: must be one integer from 1 to 100"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list?" + tt.query, org: OrganizationID})
			mustRefuse(t, r, http.StatusBadRequest, tt.message)
		})
	}
	for _, q := range []string{"page=1&page_size=1", "page=99999999999&page_size=100", "page_size=100"} {
		v, _ := url.ParseQuery(q)
		if _, _, e := pageParams(v); e != nil {
			t.Errorf("%s: %v", q, e)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func itoa(i int) string { return strconv.Itoa(i) }
