package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

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
func (s importShape) parse(ctx context.Context, req resource.ImportStateRequest, data *providerData,
	diags *diag.Diagnostics) (orgID string, ids []string, ok bool) {
	raw := importIDFromIdentity(ctx, req, s.identityKey, diags)
	if diags.HasError() {
		return "", nil, false
	}
	orgID, ids, problem := s.parseID(raw, data)
	if problem != "" {
		diags.AddError("Invalid Import ID", problem)
		return "", nil, false
	}
	return orgID, ids, true
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
