package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// Who may do what with service accounts, after the guide's IAM permissions.
var (
	// manageOrgCodes, on the organization's entry, manage every service account.
	manageOrgCodes = []string{"organization.admin", "organization.iam"}
	// manageProjectOrgCodes, on the organization's entry, manage project-level accounts.
	manageProjectOrgCodes = []string{"organization.admin", "organization.iam", "organization.project.admin", "organization.project.iam"}
	// manageProjectCodes, on a project's entry, manage that project's accounts.
	manageProjectCodes = []string{"project.operator.admin", "project.operator.iam"}
	// readOrgCodes, on the organization's entry, read every service account.
	readOrgCodes = []string{"organization.admin", "organization.iam", "organization.editor", "organization.viewer"}
	// readProjectOrgCodes, on the organization's entry, read project-level accounts.
	readProjectOrgCodes = []string{"organization.admin", "organization.iam", "organization.project.admin", "organization.project.iam", "organization.editor", "organization.viewer"}
	// readProjectCodes, on a project's entry, read that project's accounts.
	readProjectCodes = []string{"project.operator.admin", "project.operator.iam", "project.operator.view"}
)

// holds reports whether the principal holds any of the codes on the collection.
func (p principal) holds(collectionID string, codes ...string) bool {
	for _, b := range p.roles {
		if b.collectionID != collectionID {
			continue
		}
		for _, have := range b.codes {
			for _, want := range codes {
				if have == want {
					return true
				}
			}
		}
	}
	return false
}

// mayManage checks that the caller may create, update, delete or renew a service
// account of the organization, at the organization level (projectID empty) or in a
// project.
func (p principal) mayManage(orgID string, proj *project) *apiError {
	if proj == nil {
		if p.holds(orgID, manageOrgCodes...) {
			return nil
		}
		return forbidden("to manage organization-level service accounts", manageOrgCodes, nil, nil)
	}
	if p.holds(orgID, manageProjectOrgCodes...) || p.holds(proj.id, manageProjectCodes...) {
		return nil
	}
	return forbidden("to manage the service accounts of this project", manageProjectOrgCodes, manageProjectCodes, proj)
}

// mayRead checks that the caller may read a service account of the organization, at
// the organization level (projectID empty) or in a project. Listing every account of
// the organization needs the organization-level read.
func (p principal) mayRead(orgID string, proj *project) *apiError {
	if proj == nil {
		if p.holds(orgID, readOrgCodes...) {
			return nil
		}
		return forbidden("to read organization-level service accounts", readOrgCodes, nil, nil)
	}
	if p.holds(orgID, readProjectOrgCodes...) || p.holds(proj.id, readProjectCodes...) {
		return nil
	}
	return forbidden("to read the service accounts of this project", readProjectOrgCodes, readProjectCodes, proj)
}

// forbidden builds the 403 naming the permissions that would have sufficed.
func forbidden(purpose string, orgCodes, projectCodes []string, proj *project) *apiError {
	if proj == nil {
		return errorf(http.StatusForbidden, "permission %s required %s", quoteOr(orgCodes), purpose)
	}
	return errorf(http.StatusForbidden,
		"permission %s on the organization, or %s on project %q (%s), required %s",
		quoteOr(orgCodes), quoteOr(projectCodes), proj.name, proj.id, purpose)
}

// quoteOr renders codes as `"a", "b" or "c"`.
func quoteOr(codes []string) string {
	quoted := make([]string, len(codes))
	for i, c := range codes {
		quoted[i] = fmt.Sprintf("%q", c)
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}
