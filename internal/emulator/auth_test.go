package emulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestUnauthorized(t *testing.T) {
	h := newHarness(t, Options{})
	orgRoles := roles(OrganizationID, []string{"organization.viewer"})

	renewed := h.create(t, "", "", "renewed", orgRoles)
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/" + renewed.ServiceAccount.ID + "/token/renew",
		org: OrganizationID, body: map[string]any{"expired_in": nil}})
	mustStatus(t, r, http.StatusOK)

	deleted := h.create(t, "", "", "deleted", orgRoles)
	mustStatus(t, h.do(t, req{method: "DELETE", path: apiPrefix + "/serviceaccount/" + deleted.ServiceAccount.ID, org: OrganizationID}), http.StatusOK)

	expiring := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID,
		body: map[string]any{"name": "expiring", "expired_in": t0.Add(time.Hour).Format(time.RFC3339), "roles": orgRoles}})
	mustStatus(t, expiring, http.StatusCreated)
	var exp issuedJSON
	expiring.data(t, &exp)
	if got := h.orgListAs(t, exp.Token); got.status != http.StatusOK {
		t.Fatalf("token before expiry: %s", got)
	}
	h.clock.Advance(time.Hour) // now == expires_at: expired

	tests := []struct {
		name    string
		q       req
		message string
	}{
		{"missing", req{noAuth: true}, "missing token"},
		{"empty", req{header: map[string]string{"Authorization": ""}, noAuth: true}, "missing token"},
		{"unknown", req{token: "pst_not-a-real-token"}, "unknown token"},
		{"bearer prefix", req{token: "Bearer " + DefaultAdminToken}, `without a "Bearer" prefix`},
		{"renewed away", req{token: renewed.Token}, "renewed"},
		{"deleted account", req{token: deleted.Token}, "deleted"},
		{"expired", req{token: exp.Token}, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/organization/list", "/serviceaccount/list"} {
				q := tt.q
				q.method, q.path, q.org = "GET", apiPrefix+path, OrganizationID
				r := h.do(t, q)
				mustRefuse(t, r, http.StatusUnauthorized, tt.message)
				for _, tok := range h.IssuedTokens() {
					if strings.Contains(string(r.raw), tok) {
						t.Fatalf("401 body echoes a token: %s", r.raw)
					}
				}
			}
		})
	}
}

func TestTokenUnknownAfterReset(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "before-reset", roles(OrganizationID, []string{"organization.viewer"}))
	h.Reset()
	mustRefuse(t, h.orgListAs(t, a.Token), http.StatusUnauthorized, "unknown token")
	mustStatus(t, h.orgListAs(t, ""), http.StatusOK)
}

func TestCustomAdminToken(t *testing.T) {
	h := newHarness(t, Options{AdminToken: "custom-admin"})
	mustStatus(t, h.orgListAs(t, "custom-admin"), http.StatusOK)
	mustRefuse(t, h.orgListAs(t, DefaultAdminToken), http.StatusUnauthorized, "unknown token")
}

func TestAuthenticatePrincipals(t *testing.T) {
	st := newSeedStore(DefaultAdminToken)
	p, e := authenticate(st, []string{DefaultAdminToken}, t0)
	if e != nil || !slices.Equal(p.orgIDs, []string{OrganizationID}) || p.projectID != "" || !p.holds(OrganizationID, "organization.admin") {
		t.Fatalf("admin principal %+v, %v", p, e)
	}
	if _, e := authenticate(st, []string{"a", "b"}, t0); e == nil || e.status != http.StatusUnauthorized {
		t.Fatalf("two Authorization headers: %v", e)
	}
}
