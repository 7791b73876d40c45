// Package catalog holds the Platformer Console's permission codes, spelled exactly as
// the Roles and Permissions guide prints them (including its "billling" spelling and
// the organization.app.edit code listed among project permissions).
package catalog

import "sort"

// Level is where a permission code applies.
type Level string

const (
	// LevelOrganization codes apply to a whole organization.
	LevelOrganization Level = "organization"
	// LevelProject codes apply to one project.
	LevelProject Level = "project"
)

var organizationCodes = []string{
	"organization.admin", "organization.editor", "organization.viewer",
	"organization.member", "organization.iam", "organization.billing.admin",
	"organization.billling.editor", "organization.billling.viewer",
	"organization.project.admin", "organization.project.create",
	"organization.project.edit", "organization.project.iam",
}

var projectCodes = func() []string {
	var codes []string
	crud := []string{"admin", "creator", "editor", "viewer"}
	for _, family := range []string{
		"rudder.app", "rudder.container", "rudder.mount", "rudder.config",
		"rudder.secret", "rudder.delivery", "rudder.env", "rudder.gateway",
	} {
		for _, v := range crud {
			codes = append(codes, family+"."+v)
		}
	}
	return append(codes,
		"cloudmanager.credentials.admin", "cloudmanager.credentials.editor",
		"cloudmanager.credentials.viewer", "rudder.env.clusterconnector.admin",
		"mizzen.admin", "mizzen.editor", "mizzen.browser", "mizzen.viewer",
		"project.app.admin", "organization.app.edit", "project.app.view",
		"project.operator.admin", "project.operator.edit", "project.operator.view",
		"project.operator.iam",
	)
}()

var levels = func() map[string]Level {
	m := make(map[string]Level, len(organizationCodes)+len(projectCodes))
	for _, c := range organizationCodes {
		m[c] = LevelOrganization
	}
	for _, c := range projectCodes {
		m[c] = LevelProject
	}
	return m
}()

// LevelOf reports the level of a known code; ok is false for a code not in the catalog.
func LevelOf(code string) (level Level, ok bool) {
	level, ok = levels[code]
	return level, ok
}

// Codes returns the known codes of a level, sorted.
func Codes(level Level) []string {
	src := organizationCodes
	if level == LevelProject {
		src = projectCodes
	}
	out := append([]string(nil), src...)
	sort.Strings(out)
	return out
}

// MaxCodesPerBinding is the most permission codes one roles entry may hold.
const MaxCodesPerBinding = 100
