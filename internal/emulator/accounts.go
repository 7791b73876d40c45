package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// The fields each write accepts, in the contract's order.
var (
	createFields = []string{"name", "description", "expired_in", "project_id", "roles", "custom_role_ids"}
	updateFields = []string{"name", "description", "roles", "custom_role_ids"}
	renewFields  = []string{"expired_in"}
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// accountInput is the mutable part of a service account, read from a body.
type accountInput struct {
	name, description string
	roles             []binding
	customRoleIDs     []string
}

// readAccountInput decodes and validates name, description, roles and custom_role_ids
// for an account of org at the organization level (proj nil) or in proj.
func readAccountInput(body object, org *organization, proj *project) (accountInput, *apiError) {
	var in accountInput
	name, present, e := stringField(body["name"], "name")
	if e == nil {
		e = validateName(name, present)
	}
	if e != nil {
		return in, e
	}
	description, _, e := stringField(body["description"], "description")
	if e == nil {
		e = validateDescription(description)
	}
	if e != nil {
		return in, e
	}
	roles, e := parseRoles(body["roles"])
	if e == nil {
		e = validateRoles(org, proj, roles)
	}
	if e != nil {
		return in, e
	}
	customRoleIDs, e := stringList(body["custom_role_ids"], "custom_role_ids")
	if e == nil {
		e = validateCustomRoles(org, customRoleIDs)
	}
	if e != nil {
		return in, e
	}
	return accountInput{name: name, description: description, roles: roles, customRoleIDs: customRoleIDs}, nil
}

// bodyProject reads a create body's project_id: a project of the organization, or null
// (absent) for an organization-level account.
func bodyProject(org *organization, raw json.RawMessage) (*project, *apiError) {
	const accepted = "the UUID of a project of this organization, or null for an organization-level account"
	s, present, e := stringField(raw, "project_id")
	if e != nil {
		return nil, errorf(http.StatusBadRequest, "project_id: must be %s", accepted)
	}
	if !present {
		return nil, nil
	}
	id, valid := parseUUID(s)
	if !valid {
		return nil, errorf(http.StatusBadRequest, "project_id: must be %s", accepted)
	}
	proj := org.project(id)
	if proj == nil {
		return nil, errorf(http.StatusBadRequest, "project_id: no project %s in this organization: must be %s", id, accepted)
	}
	return proj, nil
}

func conflict() *apiError {
	return errorf(http.StatusConflict,
		"name already used in this scope: another service account of the same organization or project has it")
}

// handleCreateAccount creates a service account and returns its token, the only time
// the token is ever shown.
func handleCreateAccount(c *call) (response, *apiError) {
	sc, e := c.scope()
	if e != nil {
		return response{}, e
	}
	body, e := c.bodyObject(createFields...)
	if e != nil {
		return response{}, e
	}
	proj, e := bodyProject(sc.org, body["project_id"])
	if e != nil {
		return response{}, e
	}
	if sc.project != nil && proj != sc.project {
		return response{}, errorf(http.StatusBadRequest,
			"project_id: must equal the %s header (%s) when that header is sent", headerProject, sc.project.id)
	}
	if e := c.caller.mayManage(sc.org.id, proj); e != nil {
		return response{}, e
	}
	in, e := readAccountInput(body, sc.org, proj)
	if e != nil {
		return response{}, e
	}
	expiresAt, e := parseExpiresIn(body["expired_in"], c.now)
	if e != nil {
		return response{}, e
	}
	a := &serviceAccount{
		id:            newUUID(),
		name:          in.name,
		description:   in.description,
		orgID:         sc.org.id,
		roles:         in.roles,
		customRoleIDs: in.customRoleIDs,
		createdAt:     c.stamp(),
		updatedAt:     c.stamp(),
	}
	if proj != nil {
		a.projectID = proj.id
	}
	if c.st.nameTaken(a.orgID, a.projectID, a.name, "") {
		return response{}, conflict()
	}
	token := c.st.issueToken(a, expiresAt, c.stamp())
	c.st.accounts[a.id] = a
	c.server.recordIssued(token)
	return response{status: http.StatusCreated, data: issuedTokenView{Token: token, ServiceAccount: a.view()}}, nil
}

// permit is a permission rule: mayRead or mayManage.
type permit func(p principal, orgID string, proj *project) *apiError

// scopedAccount resolves the scope headers and the account named by the path, and
// checks that the caller may act on it under the rule.
func (c *call) scopedAccount(rule permit) (scope, *serviceAccount, *project, *apiError) {
	sc, e := c.scope()
	if e != nil {
		return sc, nil, nil, e
	}
	a, proj, e := c.account(sc)
	if e != nil {
		return sc, nil, nil, e
	}
	if e := rule(c.caller, sc.org.id, proj); e != nil {
		return sc, nil, nil, e
	}
	return sc, a, proj, nil
}

// account finds the service account named by the path in the request's scope.
func (c *call) account(sc scope) (*serviceAccount, *project, *apiError) {
	id, valid := parseUUID(c.params["id"])
	a := c.st.accounts[id]
	if !valid || a == nil || a.orgID != sc.org.id || sc.project != nil && a.projectID != sc.project.id {
		return nil, nil, errorf(http.StatusNotFound, "service account not found")
	}
	var proj *project
	if a.projectID != "" {
		proj = sc.org.project(a.projectID)
	}
	return a, proj, nil
}

// handleGetAccount returns one service account; never its token.
func handleGetAccount(c *call) (response, *apiError) {
	_, a, _, e := c.scopedAccount(principal.mayRead)
	if e != nil {
		return response{}, e
	}
	return ok(a.view()), nil
}

// handleUpdateAccount replaces an account's name, description, roles and custom roles.
func handleUpdateAccount(c *call) (response, *apiError) {
	sc, a, proj, e := c.scopedAccount(principal.mayManage)
	if e != nil {
		return response{}, e
	}
	body, e := c.bodyObject(updateFields...)
	if e != nil {
		return response{}, e
	}
	in, e := readAccountInput(body, sc.org, proj)
	if e != nil {
		return response{}, e
	}
	if c.st.nameTaken(a.orgID, a.projectID, in.name, a.id) {
		return response{}, conflict()
	}
	a.name, a.description, a.roles, a.customRoleIDs = in.name, in.description, in.roles, in.customRoleIDs
	a.updatedAt = c.stamp()
	return ok(a.view()), nil
}

// handleDeleteAccount deletes an account; its token stops working at once.
func handleDeleteAccount(c *call) (response, *apiError) {
	_, a, _, e := c.scopedAccount(principal.mayManage)
	if e != nil {
		return response{}, e
	}
	delete(c.st.accounts, a.id)
	c.st.retireToken(a.tokenHash, reasonDeleted)
	return ok(nil), nil
}

// handleRenewToken issues a new token for an account; the previous one stops working
// at once.
func handleRenewToken(c *call) (response, *apiError) {
	_, a, _, e := c.scopedAccount(principal.mayManage)
	if e != nil {
		return response{}, e
	}
	body, e := c.bodyObject(renewFields...)
	if e != nil {
		return response{}, e
	}
	expiresAt, e := parseExpiresIn(body["expired_in"], c.now)
	if e != nil {
		return response{}, e
	}
	previous := a.tokenHash
	token := c.st.issueToken(a, expiresAt, c.stamp())
	c.st.retireToken(previous, reasonRenewed)
	a.updatedAt = c.stamp()
	c.server.recordIssued(token)
	return ok(issuedTokenView{Token: token, ServiceAccount: a.view()}), nil
}

// accountPage is one page of a listing.
type accountPage struct {
	Items    []accountView `json:"items"`
	NextPage *int          `json:"next_page"`
}

// handleListAccounts lists the accounts of the scope: every account of the
// organization, or only those of the x-project-id project.
func handleListAccounts(c *call) (response, *apiError) {
	sc, e := c.scope()
	if e != nil {
		return response{}, e
	}
	page, size, e := pageParams(c.r.URL.Query())
	if e != nil {
		return response{}, e
	}
	if e := c.caller.mayRead(sc.org.id, sc.project); e != nil {
		return response{}, e
	}
	var accounts []*serviceAccount
	if sc.project != nil {
		accounts = c.st.accountsOf(sc.org.id, sc.project.id, true)
	} else {
		accounts = c.st.accountsOf(sc.org.id, "", false)
	}
	out := accountPage{Items: []accountView{}}
	pages := (len(accounts) + size - 1) / size
	if page-1 < pages {
		start := (page - 1) * size
		end := min(start+size, len(accounts))
		for _, a := range accounts[start:end] {
			out.Items = append(out.Items, a.view())
		}
		if page < pages {
			next := page + 1
			out.NextPage = &next
		}
	}
	return ok(out), nil
}

// pageParams reads page (≥ 1, default 1) and page_size (1 to 100, default 20).
func pageParams(q url.Values) (page, size int, e *apiError) {
	page, size = 1, defaultPageSize
	if v, present := q["page"]; present {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || len(v) > 1 {
			return 0, 0, errorf(http.StatusBadRequest, "page: must be one integer of at least 1, got %q", v[0])
		}
		page = n
	}
	if v, present := q["page_size"]; present {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxPageSize || len(v) > 1 {
			return 0, 0, errorf(http.StatusBadRequest, "page_size: must be one integer from 1 to %d, got %q", maxPageSize, v[0])
		}
		size = n
	}
	return page, size, nil
}
