package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// importShape is what the import id of a resource names: "<ids>" (in the provider's
// organization) or "<organization_id>/<ids>", where ids is the resource's service
// account ids, joined by commas when there are two. An import by identity
// (identity.go) is turned into that id string first, so both kinds of import are
// parsed here and give the same state.
type importShape struct {
	identityKey string // the identity attribute holding the account id(s)
	accounts    int    // how many account ids: 1, or 2 (the rotating token)
	accepted    string // the accepted forms, for messages
}

const acceptedOneAccount = "Expected \"<service_account_id>\" (in the provider's organization) or " +
	"\"<organization_id>/<service_account_id>\", where both are UUIDs."

var (
	accountImport  = importShape{identityKey: "id", accounts: 1, accepted: acceptedOneAccount}
	tokenImport    = importShape{identityKey: "service_account_id", accounts: 1, accepted: acceptedOneAccount}
	rotatingImport = importShape{identityKey: "service_account_ids", accounts: 2,
		accepted: "Expected \"<service_account_id>,<service_account_id>\" (in the provider's organization) or " +
			"\"<organization_id>/<service_account_id>,<service_account_id>\", where all are UUIDs and the two accounts differ."}
)

// parse is the import of req, by id string or by identity, as the organization and the
// account ids it names, spelled as the import spelled them; ok false when it names no
// such thing (diagnosed: Invalid Import ID, saying what is accepted).
//
// An import by identity that does not parse is reported in the identity's terms (the
// attribute and its value), and one that names an account the Console does not have
// there gets an error naming it (exists), rather than the CLI's "Cannot import
// non-existent remote object".
func (s importShape) parse(ctx context.Context, req resource.ImportStateRequest, data *providerData,
	diags *diag.Diagnostics) (orgID string, ids []string, ok bool) {
	byIdentity := req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull()
	raw := importIDFromIdentity(ctx, req, s.identityKey, diags)
	if diags.HasError() {
		return "", nil, false
	}
	orgID, ids, problem := s.parseID(raw, data)
	switch {
	case problem != "" && byIdentity:
		diags.AddError("Invalid Import Identity", s.identityProblem(ctx, req, data))
		return "", nil, false
	case problem != "":
		diags.AddError("Invalid Import ID", problem)
		return "", nil, false
	}
	return orgID, ids, s.exists(ctx, data, byIdentity, raw, orgID, ids, diags)
}

// identityValue reads identity attribute name as the configuration wrote it: a quoted
// string, or a list of them; "" when it is null.
func identityValue(ctx context.Context, req resource.ImportStateRequest, name string) string {
	var v attr.Value
	if d := req.Identity.GetAttribute(ctx, path.Root(name), &v); d.HasError() || v == nil || v.IsNull() {
		return ""
	}
	switch v := v.(type) {
	case types.String:
		return fmt.Sprintf("%q", v.ValueString())
	case types.List:
		parts := make([]string, 0, len(v.Elements()))
		for _, e := range v.Elements() {
			if str, ok := e.(types.String); ok {
				parts = append(parts, fmt.Sprintf("%q", str.ValueString()))
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.String()
}

// identityProblem says what is wrong with an import identity that does not parse,
// naming the attribute and its value, and what is accepted.
func (s importShape) identityProblem(ctx context.Context, req resource.ImportStateRequest, data *providerData) string {
	var org types.String
	req.Identity.GetAttribute(ctx, path.Root("organization_id"), &org)
	key := identityValue(ctx, req, s.identityKey)
	want := fmt.Sprintf("%s = \"<service_account_id>\"", s.identityKey)
	if s.accounts > 1 {
		want = fmt.Sprintf("%s = [\"<service_account_id>\", \"<service_account_id>\"], two different accounts", s.identityKey)
	}
	accepted := fmt.Sprintf(" Expected %s, UUIDs in any case, and organization_id = \"<organization_id>\" when the "+
		"account is not in the provider's organization.", want)
	o := strings.TrimSpace(org.ValueString())
	if o != "" && !client.IsUUID(o) {
		return fmt.Sprintf("organization_id = %q is not a UUID.", o) + accepted
	}
	_, ids, problem := s.parseID(strings.Trim(strings.ReplaceAll(strings.ReplaceAll(key, "\"", ""), " ", ""), "[]"), data)
	switch {
	case ids == nil && strings.Contains(problem, "two service accounts"):
		return fmt.Sprintf("%s = %s does not name two service accounts.", s.identityKey, key) + accepted
	case strings.Contains(problem, "same account twice"):
		return fmt.Sprintf("%s = %s names the same account twice.", s.identityKey, key) + accepted
	case strings.Contains(problem, "no organization_id"):
		return fmt.Sprintf("The identity has no organization_id, and the provider has none either (%s = %s).",
			s.identityKey, key) + accepted
	}
	if s.accounts == 1 {
		return fmt.Sprintf("%s = %s is not a UUID.", s.identityKey, key) + accepted
	}
	return fmt.Sprintf("%s = %s is not made of UUIDs.", s.identityKey, key) + accepted
}

// exists looks the accounts up in organization orgID, when the provider can call the
// Console, and reports, as an error naming them, an organization or account that the
// Console does not have (its 404), in the terms of the import: its identity, or its id
// string raw. Any other failure is left to the Read that follows the import.
func (s importShape) exists(ctx context.Context, data *providerData, byIdentity bool, raw, orgID string, ids []string,
	diags *diag.Diagnostics) bool {
	if data == nil {
		return true
	}
	api, err := data.api()
	if err != nil {
		return true
	}
	for _, id := range ids {
		_, err := api.GetServiceAccount(ctx, client.Scope{OrganizationID: strings.ToLower(orgID)}, strings.ToLower(id))
		var ae *client.APIError
		if !client.IsNotFound(err) || !errors.As(err, &ae) {
			continue
		}
		answer := fmt.Sprintf("%d %s: %s", ae.StatusCode, http.StatusText(ae.StatusCode), ae.Message)
		org, account := fmt.Sprintf("Import id %q names organization %s", raw, orgID), fmt.Sprintf(
			"Import id %q names service account %s", raw, id)
		if byIdentity {
			org = fmt.Sprintf("The import block's identity names organization_id = %q", orgID)
			account = fmt.Sprintf("The import block's identity names %s = %q", s.identityKey, id)
		}
		if orgs, err := data.reach.organizations(ctx, api); err == nil && findOrganization(orgs, orgID) == nil {
			diags.AddError("Organization Not Found", fmt.Sprintf("%s, which the provider's token does not reach (the "+
				"Console answered %s). %s Use one of them, or import through a provider configuration whose token "+
				"reaches that organization.", org, answer, reachableOrganizations(orgs)))
			return false
		}
		diags.AddError("Service Account Not Found", fmt.Sprintf("%s, which organization %s does not have (the "+
			"Console answered %s). Check the id (terraform query, or the Console, lists the accounts), and "+
			"organization_id for an account of another organization.", account, orgID, answer))
		return false
	}
	return true
}

// parseID splits an import id string into the organization (the provider's when the
// id names none) and the account ids, or explains what is wrong with it. Spaces around
// the whole id, and around the comma between two ids, are allowed.
func (s importShape) parseID(raw string, data *providerData) (orgID string, ids []string, problem string) {
	refuse := func(format string, args ...any) (string, []string, string) {
		return "", nil, fmt.Sprintf("Import id %q "+format+" %s", append(append([]any{raw}, args...), s.accepted)...)
	}
	parts := strings.Split(strings.TrimSpace(raw), "/")
	accounts := parts[len(parts)-1]
	switch len(parts) {
	case 1:
		if data != nil {
			orgID = data.organizationID
		}
	case 2:
		orgID = parts[0]
	default:
		return refuse("has %d parts.", len(parts))
	}
	ids = []string{accounts}
	if s.accounts > 1 {
		ids = strings.Split(accounts, ",")
		for i := range ids {
			ids[i] = strings.TrimSpace(ids[i])
		}
	}
	switch {
	case len(ids) != s.accounts:
		return refuse("does not name two service accounts.")
	case !allUUIDs(ids) || ((len(parts) == 2 || orgID != "") && !client.IsUUID(orgID)):
		return refuse("is not made of UUIDs.")
	case len(ids) == 2 && strings.EqualFold(ids[0], ids[1]):
		return refuse("names the same account twice.")
	case orgID == "":
		return refuse("names no organization, and the provider has no organization_id.")
	}
	return orgID, ids, ""
}

// allUUIDs reports whether every id is a UUID.
func allUUIDs(ids []string) bool {
	for _, id := range ids {
		if !client.IsUUID(id) {
			return false
		}
	}
	return true
}

// parseImportID splits the import id of one account ("<service_account_id>" or
// "<organization_id>/<service_account_id>") into organization and service account ids,
// or explains what is wrong with it.
func parseImportID(raw string, data *providerData) (orgID, id, problem string) {
	orgID, ids, problem := accountImport.parseID(raw, data)
	if problem != "" {
		return "", "", problem
	}
	return orgID, ids[0], ""
}
