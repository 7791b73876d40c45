package client

import "time"

// Organization is an organization the token's holder belongs to.
type Organization struct {
	ID   string
	Name string
}

// Project is a project of an organization.
type Project struct {
	ID             string
	OrganizationID string
	Name           string
	Description    string
}

// RoleBinding grants permission codes on one collection: the organization itself, or
// one of its projects.
type RoleBinding struct {
	CollectionID string
	RoleIDs      []string
}

// ServiceAccount is a non-human identity at the organization level (ProjectID empty)
// or at the project level.
type ServiceAccount struct {
	ID             string
	Name           string
	Description    string
	OrganizationID string
	ProjectID      string // empty for an organization-level account
	Roles          []RoleBinding
	CustomRoleIDs  []string
	TokenID        string     // changes at every renewal
	TokenExpiresAt *time.Time // nil: the token never expires
	TokenRenewedAt time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Scope selects the organization, and optionally the project, a call is made in. It is
// sent as the scope headers.
type Scope struct {
	OrganizationID string
	ProjectID      string
}

// CreateServiceAccountInput is what a new service account is made of.
type CreateServiceAccountInput struct {
	Name          string
	Description   string
	ProjectID     string     // empty: organization level
	ExpiresAt     *time.Time // nil: the token never expires
	Roles         []RoleBinding
	CustomRoleIDs []string
}

// UpdateServiceAccountInput replaces the mutable fields of a service account.
type UpdateServiceAccountInput struct {
	Name          string
	Description   string
	Roles         []RoleBinding
	CustomRoleIDs []string
}

// IssuedToken is a freshly issued service-account token. Token is the secret: the
// Console returns it once and never again.
type IssuedToken struct {
	Token          string
	ServiceAccount ServiceAccount
}

// Page is one page of a listing. NextPage is 0 when there is no further page.
type Page struct {
	Items    []ServiceAccount
	NextPage int
}
