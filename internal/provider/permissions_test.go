package provider

import (
	"strings"
	"testing"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

func TestPermissionProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code    string
		level   catalog.Level
		want    string // substring; "" means no problem
		isError bool
	}{
		{"organization.viewer", catalog.LevelOrganization, "", false},
		{"rudder.app.admin", catalog.LevelProject, "", false},
		{"organization.app.edit", catalog.LevelProject, "", false}, // listed among project codes by the guide
		{"organization.billling.viewer", catalog.LevelOrganization, "", false},
		{"rudder.app.admin", catalog.LevelOrganization, `"rudder.app.admin" is a permission code of the project level and cannot be granted at the organization level. Accepted organization-level codes: organization.admin,`, true},
		{"organization.iam", catalog.LevelProject, `"organization.iam" is a permission code of the organization level and cannot be granted at the project level.`, true},
		{"organization.veiwer", catalog.LevelOrganization, `"organization.veiwer" is not a known organization-level permission code. Did you mean "organization.viewer"?`, false},
		{"rudder.ap.admin", catalog.LevelProject, `Did you mean "rudder.app.admin"?`, false},
		{"zzzzzzzzzzzzzzzzzzzz", catalog.LevelProject, `"zzzzzzzzzzzzzzzzzzzz" is not a known project-level permission code. The Console`, false},
	}
	for _, tc := range cases {
		msg, isError := permissionProblem(tc.code, tc.level)
		if tc.want == "" {
			if msg != "" {
				t.Errorf("%s at %s: unexpected problem %q", tc.code, tc.level, msg)
			}
			continue
		}
		if !strings.Contains(msg, tc.want) || isError != tc.isError {
			t.Errorf("%s at %s: got (%q, %v), want substring %q and error=%v", tc.code, tc.level, msg, isError, tc.want, tc.isError)
		}
	}
}
