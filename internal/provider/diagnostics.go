package provider

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

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
		hint = "The Console kept answering 429 for as long as the provider retries a rate-limited request, slowing " +
			"down each time; nothing was changed by the refused request. Run again later, or with a lower " +
			"-parallelism or requests_per_second if something else shares the Console's limit."
	case client.IsOutcomeUnknown(err):
		summary = "Outcome Unknown"
		hint = "The request reached the Console but its answer was lost; the change may or may not have been made. " +
			"Run terraform plan to see the state of things."
	case client.IsTimeout(err):
		summary = "Console Did Not Answer in Time"
	case client.IsRedirectRefused(err):
		summary = "Redirect Refused"
	}
	detail := fmt.Sprintf("Could not %s: %s", action, err.Error())
	if hint != "" {
		detail += "\n\n" + hint
	}
	diags.AddError(summary, clip(detail))
}

// accountRequest is what a create or an update of a service account sent: enough to
// find the attribute behind a field the Console refused.
type accountRequest struct {
	// values are, for the fields that hold one value, the attribute each came from and how
	// to say it. A field missing here was not the configuration's (the description of a
	// temporary account): its refusal is reported in the Console's words.
	values        map[client.InputField]refusedValue
	roles         []client.RoleBinding
	customRoleIDs []string
	own           string // the collection that permissions are granted on
}

// refusedValue is the attribute behind a field of a request, and its value in words.
type refusedValue struct {
	at   path.Path
	what string
}

func (m *serviceAccountModel) request() accountRequest {
	projectID := m.ProjectID.Lower()
	return accountRequest{
		values: map[client.InputField]refusedValue{
			client.FieldName:        {path.Root("name"), fmt.Sprintf("name %q", m.Name.ValueString())},
			client.FieldDescription: {path.Root("description"), "description"},
			client.FieldProjectID:   {path.Root("project_id"), fmt.Sprintf("project_id %q", projectID)},
		},
		roles: m.roles(), customRoleIDs: lowerUUIDs(m.CustomRoleIDs), own: m.ownCollection(),
	}
}

// addAccountAPIError is addAPIError for the create or update of a service account: when
// the Console refuses a field of the request, the error names the Terraform attribute
// and the value it came from, not the field of the Console's API.
func addAccountAPIError(diags *diag.Diagnostics, action string, err error, req accountRequest) {
	in, ok := client.InvalidInputOf(err)
	var at path.Path
	var what string
	if ok {
		at, what, ok = req.refused(in)
	}
	if !ok {
		addAPIError(diags, action, err)
		return
	}
	detail := fmt.Sprintf("Could not %s: the Console refused %s: %s.", action, what, strings.TrimSuffix(in.Problem, "."))
	if in.RequestID != "" {
		detail += " (Request id " + in.RequestID + ".)"
	}
	diags.AddAttributeError(at, "Value Refused by the Console", detail)
}

// refused names the attribute, and the value, behind the part of the request refused.
func (r accountRequest) refused(in client.InvalidInput) (at path.Path, what string, ok bool) {
	switch in.Field {
	case client.FieldCustomRoleID:
		if in.Item >= 0 && in.Item < len(r.customRoleIDs) {
			return path.Root("custom_role_ids"), fmt.Sprintf("%q in custom_role_ids", r.customRoleIDs[in.Item]), true
		}
	case client.FieldRoleCollection, client.FieldRoleCodes:
		return r.refusedRole(in)
	default:
		if v, found := r.values[in.Field]; found {
			return v.at, v.what, true
		}
	}
	return path.Empty(), "", false
}

// refusedRole names the attribute, and the value, behind a refused role binding:
// permissions for the account's own collection, project_permissions for another.
func (r accountRequest) refusedRole(in client.InvalidInput) (at path.Path, what string, ok bool) {
	if in.Role < 0 || in.Role >= len(r.roles) {
		return path.Empty(), "", false
	}
	role := r.roles[in.Role]
	at = path.Root("permissions")
	if role.CollectionID != r.own {
		at = path.Root("project_permissions").AtMapKey(role.CollectionID)
	}
	switch {
	case in.Field == client.FieldRoleCollection && role.CollectionID == r.own:
		return path.Empty(), "", false // the account's own organization or project: not an attribute's value
	case in.Field == client.FieldRoleCollection:
		return path.Root("project_permissions"), fmt.Sprintf("the project id %q, a key of project_permissions",
			role.CollectionID), true
	case in.Item >= 0 && in.Item < len(role.RoleIDs):
		return at, fmt.Sprintf("%q in %s", role.RoleIDs[in.Item], at), true
	case in.Item < 0:
		return at, at.String(), true
	}
	return path.Empty(), "", false
}

// currentTokenFate says, for the warning of a renewal that the configuration did not ask
// for, what becomes of the account's current token: when state holds none (renewed
// elsewhere, imported, a lost answer), the one the Console knows, held elsewhere or by
// nobody, stops working at the renewal; otherwise it has already expired, or it stops
// working at the renewal.
func currentTokenFate(state *serviceAccountTokenModel, now time.Time) string {
	expiry, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString())
	switch {
	case state.Token.IsNull():
		return "The account's current token, which is not in state (whoever holds it), stops working when this " +
			"apply renews it; the new one is stored in state."
	case err == nil && !now.Before(expiry):
		return "The current token has already stopped working, since it expired; the new one is stored in state."
	}
	return "The current token stops working when this apply renews it; the new one is stored in state."
}

// maxMessage is the longest diagnostic detail a person is asked to read.
const maxMessage = 600

// clip shortens a detail built from parts of unknown length (an error of the Console, a
// reason recorded earlier) to maxMessage characters, ending it with "…" when cut.
func clip(detail string) string {
	r := []rune(detail)
	if len(r) <= maxMessage {
		return detail
	}
	return string(r[:maxMessage-1]) + "…"
}

// upperFirst is s with its first letter in upper case: a reason recorded in lower case
// (it also ends sentences) that begins one.
func upperFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
