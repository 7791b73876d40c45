package provider

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

// permissionProblem says what is wrong with a permission code used at a level.
// isError is false for a code the catalog does not know: the real Console may know
// codes we don't, so that is a warning and the API's answer is final.
// permissionsGuideURL is the generated page that lists every permission code by level.
const permissionsGuideURL = "https://registry.terraform.io/providers/platformercloud/platformer/latest/docs/guides/permissions"

func permissionProblem(code string, want catalog.Level) (msg string, isError bool) {
	level, known := catalog.LevelOf(code)
	if !known {
		msg = fmt.Sprintf("%q is not a known %s-level permission code.", code, want)
		if s := closestCode(code, want); s != "" {
			msg += fmt.Sprintf(" Did you mean %q?", s)
		}
		return msg + " The Console will reject it if it does not know it either. Every known code, by level: " +
			permissionsGuideURL + ".", false
	}
	if level != want {
		return fmt.Sprintf("%q is a permission code of the %s level and cannot be granted at the %s level. "+
			"Accepted %s-level codes: %s.", code, level, want, want, strings.Join(catalog.Codes(want), ", ")), true
	}
	return "", false
}

// closestCode returns the known code of a level nearest to code, if one is near.
func closestCode(code string, level catalog.Level) string {
	best, bestDist := "", len(code)/2+2
	codes := catalog.Codes(level)
	sort.Strings(codes)
	for _, c := range codes {
		if d := levenshtein.Distance(code, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// warnUnknownPermissions adds the warnings of validateAccountPermissions (a code the
// catalog does not know) and none of its errors. The account's ModifyPlan calls it,
// and ValidateConfig reports only the errors: Terraform validates a resource in every
// graph walk (twice in a plan, three times in an apply), so a warning added there was
// printed two or three times for one typo. A plan runs ModifyPlan once per resource.
func warnUnknownPermissions(m *serviceAccountModel, diags *diag.Diagnostics) {
	var all diag.Diagnostics
	validateAccountPermissions(m, &all)
	diags.Append(all.Warnings()...)
}
