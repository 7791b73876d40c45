package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func errorsAs[T error](err error, target *T) bool { return errors.As(err, target) }

func wantSA(id string) ServiceAccount {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	return ServiceAccount{
		ID:             id,
		Name:           "ci-deployer",
		Description:    "deploys from CI",
		OrganizationID: orgID,
		ProjectID:      projectID,
		Roles:          []RoleBinding{{CollectionID: projectID, RoleIDs: []string{"rudder.app.viewer", "mizzen.viewer"}}},
		CustomRoleIDs:  []string{uuidN(7)},
		TokenID:        tokenID,
		TokenExpiresAt: &exp,
		TokenRenewedAt: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
		CreatedAt:      time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC),
		UpdatedAt:      time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
	}
}

func bodyJSON(t *testing.T, r recorded) map[string]any {
	t.Helper()
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

func checkScopeHeaders(t *testing.T, r recorded, org, project string) {
	t.Helper()
	if got := r.Header.Get("x-organization-id"); got != org {
		t.Errorf("x-organization-id = %q, want %q", got, org)
	}
	if got, ok := r.Header["X-Project-Id"]; project == "" && ok {
		t.Errorf("x-project-id sent for an organization-level call: %q", got)
	}
	if got := r.Header.Get("x-project-id"); got != project {
		t.Errorf("x-project-id = %q, want %q", got, project)
	}
}

func TestCreateServiceAccountOrganizationLevel(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		sa := saJSON(saID)
		sa["project_id"] = nil
		sa["token_expires_at"] = nil
		writeJSON(w, 201, okEnv(map[string]any{"token": "new-secret-token", "service_account": sa}))
	})
	c, _ := newClient(t, srv.URL)
	got, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "ci-deployer"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Token != "new-secret-token" || got.ServiceAccount.ProjectID != "" || got.ServiceAccount.TokenExpiresAt != nil {
		t.Errorf("got %+v", got)
	}
	r := rec.last(t)
	if r.Method != http.MethodPost || r.Path != "/auth/api/v1/serviceaccount/token/create" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkCommonHeaders(t, r)
	checkScopeHeaders(t, r, orgID, "")
	want := map[string]any{
		"name": "ci-deployer", "description": "", "expired_in": nil, "project_id": nil,
		"roles": []any{}, "custom_role_ids": []any{},
	}
	if m := bodyJSON(t, r); !reflect.DeepEqual(m, want) {
		t.Errorf("body %v, want %v", m, want)
	}
}

func TestCreateServiceAccountProjectLevel(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, 201, okEnv(map[string]any{"token": "new-secret-token", "service_account": saJSON(saID)}))
	})
	c, _ := newClient(t, srv.URL)
	exp := time.Date(2030, 1, 2, 4, 4, 5, 0, time.FixedZone("CET", 3600))
	in := CreateServiceAccountInput{
		Name:          "ci-deployer",
		Description:   "deploys from CI",
		ProjectID:     projectID,
		ExpiresAt:     &exp,
		Roles:         []RoleBinding{{CollectionID: projectID}},
		CustomRoleIDs: []string{uuidN(7)},
	}
	got, err := c.CreateServiceAccount(context.Background(), orgID, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := (IssuedToken{Token: "new-secret-token", ServiceAccount: wantSA(saID)}); !reflect.DeepEqual(*got, want) {
		t.Errorf("got %+v\nwant %+v", *got, want)
	}
	r := rec.last(t)
	checkScopeHeaders(t, r, orgID, projectID)
	want := map[string]any{
		"name": "ci-deployer", "description": "deploys from CI", "expired_in": "2030-01-02T03:04:05Z",
		"project_id": projectID, "roles": []any{map[string]any{"collection_id": projectID, "roles_id": []any{}}},
		"custom_role_ids": []any{uuidN(7)},
	}
	if m := bodyJSON(t, r); !reflect.DeepEqual(m, want) {
		t.Errorf("body %v, want %v", m, want)
	}
}

func TestCreateServiceAccountNeedsToken(t *testing.T) {
	for name, data := range map[string]any{
		"no token":        map[string]any{"service_account": saJSON(saID)},
		"empty token":     map[string]any{"token": "", "service_account": saJSON(saID)},
		"no account":      map[string]any{"token": "x"},
		"bad account":     map[string]any{"token": "x", "service_account": map[string]any{"id": "nope"}},
		"data is a list":  []any{},
		"data is missing": nil,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				if data == nil {
					writeJSON(w, 201, map[string]any{"success": true})
					return
				}
				writeJSON(w, 201, okEnv(data))
			})
			c, _ := newClient(t, srv.URL)
			_, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "n"})
			var ue *UnexpectedResponseError
			if !errorsAs(err, &ue) || ue.Body != "" {
				t.Fatalf("got %v, want an UnexpectedResponseError quoting no body", err)
			}
			if !IsOutcomeUnknown(err) {
				t.Error("a 201 that cannot be decoded may have created the account: outcome unknown")
			}
		})
	}
}

func TestCreateServiceAccountValidatesIDs(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 500, errEnv("x")) })
	c, _ := newClient(t, srv.URL)
	if _, err := c.CreateServiceAccount(context.Background(), "org", CreateServiceAccountInput{}); err == nil || !strings.Contains(err.Error(), `"org"`) {
		t.Errorf("got %v", err)
	}
	if _, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{ProjectID: "p\r\nx: y"}); err == nil || !strings.Contains(err.Error(), "project id") {
		t.Errorf("got %v", err)
	}
	if rec.n() != 0 {
		t.Error("invalid ids reached the server")
	}
}

func TestGetServiceAccount(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv(saJSON(saID))) })
	c, _ := newClient(t, srv.URL)
	got, err := c.GetServiceAccount(context.Background(), Scope{OrganizationID: orgID, ProjectID: projectID}, saID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, wantSA(saID)) {
		t.Errorf("got %+v", *got)
	}
	r := rec.last(t)
	if r.Method != http.MethodGet || r.Path != "/auth/api/v1/serviceaccount/"+saID {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkCommonHeaders(t, r)
	checkScopeHeaders(t, r, orgID, projectID)
}

func TestGetServiceAccountDecoding(t *testing.T) {
	cases := map[string]struct {
		edit func(map[string]any)
		ok   bool
	}{
		"full":                     {func(map[string]any) {}, true},
		"null expiry, org level":   {func(m map[string]any) { m["token_expires_at"] = nil; m["project_id"] = nil }, true},
		"offset time":              {func(m map[string]any) { m["created_at"] = "2025-05-01T11:00:00+02:00" }, true},
		"fractional seconds":       {func(m map[string]any) { m["updated_at"] = "2025-06-01T10:00:00.123Z" }, true},
		"null roles":               {func(m map[string]any) { m["roles"] = nil; m["custom_role_ids"] = nil }, true},
		"bad id":                   {func(m map[string]any) { m["id"] = "x" }, false},
		"no name":                  {func(m map[string]any) { delete(m, "name") }, false},
		"bad organization":         {func(m map[string]any) { m["organization_id"] = 7 }, false},
		"bad project":              {func(m map[string]any) { m["project_id"] = "" }, false},
		"bad expiry":               {func(m map[string]any) { m["token_expires_at"] = "tomorrow" }, false},
		"bad created_at":           {func(m map[string]any) { m["created_at"] = "2025-05-01" }, false},
		"bad collection":           {func(m map[string]any) { m["roles"] = []any{map[string]any{"collection_id": "x"}} }, false},
		"roles is not a list":      {func(m map[string]any) { m["roles"] = "all" }, false},
		"custom roles not strings": {func(m map[string]any) { m["custom_role_ids"] = []any{1} }, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sa := saJSON(saID)
			tc.edit(sa)
			srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv(sa)) })
			c, _ := newClient(t, srv.URL)
			got, err := c.GetServiceAccount(context.Background(), Scope{OrganizationID: orgID}, saID)
			if tc.ok != (err == nil) {
				t.Fatalf("got %+v, %v", got, err)
			}
			if err == nil {
				if got.Roles == nil || got.CustomRoleIDs == nil {
					t.Error("slices are never nil")
				}
				if got.CreatedAt.Location() != time.UTC {
					t.Error("times are UTC")
				}
			}
		})
	}
}

func TestUpdateServiceAccount(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv(saJSON(saID))) })
	c, _ := newClient(t, srv.URL)
	in := UpdateServiceAccountInput{
		Name:        "renamed",
		Description: "d",
		Roles: []RoleBinding{
			{CollectionID: orgID, RoleIDs: []string{"organization.viewer"}},
			{CollectionID: projectID, RoleIDs: []string{"rudder.app.admin"}},
		},
	}
	if _, err := c.UpdateServiceAccount(context.Background(), Scope{OrganizationID: orgID}, saID, in); err != nil {
		t.Fatal(err)
	}
	r := rec.last(t)
	if r.Method != http.MethodPut || r.Path != "/auth/api/v1/serviceaccount/"+saID {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkCommonHeaders(t, r)
	checkScopeHeaders(t, r, orgID, "")
	want := map[string]any{
		"name": "renamed", "description": "d", "custom_role_ids": []any{},
		"roles": []any{
			map[string]any{"collection_id": orgID, "roles_id": []any{"organization.viewer"}},
			map[string]any{"collection_id": projectID, "roles_id": []any{"rudder.app.admin"}},
		},
	}
	if m := bodyJSON(t, r); !reflect.DeepEqual(m, want) {
		t.Errorf("body %v, want %v", m, want)
	}
}

func TestDeleteServiceAccount(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, 200, map[string]any{"success": true})
	})
	c, _ := newClient(t, srv.URL)
	if err := c.DeleteServiceAccount(context.Background(), Scope{OrganizationID: orgID, ProjectID: projectID}, saID); err != nil {
		t.Fatal(err)
	}
	r := rec.last(t)
	if r.Method != http.MethodDelete || r.Path != "/auth/api/v1/serviceaccount/"+saID || len(r.Body) != 0 {
		t.Errorf("request %s %s %q", r.Method, r.Path, r.Body)
	}
	checkCommonHeaders(t, r)
	checkScopeHeaders(t, r, orgID, projectID)
}

func TestDeleteServiceAccountNotFound(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if answerProbe(w, r) {
			return
		}
		writeJSON(w, 404, errEnv("no such service account"))
	})
	c, _ := newClient(t, srv.URL)
	err := c.DeleteServiceAccount(context.Background(), Scope{OrganizationID: orgID}, saID)
	if !IsNotFound(err) {
		t.Errorf("got %v, want not found", err)
	}
}

func TestRenewServiceAccountToken(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, 200, okEnv(map[string]any{"token": "renewed", "service_account": saJSON(saID)}))
	})
	c, _ := newClient(t, srv.URL)
	scope := Scope{OrganizationID: orgID, ProjectID: projectID}
	exp := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, tc := range []struct {
		at   *time.Time
		want any
	}{{&exp, "2031-02-03T04:05:06Z"}, {nil, nil}} {
		got, err := c.RenewServiceAccountToken(context.Background(), scope, saID, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		if got.Token != "renewed" || got.ServiceAccount.ID != saID {
			t.Errorf("got %+v", got)
		}
		r := rec.last(t)
		if r.Method != http.MethodPost || r.Path != "/auth/api/v1/serviceaccount/"+saID+"/token/renew" {
			t.Errorf("request %s %s", r.Method, r.Path)
		}
		checkCommonHeaders(t, r)
		checkScopeHeaders(t, r, orgID, projectID)
		if m := bodyJSON(t, r); !reflect.DeepEqual(m, map[string]any{"expired_in": tc.want}) {
			t.Errorf("body %v", m)
		}
	}
}

func TestServiceAccountCallsValidateIDs(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv(saJSON(saID))) })
	c, _ := newClient(t, srv.URL)
	ctx := context.Background()
	good := Scope{OrganizationID: orgID}
	calls := map[string]func() error{
		"get bad id":    func() error { _, err := c.GetServiceAccount(ctx, good, "../list"); return err },
		"get bad scope": func() error { _, err := c.GetServiceAccount(ctx, Scope{OrganizationID: "o"}, saID); return err },
		"get bad proj": func() error {
			_, err := c.GetServiceAccount(ctx, Scope{OrganizationID: orgID, ProjectID: "p"}, saID)
			return err
		},
		"update": func() error {
			_, err := c.UpdateServiceAccount(ctx, good, "x", UpdateServiceAccountInput{})
			return err
		},
		"delete":   func() error { return c.DeleteServiceAccount(ctx, good, saID+"%2F") },
		"renew":    func() error { _, err := c.RenewServiceAccountToken(ctx, good, "", nil); return err },
		"list":     func() error { _, err := c.ListServiceAccounts(ctx, Scope{}); return err },
		"page 0":   func() error { _, err := c.ListServiceAccountsPage(ctx, good, 0, 10); return err },
		"size 101": func() error { _, err := c.ListServiceAccountsPage(ctx, good, 1, 101); return err },
		"size 0":   func() error { _, err := c.ListServiceAccountsPage(ctx, good, 1, 0); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if rec.n() != 0 {
		t.Errorf("invalid input reached the server %d times", rec.n())
	}
}

// pagingServer serves total accounts, pageSize at most 100 per page.
func pagingServer(t *testing.T, total int) (*recorder, string) {
	srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
		if page < 1 || size < 1 || size > 100 {
			writeJSON(w, 400, errEnv("bad paging"))
			return
		}
		items := []any{}
		for i := (page - 1) * size; i < page*size && i < total; i++ {
			items = append(items, saJSON(uuidN(i)))
		}
		var next any
		if page*size < total {
			next = page + 1
		}
		writeJSON(w, 200, okEnv(map[string]any{"items": items, "next_page": next}))
	})
	return rec, srv.URL
}

func TestListServiceAccountsFollowsPages(t *testing.T) {
	rec, url := pagingServer(t, 250)
	c, _ := newClient(t, url)
	got, err := c.ListServiceAccounts(context.Background(), Scope{OrganizationID: orgID, ProjectID: projectID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got[0].ID != uuidN(0) || got[249].ID != uuidN(249) {
		t.Fatalf("got %d accounts", len(got))
	}
	reqs := rec.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.Method != http.MethodGet || r.Path != "/auth/api/v1/serviceaccount/list" {
			t.Errorf("request %s %s", r.Method, r.Path)
		}
		if want := "page=" + strconv.Itoa(i+1) + "&page_size=100"; r.RawQuery != want {
			t.Errorf("query %q, want %q", r.RawQuery, want)
		}
		checkCommonHeaders(t, r)
		checkScopeHeaders(t, r, orgID, projectID)
	}
}

func TestListServiceAccountsEmpty(t *testing.T) {
	_, url := pagingServer(t, 0)
	c, _ := newClient(t, url)
	got, err := c.ListServiceAccounts(context.Background(), Scope{OrganizationID: orgID})
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestListServiceAccountsPage(t *testing.T) {
	rec, url := pagingServer(t, 12)
	c, _ := newClient(t, url)
	p, err := c.ListServiceAccountsPage(context.Background(), Scope{OrganizationID: orgID}, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 5 || p.Items[0].ID != uuidN(5) || p.NextPage != 3 {
		t.Errorf("got %d items, next %d", len(p.Items), p.NextPage)
	}
	if q := rec.last(t).RawQuery; q != "page=2&page_size=5" {
		t.Errorf("query %q", q)
	}
	p, err = c.ListServiceAccountsPage(context.Background(), Scope{OrganizationID: orgID}, 3, 5)
	if err != nil || len(p.Items) != 2 || p.NextPage != 0 {
		t.Errorf("last page: %+v, %v", p, err)
	}
}

func TestListServiceAccountsRejectsBadPaging(t *testing.T) {
	for name, data := range map[string]any{
		"next page goes back": map[string]any{"items": []any{}, "next_page": 1},
		"next page is zero":   map[string]any{"items": []any{}, "next_page": 0},
		"no items":            map[string]any{"next_page": nil},
		"bad item":            map[string]any{"items": []any{map[string]any{"id": "x"}}, "next_page": nil},
	} {
		t.Run(name, func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv(data)) })
			c, _ := newClient(t, srv.URL)
			_, err := c.ListServiceAccounts(context.Background(), Scope{OrganizationID: orgID})
			var ue *UnexpectedResponseError
			if !errorsAs(err, &ue) {
				t.Fatalf("got %v", err)
			}
			if rec.n() != 1 {
				t.Errorf("%d requests", rec.n())
			}
		})
	}
}

func BenchmarkGetServiceAccount(b *testing.B) {
	body, _ := json.Marshal(okEnv(saJSON(saID)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Token: testToken})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	scope := Scope{OrganizationID: orgID}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetServiceAccount(ctx, scope, saID); err != nil {
			b.Fatal(err)
		}
	}
}
