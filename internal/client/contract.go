// This file is the one place where the Platformer Console API contract is spelled out:
// every path, header name, query parameter, JSON wire struct and field name, the time
// format, the paging rules, and the decoding of the response envelope into the model
// types of models.go. Platformer publishes no API reference: the paths and envelope come
// from the Console's own requests, and most of the rest is modelled (the team's API
// notes mark each such choice), so meeting the real API must be a change to this file
// alone. Nothing else in the package may spell a path, a header name or a
// JSON field name; the tests, which check the wire independently, spell them too.

package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Paths, relative to the base URL. Identity and access live in service "auth".
const (
	serviceAuth              = "/auth" // the service's segment: a base URL never holds it
	pathPrefixAuth           = serviceAuth + "/api/v1"
	pathListOrganizations    = pathPrefixAuth + "/organization/list"
	pathCreateServiceAccount = pathPrefixAuth + "/serviceaccount/token/create"
	pathListServiceAccounts  = pathPrefixAuth + "/serviceaccount/list"
)

func pathListProjects(organizationID string) string {
	return pathPrefixAuth + "/organization/project/view/list/" + url.PathEscape(organizationID)
}

func pathServiceAccount(id string) string {
	return pathPrefixAuth + "/serviceaccount/" + url.PathEscape(id)
}

func pathRenewServiceAccountToken(id string) string {
	return pathServiceAccount(id) + "/token/renew"
}

// Header names and values.
const (
	headerAuthorization  = "Authorization" // the raw token, no "Bearer" prefix
	headerOrganizationID = "x-organization-id"
	headerProjectID      = "x-project-id"
	headerRequestID      = "X-Request-Id" // [model] the id echoed in errors and logs
	headerUserAgent      = "User-Agent"
	headerAccept         = "Accept"
	headerContentType    = "Content-Type"
	headerRetryAfter     = "Retry-After" // [model] a 429 or 503 says the request was not processed: it is sent again
	headerDate           = "Date"        // the Console's clock (RFC 9110 HTTP-date)
	mediaTypeJSON        = "application/json"
)

// sensitiveHeaders are never logged with their values (see RedactHeaders).
var sensitiveHeaders = []string{headerAuthorization, "Proxy-Authorization", "Cookie", "Set-Cookie"}

// authorizationValue is what the Authorization header carries for a token.
func authorizationValue(token string) string { return token }

// scopeHeaders are the headers that select the organization, and optionally the
// project, a call is made in.
func scopeHeaders(organizationID, projectID string) map[string]string {
	h := map[string]string{headerOrganizationID: organizationID}
	if projectID != "" {
		h[headerProjectID] = projectID
	}
	return h
}

// Paging of the service-account listing.
const (
	queryPage     = "page"
	queryPageSize = "page_size"
	firstPage     = 1   // [model] pages are numbered from 1
	maxPageSize   = 100 // page_size ≤ 100
)

func listQuery(page, pageSize int) url.Values {
	return url.Values{queryPage: {strconv.Itoa(page)}, queryPageSize: {strconv.Itoa(pageSize)}}
}

// Times are RFC 3339; the client sends UTC with whole seconds.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// ---- the envelope -------------------------------------------------------------------

// envelope is a decoded Console response: {"success": true, "data": ...} or
// {"success": false, "errors": {"message": "..."}}.
type envelope struct {
	success bool
	data    json.RawMessage // nil when absent
	message string          // set when !success
}

// parseEnvelope reports whether body is a Console envelope. Keys are matched exactly.
func parseEnvelope(body []byte) (envelope, bool) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return envelope{}, false
	}
	var success bool
	raw, ok := top["success"]
	if !ok || json.Unmarshal(raw, &success) != nil || isNull(raw) {
		return envelope{}, false
	}
	if success {
		return envelope{success: true, data: top["data"]}, true
	}
	var errs map[string]json.RawMessage
	if raw, ok := top["errors"]; !ok || json.Unmarshal(raw, &errs) != nil || errs == nil {
		return envelope{}, false
	}
	var message string
	if raw, ok := errs["message"]; !ok || json.Unmarshal(raw, &message) != nil || isNull(raw) {
		return envelope{}, false
	}
	return envelope{message: message}, true
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// errNoData: a success envelope that lacks the payload the call expects.
var errNoData = errors.New(`the success envelope has no "data"`)

// decodeData decodes a success payload into v; a missing or null payload is an error.
func decodeData(data json.RawMessage, v any) error {
	if isNull(data) {
		return errNoData
	}
	return json.Unmarshal(data, v)
}

// unknownRoutePrefix starts the message of the Console's (and the emulator's) 404 for a
// path that is no route at all, which says nothing about any object. [model]
const unknownRoutePrefix = "no such route"

func isUnknownRouteMessage(msg string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(msg)), unknownRoutePrefix)
}

// A 400's message starts with the path of the field it refuses, in the request body's
// terms: "roles[0].roles_id[1]: unknown permission code ...". [model]
var (
	roleFieldMessage       = regexp.MustCompile(`^roles\[(\d+)\]\.(collection_id|roles_id)(?:\[(\d+)\])?: (.+)$`)
	customRoleFieldMessage = regexp.MustCompile(`^custom_role_ids\[(\d+)\]: (.+)$`)
	plainFieldMessage      = regexp.MustCompile(`^(name|description|project_id|expired_in): (.+)$`)
	plainFields            = map[string]InputField{
		"name": FieldName, "description": FieldDescription, "project_id": FieldProjectID, "expired_in": FieldExpiresAt,
	}
)

// parseInvalidInput reads the field a 400's message names, in the input's terms.
func parseInvalidInput(msg string) (InvalidInput, bool) {
	msg = strings.TrimSpace(msg)
	index := func(s string) int {
		if s == "" {
			return -1
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return -1
		}
		return n
	}
	if m := roleFieldMessage.FindStringSubmatch(msg); m != nil {
		in := InvalidInput{Field: FieldRoleCodes, Role: index(m[1]), Item: index(m[3]), Problem: m[4]}
		if m[2] == "collection_id" {
			in.Field, in.Item = FieldRoleCollection, -1
		}
		return in, true
	}
	if m := customRoleFieldMessage.FindStringSubmatch(msg); m != nil {
		return InvalidInput{Field: FieldCustomRoleID, Role: -1, Item: index(m[1]), Problem: m[2]}, true
	}
	if m := plainFieldMessage.FindStringSubmatch(msg); m != nil {
		return InvalidInput{Field: plainFields[m[1]], Role: -1, Item: -1, Problem: m[2]}, true
	}
	return InvalidInput{Field: FieldOther, Role: -1, Item: -1, Problem: msg}, false
}

// ---- wire structs -------------------------------------------------------------------

type organizationWire struct {
	OrganizationID string `json:"organization_id"`
	Name           string `json:"name"`
}

type projectWire struct {
	ProjectID   string `json:"project_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type roleBindingWire struct {
	CollectionID string   `json:"collection_id"`
	RolesID      []string `json:"roles_id"`
}

type serviceAccountWire struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	OrganizationID string            `json:"organization_id"`
	ProjectID      *string           `json:"project_id"`
	Roles          []roleBindingWire `json:"roles"`
	CustomRoleIDs  []string          `json:"custom_role_ids"`
	TokenID        string            `json:"token_id"`
	TokenExpiresAt *string           `json:"token_expires_at"`
	TokenRenewedAt string            `json:"token_renewed_at"`
	CreatedAt      string            `json:"created_at"`
	UpdatedAt      string            `json:"updated_at"`
}

type issuedTokenWire struct {
	Token          *string             `json:"token"`
	ServiceAccount *serviceAccountWire `json:"service_account"`
}

type pageWire struct {
	Items    *[]serviceAccountWire `json:"items"`
	NextPage *int                  `json:"next_page"`
}

type createServiceAccountWire struct {
	Name          string            `json:"name"`
	Description   string            `json:"description"`
	ExpiredIn     *string           `json:"expired_in"` // null: the token never expires
	ProjectID     *string           `json:"project_id"` // null: organization level
	Roles         []roleBindingWire `json:"roles"`
	CustomRoleIDs []string          `json:"custom_role_ids"`
}

type updateServiceAccountWire struct {
	Name          string            `json:"name"`
	Description   string            `json:"description"`
	Roles         []roleBindingWire `json:"roles"`
	CustomRoleIDs []string          `json:"custom_role_ids"`
}

type renewTokenWire struct {
	ExpiredIn *string `json:"expired_in"`
}

// ---- requests -----------------------------------------------------------------------

func encodeCreateServiceAccount(in CreateServiceAccountInput) ([]byte, error) {
	w := createServiceAccountWire{
		Name:          in.Name,
		Description:   in.Description,
		ExpiredIn:     optionalTime(in.ExpiresAt),
		Roles:         rolesToWire(in.Roles),
		CustomRoleIDs: nonNilStrings(in.CustomRoleIDs),
	}
	if in.ProjectID != "" {
		p := in.ProjectID
		w.ProjectID = &p
	}
	return json.Marshal(w)
}

func encodeUpdateServiceAccount(in UpdateServiceAccountInput) ([]byte, error) {
	return json.Marshal(updateServiceAccountWire{
		Name:          in.Name,
		Description:   in.Description,
		Roles:         rolesToWire(in.Roles),
		CustomRoleIDs: nonNilStrings(in.CustomRoleIDs),
	})
}

func encodeRenewToken(expiresAt *time.Time) ([]byte, error) {
	return json.Marshal(renewTokenWire{ExpiredIn: optionalTime(expiresAt)})
}

func optionalTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

func rolesToWire(roles []RoleBinding) []roleBindingWire {
	out := make([]roleBindingWire, 0, len(roles))
	for _, r := range roles {
		out = append(out, roleBindingWire{CollectionID: r.CollectionID, RolesID: nonNilStrings(r.RoleIDs)})
	}
	return out
}

func nonNilStrings(s []string) []string {
	out := make([]string, 0, len(s))
	return append(out, s...)
}

// ---- responses ----------------------------------------------------------------------
// Decoding errors name fields, never values: a payload may carry a fresh token.

func decodeOrganizations(data json.RawMessage) ([]Organization, error) {
	var ws []organizationWire
	if err := decodeData(data, &ws); err != nil {
		return nil, err
	}
	out := make([]Organization, 0, len(ws))
	for i, w := range ws {
		if !IsUUID(w.OrganizationID) {
			return nil, fmt.Errorf("organization %d: organization_id is not a UUID", i)
		}
		out = append(out, Organization{ID: w.OrganizationID, Name: w.Name})
	}
	return out, nil
}

func decodeProjects(organizationID string, data json.RawMessage) ([]Project, error) {
	var ws []projectWire
	if err := decodeData(data, &ws); err != nil {
		return nil, err
	}
	out := make([]Project, 0, len(ws))
	for i, w := range ws {
		if !IsUUID(w.ProjectID) {
			return nil, fmt.Errorf("project %d: project_id is not a UUID", i)
		}
		out = append(out, Project{ID: w.ProjectID, OrganizationID: organizationID, Name: w.Name, Description: w.Description})
	}
	return out, nil
}

func decodeServiceAccount(data json.RawMessage) (*ServiceAccount, error) {
	var w serviceAccountWire
	if err := decodeData(data, &w); err != nil {
		return nil, err
	}
	sa, err := w.model()
	if err != nil {
		return nil, err
	}
	return &sa, nil
}

func decodeIssuedToken(data json.RawMessage) (*IssuedToken, error) {
	var w issuedTokenWire
	if err := decodeData(data, &w); err != nil {
		return nil, err
	}
	if w.Token == nil || *w.Token == "" {
		return nil, errors.New(`"token" is missing or empty`)
	}
	if w.ServiceAccount == nil {
		return nil, errors.New(`"service_account" is missing`)
	}
	sa, err := w.ServiceAccount.model()
	if err != nil {
		return nil, err
	}
	return &IssuedToken{Token: *w.Token, ServiceAccount: sa}, nil
}

func decodePage(data json.RawMessage) (*Page, error) {
	var w pageWire
	if err := decodeData(data, &w); err != nil {
		return nil, err
	}
	if w.Items == nil {
		return nil, errors.New(`"items" is missing`)
	}
	p := &Page{Items: make([]ServiceAccount, 0, len(*w.Items))}
	for i, item := range *w.Items {
		sa, err := item.model()
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		p.Items = append(p.Items, sa)
	}
	if w.NextPage != nil {
		if *w.NextPage < firstPage {
			return nil, errors.New(`"next_page" is not a page number`)
		}
		p.NextPage = *w.NextPage
	}
	return p, nil
}

func (w serviceAccountWire) model() (ServiceAccount, error) {
	sa := ServiceAccount{
		ID:             w.ID,
		Name:           w.Name,
		Description:    w.Description,
		OrganizationID: w.OrganizationID,
		TokenID:        w.TokenID,
		Roles:          make([]RoleBinding, 0, len(w.Roles)),
		CustomRoleIDs:  nonNilStrings(w.CustomRoleIDs),
	}
	if !IsUUID(w.ID) {
		return sa, errors.New(`service account "id" is not a UUID`)
	}
	if w.Name == "" {
		return sa, errors.New(`service account "name" is empty`)
	}
	if !IsUUID(w.OrganizationID) {
		return sa, errors.New(`service account "organization_id" is not a UUID`)
	}
	if w.ProjectID != nil {
		if !IsUUID(*w.ProjectID) {
			return sa, errors.New(`service account "project_id" is neither null nor a UUID`)
		}
		sa.ProjectID = *w.ProjectID
	}
	for i, r := range w.Roles {
		if !IsUUID(r.CollectionID) {
			return sa, fmt.Errorf(`service account "roles" entry %d: "collection_id" is not a UUID`, i)
		}
		sa.Roles = append(sa.Roles, RoleBinding{CollectionID: r.CollectionID, RoleIDs: nonNilStrings(r.RolesID)})
	}
	if w.TokenExpiresAt != nil {
		t, err := parseTime(*w.TokenExpiresAt)
		if err != nil {
			return sa, errors.New(`service account "token_expires_at" is neither null nor RFC 3339`)
		}
		sa.TokenExpiresAt = &t
	}
	for _, f := range []struct {
		name string
		in   string
		out  *time.Time
	}{
		{"token_renewed_at", w.TokenRenewedAt, &sa.TokenRenewedAt},
		{"created_at", w.CreatedAt, &sa.CreatedAt},
		{"updated_at", w.UpdatedAt, &sa.UpdatedAt},
	} {
		if f.in == "" {
			continue
		}
		t, err := parseTime(f.in)
		if err != nil {
			return sa, fmt.Errorf("service account %q is not RFC 3339", f.name)
		}
		*f.out = t
	}
	return sa, nil
}
