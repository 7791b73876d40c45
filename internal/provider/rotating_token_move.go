package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// From a token to zero-downtime rotation, in place:
//
//	moved {
//	  from = platformer_service_account_token.x
//	  to   = platformer_service_account_rotating_token.x
//	}
//
// A user who outgrows a plain token moves it into a rotating token instead of
// destroying it (which kills the live token) or juggling `removed` and `import`. The
// move keeps the token: its account becomes the rotating token's active account, and
// its token (the secret in state, with its id, issue and expiry) stays the active token,
// working, never renewed by the move. The other account of service_account_ids (the
// second, when the token's account is listed first) takes the next rotation.
//
// MoveState sees the token's state only, not the configuration it moves into, so it
// cannot name the second account: it writes a rotating token over the one account
// (service_account_ids = [the token's account], no previous account). That state lasts
// from the move to the apply that follows it:
//   - Read refreshes the one account as the token's Read did (readMoved).
//   - ModifyPlan takes the second account from the configuration (planMoved). The
//     configuration must list the token's account, and must not replace the resource
//     (a replacement would kill the token): otherwise the plan fails, before anything
//     changes. The plan is an update of state that renews nothing: it records the
//     second account (id, previous_service_account_id, and previous_token_id, read at
//     apply). The second account may be created by the same apply: its id is then
//     known after apply, and checked by the plan Terraform makes again then. rotate_every counts from the token's renewed_at, so a later plan rotates
//     when it is due, renewing the second account while the moved token keeps working
//     as the previous one. A moved token that no longer works (renewed elsewhere) is
//     rotated by this apply, as always.
//   - service_account_ids going from that one account to two is not a replacement
//     (replaceUnlessMoved); the identity goes from [the account] to the two accounts,
//     which is why the resource's identity is declared mutable.
//
// Private state: the token's record (token_record.go) moves with it, for what it says
// of the token and its account (why it does not work, renewals made elsewhere, per
// account), without the replacement marker of the token's last plan.

// moveSourceType is the type of the one resource a rotating token can be moved from.
const moveSourceType = "platformer_service_account_token"

// tokenSchemaVersion is the schema version of platformer_service_account_token.
const tokenSchemaVersion = 0

func (r *serviceAccountRotatingTokenResource) MoveState(ctx context.Context) []resource.StateMover {
	var source resource.SchemaResponse
	(&serviceAccountTokenResource{}).Schema(ctx, resource.SchemaRequest{}, &source)
	return []resource.StateMover{{SourceSchema: &source.Schema, StateMover: r.moveFromToken}}
}

// moveFromToken moves a platformer_service_account_token's state, and refuses anything else.
func (r *serviceAccountRotatingTokenResource) moveFromToken(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
	if req.SourceTypeName != moveSourceType || !platformerAddress(req.SourceProviderAddress) {
		resp.Diagnostics.AddError("Cannot Move "+req.SourceTypeName,
			fmt.Sprintf("A moved block moves %s (provider %s) to %s, which can be moved only from %s of this "+
				"provider; nothing was changed. Remove the moved block, and keep %s as it is.", req.SourceTypeName,
				req.SourceProviderAddress, rotatingResourceType, moveSourceType, req.SourceTypeName))
		return
	}
	if req.SourceSchemaVersion > tokenSchemaVersion || req.SourceState == nil {
		resp.Diagnostics.AddError("Cannot Read Token State",
			fmt.Sprintf("The state of the %s to move was written by another version of this provider (schema version "+
				"%d; this one reads %d), and could not be read. Apply with the version that wrote it, or with this one "+
				"before adding the moved block, then move.", moveSourceType, req.SourceSchemaVersion, tokenSchemaVersion))
		return
	}
	var token serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.SourceState, &token)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m := movedModel(&token)
	resp.Diagnostics.Append(setModel(ctx, &resp.TargetState, &m)...)
	moveRecord(ctx, req.SourcePrivate, resp.TargetPrivate, &resp.Diagnostics)
	identityFromState(ctx, &resp.TargetState, resp.TargetIdentity, &resp.Diagnostics)()
}

// platformerAddress reports whether a provider address is this provider's: its type
// is "platformer" (registry.terraform.io/platformercloud/platformer, a mirror's, OpenTofu's).
func platformerAddress(addr string) bool {
	return addr == "" || addr[strings.LastIndex(addr, "/")+1:] == "platformer"
}

// movedModel is the rotating token over the one account of a moved token: the token is
// the active one, and there is no previous account until the plan that follows.
func movedModel(token *serviceAccountTokenModel) serviceAccountRotatingTokenModel {
	id := token.ServiceAccountID.ValueString()
	ids, _ := types.ListValue(types.StringType, []attr.Value{types.StringValue(id)})
	return serviceAccountRotatingTokenModel{
		ID:                       types.StringValue(id),
		ServiceAccountIDs:        ids,
		OrganizationID:           token.OrganizationID,
		RotateEvery:              durationNull(),
		ExpiresIn:                token.ExpiresIn,
		RotationTrigger:          types.DynamicNull(), // the move rotates nothing; a trigger set later neither
		Token:                    token.Token,
		TokenID:                  token.TokenID,
		ActiveServiceAccountID:   types.StringValue(id),
		PreviousServiceAccountID: types.StringNull(),
		PreviousTokenID:          types.StringNull(),
		RenewedAt:                token.RenewedAt,
		ExpiresAt:                token.ExpiresAt,
		NextRotationAt:           timetypes.NewRFC3339Null(),
		RotationDue:              types.BoolValue(false),
	}
}

// moveRecord writes the token's record into the rotating token's private state, without
// the replacement marker (it names the token's address, not this one).
func moveRecord(ctx context.Context, from privateGetter, to privateSetter, diags *diag.Diagnostics) {
	rec := loadRecord(ctx, from)
	rec.Replacing, rec.ForeignPrevious = nil, false
	if string(rec.encode()) == string(tokenRecord{}.encode()) {
		return
	}
	diags.Append(to.SetKey(ctx, recordKey, rec.encode())...)
}

// movedFromToken reports whether m is a token moved here that has not yet taken its
// second account: service_account_ids holds one account.
func movedFromToken(m *serviceAccountRotatingTokenModel) bool {
	return !m.ServiceAccountIDs.IsNull() && !m.ServiceAccountIDs.IsUnknown() && len(m.ServiceAccountIDs.Elements()) == 1
}

// replaceUnlessMoved: a change of service_account_ids replaces the resource, except from
// the one account of a moved token to the two of the configuration (planMoved checks them).
var replaceUnlessMoved = listplanmodifier.RequiresReplaceIf(
	func(_ context.Context, req planmodifier.ListRequest, resp *listplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = req.StateValue.IsNull() || len(req.StateValue.Elements()) != 1
	},
	"Changing the accounts replaces the resource, except when a token moved here takes its second account.",
	"Changing the accounts replaces the resource, except when a token moved here takes its second account.")

// readMoved refreshes a moved token before its first apply as a rotating token: its one
// account, as the token's Read did.
func (r *serviceAccountRotatingTokenResource) readMoved(ctx context.Context, resp *resource.ReadResponse, state, prior *serviceAccountRotatingTokenModel) {
	id := state.ActiveServiceAccountID.ValueString()
	sa, err := r.data.cache.Get(ctx, r.scope(state), strings.ToLower(id))
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Service Account Deleted Outside Terraform",
			fmt.Sprintf("Service account %s, whose token was moved into the rotating token %s, no longer exists in "+
				"organization %s. The rotating token is removed from state; the next apply creates it anew, renewing "+
				"the tokens of both accounts of service_account_ids.", id, state.ID.ValueString(),
				state.OrganizationID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s", id), err)
		return
	}
	if !state.Token.IsNull() && sa.TokenID != state.TokenID.ValueString() {
		state.Token = types.StringNull()
		setStale(ctx, resp.Private, fmt.Sprintf("the token moved into this resource (service account %s) was renewed "+
			"outside Terraform at %s (token id %s; state held %s), so the token in state no longer works", id,
			rfc3339(sa.TokenRenewedAt).ValueString(), sa.TokenID, state.TokenID.ValueString()), &resp.Diagnostics)
		noticeRenewalElsewhere(ctx, resp.Private, id, state.RenewedAt, sa.TokenRenewedAt, sa.TokenExpiresAt, sa.TokenID,
			&resp.Diagnostics)
	}
	state.OrganizationID = rotatingKeepUUID(state.OrganizationID, sa.OrganizationID)
	state.TokenID = types.StringValue(sa.TokenID)
	state.RenewedAt = keepInstant(state.RenewedAt, rfc3339(sa.TokenRenewedAt))
	state.ExpiresAt = keepInstant(state.ExpiresAt, rfc3339Ptr(sa.TokenExpiresAt))
	state.RotationDue = dueValue(state.RotationDue, rotationTimes(state).due(r.data.consoleNow(ctx, nil)))
	resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.State, state, prior)...)
}

// planMoved plans the first apply after a move: the token's account stays active, and
// the other account of the configuration becomes the previous account; the rest is
// planned as for any rotating token (planUpdate), which renews nothing unless the token
// does not work.
func (r *serviceAccountRotatingTokenResource) planMoved(ctx context.Context, req *resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse,
	plan, state *serviceAccountRotatingTokenModel, ids []string, idsKnown bool) {
	moved := state.ActiveServiceAccountID.ValueString()
	if !idsKnown {
		r.planMovedUnknownAccounts(ctx, req, resp, plan, state)
		return
	}
	if !slices.ContainsFunc(ids, func(id string) bool { return strings.EqualFold(id, moved) }) {
		resp.Diagnostics.AddAttributeError(path.Root("service_account_ids"), "Moved Token's Account Not Listed",
			fmt.Sprintf("service_account_ids: the token of service account %s was moved into this rotating token, but %s "+
				"is not one of service_account_ids, so its token could not be kept. List it first, with the account that "+
				"takes the next rotation second, or remove the moved block.", moved, moved))
		return
	}
	if movedReplaced(resp, state) {
		return
	}
	adopted := *state
	adopted.ServiceAccountIDs = plan.ServiceAccountIDs
	adopted.ID = types.StringValue(ids[0] + "," + ids[1])
	adopted.PreviousServiceAccountID = types.StringValue(otherAccount(ids, moved))
	adopted.PreviousTokenID = types.StringUnknown() // read at apply (Update)
	r.claim(ctx, ids, req, resp, state.TokenID.ValueString(), false)
	r.checkAccounts(ctx, plan, ids, true, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	r.planUpdate(ctx, req, resp, plan, &adopted, ids)
}

// planMovedUnknownAccounts plans the first apply after a move when service_account_ids
// is known only at apply (the second account is created by it): nothing is renewed, and
// what depends on the second account is known after apply, when the plan made again
// with it (planMoved) checks it. A moved token that no longer works would rotate to an
// account not known yet: that plan fails, asking to create the account first.
func (r *serviceAccountRotatingTokenResource) planMovedUnknownAccounts(ctx context.Context, req *resource.ModifyPlanRequest,
	resp *resource.ModifyPlanResponse, plan, state *serviceAccountRotatingTokenModel) {
	moved := state.ActiveServiceAccountID.ValueString()
	if state.Token.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("service_account_ids"), "Accounts Unknown After Move",
			fmt.Sprintf("service_account_ids: the token of service account %s, moved into this rotating token, no longer "+
				"works (%s), so this apply must rotate to the other account, which is not known until apply. Create it "+
				"first (terraform apply -target), then apply the move.", moved,
				staleReason(ctx, req.Private, "it does not work")))
		return
	}
	if movedReplaced(resp, state) {
		return
	}
	r.data.claimFromPlan(ctx, rotatingResourceType, req, resp, state.TokenID.ValueString(), false,
		claimedAccount{moved, path.Root("service_account_ids")})
	adopted := *state
	adopted.ID = types.StringUnknown()
	adopted.PreviousServiceAccountID = types.StringUnknown()
	adopted.PreviousTokenID = types.StringUnknown()
	keepState(plan, &adopted)
	plan.RotationDue = types.BoolUnknown() // judged at apply
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, plan)...)
}

// movedReplaced fails the plan when it would replace a moved token (another
// organization_id): the replacement would kill it.
func movedReplaced(resp *resource.ModifyPlanResponse, state *serviceAccountRotatingTokenModel) bool {
	if len(resp.RequiresReplace) == 0 {
		return false
	}
	resp.Diagnostics.AddAttributeError(path.Root("organization_id"), "Moved Token Would Be Replaced",
		fmt.Sprintf("organization_id: the token of service account %s was moved into this rotating token, whose "+
			"organization_id differs from the token's (%s): the replacement would kill the token. Set organization_id "+
			"to the token's, or remove it.", state.ActiveServiceAccountID.ValueString(), state.OrganizationID.ValueString()))
	return true
}
