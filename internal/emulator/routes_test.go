package emulator

import (
	"net/http"
	"testing"
)

func TestRouting(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.create(t, "", "", "routed", nil).ServiceAccount.ID
	tests := []struct {
		name, method, path string
		status             int
		allow, message     string
	}{
		{"unknown route", "GET", apiPrefix + "/nothing", http.StatusNotFound, "", "no such route"},
		{"other service", "GET", "/rudder/api/v1/organization/list", http.StatusNotFound, "", "no such route"},
		{"trailing slash", "GET", apiPrefix + "/organization/list/", http.StatusNotFound, "", "no such route"},
		{"empty id", "GET", apiPrefix + "/serviceaccount//token/renew", http.StatusNotFound, "", "no such route"},
		{"post on org list", "POST", apiPrefix + "/organization/list", http.StatusMethodNotAllowed, "GET", "method POST not allowed"},
		{"get on create", "GET", apiPrefix + "/serviceaccount/token/create", http.StatusMethodNotAllowed, "POST", "allowed: POST"},
		{"put on list is the list route", "PUT", apiPrefix + "/serviceaccount/list", http.StatusMethodNotAllowed, "GET", "not allowed"},
		{"post on account", "POST", apiPrefix + "/serviceaccount/" + id, http.StatusMethodNotAllowed, "DELETE, GET, PUT", "allowed: DELETE, GET, PUT"},
		{"get on renew", "GET", apiPrefix + "/serviceaccount/" + id + "/token/renew", http.StatusMethodNotAllowed, "POST", "not allowed"},
		{"patch on account", "PATCH", apiPrefix + "/serviceaccount/" + id, http.StatusMethodNotAllowed, "DELETE, GET, PUT", "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, req{method: tt.method, path: tt.path, org: OrganizationID})
			mustRefuse(t, r, tt.status, tt.message)
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestMatchPrefersLiteralSegments(t *testing.T) {
	s := New(Options{})
	tests := map[string]string{
		apiPrefix + "/serviceaccount/list":                   apiPrefix + "/serviceaccount/list",
		apiPrefix + "/serviceaccount/abc":                    apiPrefix + "/serviceaccount/{id}",
		apiPrefix + "/serviceaccount/token/create":           apiPrefix + "/serviceaccount/token/create",
		apiPrefix + "/serviceaccount/abc/token/renew":        apiPrefix + "/serviceaccount/{id}/token/renew",
		apiPrefix + "/organization/project/view/list/x":      apiPrefix + "/organization/project/view/list/{orgId}",
		apiPrefix + "/organization/project/view/list/x/more": unmatchedRoute,
		"/": unmatchedRoute,
	}
	for path, want := range tests {
		if got := s.match(path).label(); got != want {
			t.Errorf("match(%q) = %q, want %q", path, got, want)
		}
	}
	if got := s.match(apiPrefix + "/serviceaccount/abc").params["id"]; got != "abc" {
		t.Errorf("id param %q", got)
	}
}
