package emulator

import "net/http"

type organizationView struct {
	OrganizationID string `json:"organization_id"`
	Name           string `json:"name"`
}

type projectView struct {
	ProjectID   string `json:"project_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// handleListOrganizations lists the organizations the caller belongs to: for a user
// each of its organizations, for a service account its own.
func handleListOrganizations(c *call) (response, *apiError) {
	out := make([]organizationView, 0, len(c.caller.orgIDs))
	for _, id := range c.caller.orgIDs {
		org := c.st.orgs[id]
		out = append(out, organizationView{OrganizationID: org.id, Name: org.name})
	}
	return ok(out), nil
}

// handleListProjects lists the projects of an organization the caller belongs to: all
// of them for an organization-level caller, only its own for a project-level service
// account.
func handleListProjects(c *call) (response, *apiError) {
	orgID, valid := parseUUID(c.params["orgId"])
	org := c.st.orgs[orgID]
	if !valid || org == nil || !c.caller.memberOf(orgID) {
		return response{}, errorf(http.StatusNotFound, "organization not found")
	}
	out := []projectView{}
	for _, p := range org.projects {
		if c.caller.projectID != "" && p.id != c.caller.projectID {
			continue
		}
		out = append(out, projectView{ProjectID: p.id, Name: p.name, Description: p.description})
	}
	return ok(out), nil
}
