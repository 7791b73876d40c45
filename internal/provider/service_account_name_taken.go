package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

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
// the resource at hand: an import block. Every message that tells the user to import an
// account uses it.
func importInstructions(orgID, id string) string {
	return fmt.Sprintf("import it (to = this resource's address, on the \"with\" line) and apply again:\n\n"+
		"  import {\n"+
		"    to = %[1]s\n"+
		"    id = %[2]q\n"+
		"  }", importAddressPlaceholder, orgID+"/"+id)
}

// addNameTakenError reports a create refused because the name is taken (createErr, a
// 409). It looks the account holding the name up in the scope, and names it, says how
// long ago it was created on the Console's clock (now), and whether this configuration's
// state holds it: known when another resource planned it in this walk
// (claimedInWalk); otherwise the message says how to find out, and how to import it.
// When the lookup fails or finds nothing, the Console's answer is reported as any other.
func (d *providerData) addNameTakenError(ctx context.Context, api *client.Client, now time.Time, plan *serviceAccountModel,
	createErr error, diags *diag.Diagnostics) {
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
	where := scopeText(existing.OrganizationID, existing.ProjectID)
	detail := fmt.Sprintf("The name %q is taken: account %s of %s has it, created %s. ", name, existing.ID, where,
		describeAge(now.Sub(existing.CreatedAt)))
	if d.claimedInWalk(existing.ID) {
		detail += fmt.Sprintf("It is in this configuration's state under another address (terraform state list "+
			"-id=%s prints it). If that resource renames it in this apply, apply again once it has; otherwise set "+
			"name to another. Do not import it here: two resources would manage one account.", existing.ID)
	} else {
		detail += consoleOnlyAdvice(existing, now.Sub(existing.CreatedAt))
	}
	diags.AddAttributeError(path.Root("name"), "Name Already Used", detail)
}

// consoleOnlyAdvice is the rest of Name Already Used for an account that no resource
// of this run planned: it is in the Console, and in this configuration's state only if
// a resource that this apply does not change holds it, which the provider cannot see.
func consoleOnlyAdvice(existing *client.ServiceAccount, age time.Duration) string {
	window := describeWindow(recentCreationWindow)
	why := fmt.Sprintf("%s old or more, it is probably someone else's. ", upperFirst(window))
	if age < recentCreationWindow {
		why = fmt.Sprintf("Under %s old, it is likely from an interrupted apply. ", window)
	}
	return why + fmt.Sprintf("If terraform state list -id=%s prints an address, or the account is someone else's, "+
		"set name to another. Otherwise %s", existing.ID, importInstructions(existing.OrganizationID, existing.ID))
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

// ---- one name per scope, at plan time -------------------------------------------------

// The Console keeps service account names unique in their scope (an organization's
// organization-level accounts, or one project's accounts), so two
// platformer_service_account resources of one configuration that would hold the same
// name in one scope cannot both be applied: the second create fails with Name Already
// Used. Each resource claims its planned name from ModifyPlan in the registry of one
// manager per object (token_managers.go, managerClaims), under nameKey, and a second
// claim is refused at plan time, naming the name, the scope and what each of the two
// does with it.
//
// Terraform never tells a provider a resource's address, so the error names this
// resource through Terraform's "with" line, and the other one by what identifies it:
// the account id it has in state (terraform state list -id=<id> prints its address), or
// the name its block would create.
//
// Every instance claims once per walk: a plan with prior state claims its planned name
// with its account id (Prior), unless the provider itself plans a replacement (the
// create half claims instead); a create claims with no id. A replacement that the
// provider does not see (terraform apply -replace, replace_triggered_by) is planned
// twice, first with prior state, then as a create; the first half records the key it
// claimed in private state (nameClaimKey) and the create half, finding its own key
// there, does not claim it again. A name or scope unknown at plan time is claimed when
// the apply plans the resource again; one that stays unseen there (the other resource
// not planned in the apply) ends at Name Already Used, which says how to tell the cases
// apart.

// nameClaimKey is the private-state key of the name key an instance claimed when
// planned with prior state, for the create half of its replacement.
const nameClaimKey = "name_claim"

// nameKey is the registry's key of name in a scope: organization and project ids in
// lower case, the name as it is (names are case-sensitive).
func nameKey(orgID, projectID, name string) string {
	return "name " + strings.ToLower(orgID) + "/" + strings.ToLower(projectID) + "/" + name
}

// claimName applies one name per scope from platformer_service_account's ModifyPlan:
// plan is the planned account, state the prior state (nil for a create), replacing
// whether the provider plans a replacement.
func (d *providerData) claimName(ctx context.Context, plan, state *serviceAccountModel, replacing bool,
	req *resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if d == nil || plan.Name.IsUnknown() || plan.Name.IsNull() || plan.OrganizationID.IsUnknown() ||
		plan.ProjectID.IsUnknown() || plan.OrganizationID.Lower() == "" {
		return
	}
	key := nameKey(plan.OrganizationID.Lower(), plan.ProjectID.Lower(), plan.Name.ValueString())
	c := managerClaim{Manager: accountManager, Config: req.Config.Raw, Once: true}
	if state != nil {
		claimed := ""
		if !replacing {
			claimed = key
		}
		mark, _ := json.Marshal(claimed)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, nameClaimKey, mark)...)
		if replacing {
			return
		}
		c.Prior = strings.ToLower(state.ID.ValueString())
	} else {
		raw, _ := req.Private.GetKey(ctx, nameClaimKey)
		var mark string
		if json.Unmarshal(raw, &mark) == nil && mark == key {
			return // the create half of a replacement whose first half claimed this name
		}
	}
	other, ok := d.managers.claim(key, c)
	if ok {
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root("name"), "Service Account Name Used Twice",
		nameUsedTwice(plan, c.Prior, other.prior))
}

// nameUsedTwice is the detail of two resources that would hold plan's name in its scope:
// this one and another, with their account ids in state ("" for a create).
func nameUsedTwice(plan *serviceAccountModel, this, other string) string {
	name := plan.Name.ValueString()
	where := scopeText(plan.OrganizationID.Lower(), plan.ProjectID.Lower())
	var b strings.Builder
	fmt.Fprintf(&b, "name: two platformer_service_account resources of this configuration would hold the name %q in "+
		"%s, which the Console allows once: ", name, where)
	switch {
	case this == "" && other == "":
		b.WriteString("this one (on the \"with\" line) and another block would both create it. Give one of " +
			"them another name, or delete one of the two blocks.")
	case this == "":
		fmt.Fprintf(&b, "another resource has account %s of that name in state (terraform state list -id=%s "+
			"prints its address), and this one (on the \"with\" line) would create another. Give this one another "+
			"name, or delete this block if it is meant to be that account.", other, other)
	case other == "":
		fmt.Fprintf(&b, "this resource (on the \"with\" line) has account %s of that name in state, and another "+
			"block would create another. Give that block another name, or delete it if it is meant to be this "+
			"account; keep this one.", this)
	default:
		fmt.Fprintf(&b, "this resource (on the \"with\" line) names account %s so, and another resource would "+
			"name account %s so (terraform state list -id=%s prints its address). Give one of them another name.",
			this, other, other)
	}
	return b.String()
}

// scopeText names a scope in messages: "organization <id>", or "project <id> of
// organization <id>".
func scopeText(orgID, projectID string) string {
	if projectID == "" {
		return "organization " + orgID
	}
	return fmt.Sprintf("project %s of organization %s", projectID, orgID)
}

// claimedInWalk reports whether a resource of this provider configuration planned
// account id with prior state in this walk: the account is in this configuration's
// state.
func (d *providerData) claimedInWalk(id string) bool {
	if d == nil {
		return false
	}
	d.managers.mu.Lock()
	defer d.managers.mu.Unlock()
	return len(d.managers.claims[accountKey(strings.ToLower(id))]) > 0
}
