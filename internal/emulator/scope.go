package emulator

import "net/http"

const (
	headerOrganization = "x-organization-id"
	headerProject      = "x-project-id"
)

// scope is what the scope headers select: an organization the caller belongs to and,
// optionally, one of its projects.
type scope struct {
	org     *organization
	project *project // nil when x-project-id is not sent
}

// scope resolves the scope headers. x-organization-id is required and must name an
// organization the caller belongs to; x-project-id, when sent, must name a project of
// that organization.
func (c *call) scope() (scope, *apiError) {
	orgValues := c.r.Header.Values(headerOrganization)
	if len(orgValues) == 0 {
		return scope{}, errorf(http.StatusBadRequest,
			"%s header required: the id (UUID) of the organization to act in", headerOrganization)
	}
	orgID, valid := parseUUID(orgValues[0])
	if len(orgValues) > 1 || !valid {
		return scope{}, errorf(http.StatusBadRequest, "%s header: must be one UUID", headerOrganization)
	}
	org := c.st.orgs[orgID]
	if org == nil || !c.caller.memberOf(orgID) {
		return scope{}, errorf(http.StatusNotFound, "organization not found")
	}
	sc := scope{org: org}
	projectValues := c.r.Header.Values(headerProject)
	if len(projectValues) == 0 {
		return sc, nil
	}
	projectID, valid := parseUUID(projectValues[0])
	if len(projectValues) > 1 || !valid {
		return scope{}, errorf(http.StatusBadRequest,
			"%s header: must be one UUID, or left out for the organization scope", headerProject)
	}
	sc.project = org.project(projectID)
	if sc.project == nil {
		return scope{}, errorf(http.StatusNotFound, "project not found in this organization")
	}
	return sc, nil
}
