package emulator

import (
	"slices"
	"strings"
	"time"
)

// store is the Console's state. It is not safe for concurrent use: the Server guards
// it with one mutex.
type store struct {
	orgs     map[string]*organization
	users    map[string]*user
	accounts map[string]*serviceAccount
	// tokens maps the SHA-256 of every live token to its holder.
	tokens map[tokenHash]tokenOwner
	// retired maps the SHA-256 of every token that stopped working to the reason, so
	// that a 401 can say, in general terms, why.
	retired map[tokenHash]string
}

type organization struct {
	id, name    string
	projects    []*project
	customRoles map[string]string // id → name
}

type project struct {
	id, name, description string
}

// user is a human member of one organization or more.
type user struct {
	id     string
	orgIDs []string
	roles  []binding
}

// binding grants permission codes on one collection: an organization or a project.
type binding struct {
	collectionID string
	codes        []string
}

type tokenOwner struct {
	userID    string // set for a user's token
	accountID string // set for a service account's token
}

type serviceAccount struct {
	id, name, description string
	orgID                 string
	projectID             string // empty for an organization-level account
	roles                 []binding
	customRoleIDs         []string
	tokenID               string
	tokenHash             tokenHash
	tokenExpiresAt        *time.Time // nil: never expires
	tokenRenewedAt        time.Time
	createdAt, updatedAt  time.Time
}

const (
	reasonRenewed = "token is no longer valid: it was replaced when the service account's token was renewed"
	reasonDeleted = "token is no longer valid: its service account was deleted"
)

func newStore() *store {
	return &store{
		orgs:     map[string]*organization{},
		users:    map[string]*user{},
		accounts: map[string]*serviceAccount{},
		tokens:   map[tokenHash]tokenOwner{},
		retired:  map[tokenHash]string{},
	}
}

func (st *store) addOrganization(o *organization) { st.orgs[o.id] = o }

// project returns the project of org with the given id, or nil.
func (o *organization) project(id string) *project {
	for _, p := range o.projects {
		if p.id == id {
			return p
		}
	}
	return nil
}

// accountsOf returns the accounts of an organization, optionally only those of one
// project, in the stable listing order: created_at, then id.
func (st *store) accountsOf(orgID, projectID string, onlyProject bool) []*serviceAccount {
	var out []*serviceAccount
	for _, a := range st.accounts {
		if a.orgID != orgID || onlyProject && a.projectID != projectID {
			continue
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *serviceAccount) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// nameTaken reports whether another account (not exceptID) of the same level and
// scope already has the name.
func (st *store) nameTaken(orgID, projectID, name, exceptID string) bool {
	for _, a := range st.accounts {
		if a.id != exceptID && a.orgID == orgID && a.projectID == projectID && a.name == name {
			return true
		}
	}
	return false
}

// issueToken gives the account a fresh token and token id, registers the token's hash
// and returns the token. The caller retires the previous token, if any.
func (st *store) issueToken(a *serviceAccount, expiresAt *time.Time, now time.Time) string {
	token := newToken()
	a.tokenHash = hashToken(token)
	a.tokenID = newUUID()
	a.tokenExpiresAt = expiresAt
	a.tokenRenewedAt = now
	st.tokens[a.tokenHash] = tokenOwner{accountID: a.id}
	return token
}

// retireToken makes a token stop working at once, remembering why.
func (st *store) retireToken(h tokenHash, reason string) {
	delete(st.tokens, h)
	st.retired[h] = reason
}

// accountView is the contract's service-account object.
type accountView struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Description    string        `json:"description"`
	OrganizationID string        `json:"organization_id"`
	ProjectID      *string       `json:"project_id"`
	Roles          []bindingView `json:"roles"`
	CustomRoleIDs  []string      `json:"custom_role_ids"`
	TokenID        string        `json:"token_id"`
	TokenExpiresAt *string       `json:"token_expires_at"`
	TokenRenewedAt string        `json:"token_renewed_at"`
	CreatedAt      string        `json:"created_at"`
	UpdatedAt      string        `json:"updated_at"`
}

type bindingView struct {
	CollectionID string   `json:"collection_id"`
	RolesID      []string `json:"roles_id"`
}

// issuedTokenView is the payload of create and renew: the only times a token is shown.
type issuedTokenView struct {
	Token          string      `json:"token"`
	ServiceAccount accountView `json:"service_account"`
}

func (a *serviceAccount) view() accountView {
	v := accountView{
		ID:             a.id,
		Name:           a.name,
		Description:    a.description,
		OrganizationID: a.orgID,
		Roles:          make([]bindingView, 0, len(a.roles)),
		CustomRoleIDs:  append(make([]string, 0, len(a.customRoleIDs)), a.customRoleIDs...),
		TokenID:        a.tokenID,
		TokenRenewedAt: formatTime(a.tokenRenewedAt),
		CreatedAt:      formatTime(a.createdAt),
		UpdatedAt:      formatTime(a.updatedAt),
	}
	if a.projectID != "" {
		p := a.projectID
		v.ProjectID = &p
	}
	if a.tokenExpiresAt != nil {
		e := formatTime(*a.tokenExpiresAt)
		v.TokenExpiresAt = &e
	}
	for _, b := range a.roles {
		v.Roles = append(v.Roles, bindingView{
			CollectionID: b.collectionID,
			RolesID:      append(make([]string, 0, len(b.codes)), b.codes...),
		})
	}
	return v
}
