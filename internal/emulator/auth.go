package emulator

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// principal is who is calling: a user or a service account, with the roles it holds.
type principal struct {
	orgIDs    []string // the organizations it belongs to: a service account's one, a user's one or more
	projectID string   // set for a project-level service account
	roles     []binding
}

// authenticate resolves the Authorization header values to a principal. Its refusals
// say what kind of problem the token has, never the token itself.
func authenticate(st *store, values []string, now time.Time) (principal, *apiError) {
	switch {
	case len(values) == 0 || len(values) == 1 && values[0] == "":
		return principal{}, errorf(http.StatusUnauthorized,
			"missing token: send the token, as is, in the Authorization header")
	case len(values) > 1:
		return principal{}, errorf(http.StatusUnauthorized,
			"several Authorization headers: send exactly one, holding the token")
	}
	token := values[0]
	h := hashToken(token)
	owner, live := st.tokens[h]
	if !live {
		if reason, retired := st.retired[h]; retired {
			return principal{}, errorf(http.StatusUnauthorized, "%s", reason)
		}
		if strings.HasPrefix(strings.ToLower(token), "bearer ") {
			return principal{}, errorf(http.StatusUnauthorized,
				"unknown token: send the raw token in the Authorization header, without a \"Bearer\" prefix")
		}
		return principal{}, errorf(http.StatusUnauthorized, "unknown token: this token was not issued by the Console")
	}
	if owner.userID != "" {
		u := st.users[owner.userID]
		return principal{orgIDs: u.orgIDs, roles: u.roles}, nil
	}
	a := st.accounts[owner.accountID]
	if a.tokenExpiresAt != nil && !now.Before(*a.tokenExpiresAt) {
		return principal{}, errorf(http.StatusUnauthorized,
			"token expired: renew the service account's token to get a new one")
	}
	return principal{orgIDs: []string{a.orgID}, projectID: a.projectID, roles: a.roles}, nil
}

// memberOf says whether the caller belongs to the organization.
func (p principal) memberOf(orgID string) bool { return slices.Contains(p.orgIDs, orgID) }
