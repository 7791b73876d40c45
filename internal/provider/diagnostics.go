package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// addAPIError records a failed Console call as an error diagnostic whose summary names
// the class of failure and whose detail says what was being done, what the Console
// answered, and what to do about it. action reads like "create service account \"ci\"".
func addAPIError(diags *diag.Diagnostics, action string, err error) {
	summary, hint := "Platformer API Error", ""
	switch {
	case client.IsUnauthorized(err):
		summary = "Authentication Failed"
		hint = "The token was refused: it may be mistyped, expired, renewed away, or its service account deleted. " +
			"Check the provider's token (or " + envToken + ")."
	case client.IsForbidden(err):
		summary = "Permission Denied"
		hint = "The token is valid but lacks the permission named above. Grant it to the token's user or service account, " +
			"or use a token that has it."
	case client.IsNotFound(err):
		summary = "Not Found"
		hint = "Check the id and the organization (and project) it is looked up in."
	case client.IsConflict(err):
		summary = "Name Already Used"
		hint = "Names are unique within their organization or project. Choose another name, or import the existing " +
			"object with terraform import."
	case client.IsRateLimited(err):
		summary = "Rate Limited"
		hint = "The Console kept answering 429 after every retry. Lower requests_per_second, raise max_retries, or run " +
			"with a lower -parallelism."
	case client.IsOutcomeUnknown(err):
		summary = "Outcome Unknown"
		hint = "The request reached the Console but its answer was lost; the change may or may not have been made. " +
			"Run terraform plan to see the state of things."
	}
	detail := fmt.Sprintf("Could not %s: %s", action, err.Error())
	if hint != "" {
		detail += "\n\n" + hint
	}
	diags.AddError(summary, detail)
}
