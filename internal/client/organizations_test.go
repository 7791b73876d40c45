package client

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// checkCommonHeaders checks the headers every call carries.
func checkCommonHeaders(t *testing.T, r recorded) {
	t.Helper()
	if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != testToken {
		t.Errorf("Authorization = %q, want the raw token %q (no Bearer)", got, testToken)
	}
	if got := r.Header.Get("User-Agent"); got != testAgent {
		t.Errorf("User-Agent = %q, want %q", got, testAgent)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
}

func TestListOrganizations(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, 200, okEnv([]any{
			map[string]any{"organization_id": orgID, "name": "Acme"},
			map[string]any{"organization_id": uuidN(2), "name": "Beta", "extra": "ignored"},
		}))
	})
	c, lg := newClient(t, srv.URL)
	orgs, err := c.ListOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Organization{{ID: orgID, Name: "Acme"}, {ID: uuidN(2), Name: "Beta"}}
	if !reflect.DeepEqual(orgs, want) {
		t.Errorf("got %+v, want %+v", orgs, want)
	}
	r := rec.last(t)
	if r.Method != http.MethodGet || r.Path != "/auth/api/v1/organization/list" || r.RawQuery != "" {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.RawQuery)
	}
	checkCommonHeaders(t, r)
	if r.Header.Get("Content-Type") != "" || len(r.Body) != 0 {
		t.Errorf("a GET carries no body: Content-Type %q, body %q", r.Header.Get("Content-Type"), r.Body)
	}
	if r.Header.Get("x-organization-id") != "" {
		t.Error("listing organizations sends no scope header")
	}
	if lg.count("Console API request") != 1 || lg.count("Console API response") != 1 {
		t.Errorf("log:\n%s", lg.text())
	}
}

func TestListOrganizationsEmpty(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
	c, _ := newClient(t, srv.URL)
	orgs, err := c.ListOrganizations(context.Background())
	if err != nil || orgs == nil || len(orgs) != 0 {
		t.Errorf("got %#v, %v; want an empty, non-nil list", orgs, err)
	}
}

func TestListOrganizationsRejectsBadIDs(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, 200, okEnv([]any{map[string]any{"organization_id": "acme", "name": "Acme"}}))
	})
	c, _ := newClient(t, srv.URL)
	_, err := c.ListOrganizations(context.Background())
	var ue *UnexpectedResponseError
	if !errorsAs(err, &ue) || ue.StatusCode != http.StatusOK {
		t.Fatalf("got %v, want an UnexpectedResponseError", err)
	}
}

func TestListProjects(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, 200, okEnv([]any{
			map[string]any{"project_id": projectID, "name": "web", "description": "the web app"},
		}))
	})
	c, _ := newClient(t, srv.URL+"/") // a trailing slash is tolerated
	ps, err := c.ListProjects(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	want := []Project{{ID: projectID, OrganizationID: orgID, Name: "web", Description: "the web app"}}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("got %+v, want %+v", ps, want)
	}
	r := rec.last(t)
	if r.Method != http.MethodGet || r.Path != "/auth/api/v1/organization/project/view/list/"+orgID {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	checkCommonHeaders(t, r)
}

func TestListProjectsValidatesID(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
	c, _ := newClient(t, srv.URL)
	for _, id := range []string{"", "../organization/list", orgID + "/x", "not-a-uuid"} {
		_, err := c.ListProjects(context.Background(), id)
		if err == nil || !strings.Contains(err.Error(), "organization id") || !strings.Contains(err.Error(), "not a UUID") {
			t.Errorf("ListProjects(%q) = %v, want an error naming the id", id, err)
		}
	}
	if rec.n() != 0 {
		t.Errorf("invalid ids reached the server %d times", rec.n())
	}
}

func TestBasePathPrefix(t *testing.T) {
	srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
	c, _ := newClient(t, srv.URL+"/gateway/")
	if _, err := c.ListOrganizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).Path; got != "/gateway/auth/api/v1/organization/list" {
		t.Errorf("path %q", got)
	}
}
