package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// When a create finds its name taken, the account holding it is most often one that an
// earlier apply created and never recorded: terraform was killed (a CI timeout, an OOM)
// after the Console had carried out the create. The provider does not adopt it — an
// account of the same name may belong to someone else — but says which account it is,
// how old it is, and how to import it.

// importAddressPlaceholder stands for the resource's address in the import steps:
// Terraform does not tell a provider the address of the resource it works on. Terraform
// prints the address on the "with" line of the error.
const importAddressPlaceholder = "platformer_service_account.<name>"

// recentCreationWindow is how old, on the Console's clock, an account whose name is
// taken may be to count as left behind by an interrupted apply.
const recentCreationWindow = 15 * time.Minute

// importInstructions says how to import service account id of organization orgID into
// the resource at hand: an import block and the terraform import command. Every message
// that tells the user to import an account uses it.
func importInstructions(orgID, id string) string {
	importID := orgID + "/" + id
	return fmt.Sprintf("If it is this resource's account, import it and apply again. Add this block to the "+
		"configuration, with %[1]s replaced by this resource's address (Terraform prints it on the \"with\" line of "+
		"this message; the provider is not told it):\n\n"+
		"  import {\n"+
		"    to = %[1]s\n"+
		"    id = %[2]q\n"+
		"  }\n\n"+
		"or run, with the same replacement:\n\n"+
		"  terraform import '%[1]s' %[2]s",
		importAddressPlaceholder, importID)
}

// addNameTakenError reports a create refused because the name is taken (createErr, a
// 409). It looks the account holding the name up in the scope, and names it, says how
// long ago it was created on the Console's clock (now), and how to import it. When the
// lookup fails or finds nothing, the Console's answer is reported as any other.
func addNameTakenError(ctx context.Context, api *client.Client, now time.Time, plan *serviceAccountModel, createErr error,
	diags *diag.Diagnostics) {
	name := plan.Name.ValueString()
	scope := plan.scope()
	action := fmt.Sprintf("create service account %q", name)
	accounts, err := api.ListServiceAccounts(ctx, scope)
	if err != nil {
		addAPIError(diags, action+" (listing its scope to name the account that holds the name failed too: "+
			err.Error()+")", createErr)
		return
	}
	var existing *client.ServiceAccount
	for i := range accounts {
		if accounts[i].Name == name && strings.EqualFold(accounts[i].ProjectID, scope.ProjectID) {
			existing = &accounts[i]
			break
		}
	}
	if existing == nil {
		addAPIError(diags, action, createErr)
		return
	}
	where := "organization " + existing.OrganizationID
	if existing.ProjectID != "" {
		where = fmt.Sprintf("project %s of organization %s", existing.ProjectID, existing.OrganizationID)
	}
	age := now.Sub(existing.CreatedAt)
	var b strings.Builder
	fmt.Fprintf(&b, "Could not %s: %s\n\n", action, nameTakenProblem(name, createErr))
	fmt.Fprintf(&b, "A service account named %q already exists in %s: id %s, created %s, %s by the Console's clock. ",
		name, where, existing.ID, existing.CreatedAt.UTC().Format(time.RFC3339), describeAge(age))
	window := describeWindow(recentCreationWindow)
	if age < recentCreationWindow {
		fmt.Fprintf(&b, "It was created less than %s ago, and is not in this configuration's state: the sign of "+
			"an earlier apply that was interrupted (killed, or timed out) after the Console created the account and "+
			"before Terraform recorded it. ", window)
	} else {
		fmt.Fprintf(&b, "It was created %s ago or more, so it was probably not left behind by an interrupted "+
			"apply: it may belong to another configuration, or to someone else. ", window)
	}
	b.WriteString("It is not adopted automatically, because an account of the same name may belong to someone else.\n\n")
	b.WriteString(importInstructions(existing.OrganizationID, existing.ID))
	fmt.Fprintf(&b, "\n\nOtherwise, set name to one that no other service account of %s has, or delete the "+
		"existing account.", where)
	diags.AddAttributeError(path.Root("name"), "Name Already Used", b.String())
}

// nameTakenProblem says, in the configuration's terms, what the Console's 409 to a
// create means, with its status and request id, not its API path.
func nameTakenProblem(name string, createErr error) string {
	answer := "409 Conflict"
	var ae *client.APIError
	if errors.As(createErr, &ae) && ae.RequestID != "" {
		answer += ", request id " + ae.RequestID
	}
	return fmt.Sprintf("name: %q is already used by another service account of the same scope (the Console answered "+
		"%s). Names are unique among the organization-level service accounts of an organization, and among the "+
		"service accounts of a project.", name, answer)
}

// describeAge reads like "42s ago", "3m10s ago" or "12 days ago".
func describeAge(age time.Duration) string {
	switch {
	case age < time.Second:
		return "just now"
	case age < 48*time.Hour:
		return age.Round(time.Second).String() + " ago"
	default:
		return fmt.Sprintf("%d days ago", int(age/(24*time.Hour)))
	}
}

// describeWindow reads like "15 minutes".
func describeWindow(d time.Duration) string {
	if d%time.Minute == 0 && d >= 2*time.Minute {
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
