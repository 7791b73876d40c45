package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithImportState    = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serviceAccountTokenResource)(nil)
)

// discardedTokenLifetime is the expiry of the token that destroy issues and throws away.
const discardedTokenLifetime = time.Hour

// maxLostRenewals bounds how many renewals one operation makes when answers are lost.
const maxLostRenewals = 3

// staleKey is the private-state key recording why the token in state does not work
// (imported, renewed outside Terraform, a renewal whose answer was lost).
const staleKey = "token_stale"

// NewServiceAccountTokenResource returns the platformer_service_account_token resource.
func NewServiceAccountTokenResource() resource.Resource {
	return &serviceAccountTokenResource{clock: realClock{}}
}

type serviceAccountTokenResource struct {
	data  *providerData
	clock Clock // used before Configure (validation); the provider's clock after
}

func (r *serviceAccountTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_token"
}

func (r *serviceAccountTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
	if r.data != nil && r.data.clock != nil {
		r.clock = r.data.clock
	}
}

func (r *serviceAccountTokenResource) scope(m *serviceAccountTokenModel) client.Scope {
	return client.Scope{OrganizationID: m.OrganizationID.ValueString()}
}

func (r *serviceAccountTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	issued := r.renew(ctx, api, &plan, &resp.Diagnostics)
	if issued == nil {
		return
	}
	ctx = maskSecrets(ctx, issued.Token)
	state := r.stateFromIssued(&plan, issued)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, staleKey, nil)...)
}

// renew issues a new token for the planned expiry; nil when it failed (diagnosed).
func (r *serviceAccountTokenResource) renew(ctx context.Context, api *client.Client, plan *serviceAccountTokenModel, diags *diag.Diagnostics) *client.IssuedToken {
	expiresAt, err := plannedExpiry(plan, r.clock.Now())
	if err != nil {
		diags.AddAttributeError(path.Root("expires_at"), "Invalid Expiry", err.Error())
		return nil
	}
	id := plan.ServiceAccountID.ValueString()
	var issued *client.IssuedToken
	for attempt := 1; ; attempt++ {
		issued, err = api.RenewServiceAccountToken(ctx, r.scope(plan), id, expiresAt)
		// A renewal whose answer was lost killed the previous token, if it happened at all:
		// renewing again costs nothing that is not already lost, and yields a token.
		if err == nil || !client.IsOutcomeUnknown(err) || attempt == maxLostRenewals || ctx.Err() != nil {
			break
		}
		tflog.Warn(ctx, "the answer to a token renewal was lost; renewing again", map[string]any{
			"service_account_id": id, "attempt": attempt, "error": err.Error(),
		})
	}
	r.data.cache.Forget(plan.OrganizationID.ValueString(), id)
	if err != nil {
		action := fmt.Sprintf("renew the token of service account %s", id)
		if client.IsOutcomeUnknown(err) {
			action += " (the Console may have renewed it: if so, the previous token no longer works and the next " +
				"apply renews it again)"
		}
		addAPIError(diags, action, err)
		return nil
	}
	r.data.cache.Put(&issued.ServiceAccount)
	return issued
}

// plannedExpiry is the expiry a renewal asks for: expires_at as configured, now plus
// expires_in, or nil (never expires).
func plannedExpiry(m *serviceAccountTokenModel, now time.Time) (*time.Time, error) {
	if !m.ExpiresIn.IsNull() && !m.ExpiresIn.IsUnknown() {
		d, err := time.ParseDuration(m.ExpiresIn.ValueString())
		if err != nil {
			return nil, fmt.Errorf("expires_in: %q is not a duration", m.ExpiresIn.ValueString())
		}
		t := now.Add(d).UTC().Truncate(time.Second)
		return &t, nil
	}
	if !m.ExpiresAt.IsNull() && !m.ExpiresAt.IsUnknown() {
		t, err := time.Parse(time.RFC3339, m.ExpiresAt.ValueString())
		if err != nil {
			return nil, fmt.Errorf("expires_at: %q is not an RFC 3339 timestamp", m.ExpiresAt.ValueString())
		}
		t = t.UTC().Truncate(time.Second) // the Console keeps whole seconds
		if !t.After(now) {
			return nil, fmt.Errorf("expires_at: %s is not in the future (now %s). Set a later time, or use expires_in "+
				"for a lifetime counted from each renewal", t.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		return &t, nil
	}
	return nil, nil
}

// stateFromIssued is the state after a renewal: the plan with the new token.
func (r *serviceAccountTokenResource) stateFromIssued(plan *serviceAccountTokenModel, issued *client.IssuedToken) serviceAccountTokenModel {
	sa := &issued.ServiceAccount
	s := *plan
	s.ID = types.StringValue(sa.ID)
	s.OrganizationID = types.StringValue(sa.OrganizationID)
	s.Token = types.StringValue(issued.Token)
	s.TokenID = types.StringValue(sa.TokenID)
	s.RenewedAt = timeString(&sa.TokenRenewedAt)
	s.HasExpired = types.BoolValue(false)
	s.ExpiresAt = expiresAtValue(plan.ExpiresAt, sa.TokenExpiresAt)
	return s
}

// expiresAtValue keeps a configured expires_at as written when the Console's expiry is
// the same instant (it may be written with another offset); otherwise the Console's.
func expiresAtValue(configured types.String, console *time.Time) types.String {
	if console != nil && !configured.IsNull() && !configured.IsUnknown() {
		if t, err := time.Parse(time.RFC3339, configured.ValueString()); err == nil && t.Truncate(time.Second).Equal(console.Truncate(time.Second)) {
			return configured
		}
	}
	return timeString(console)
}

func (r *serviceAccountTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() || r.data.skipRefresh("The token of service account "+state.ServiceAccountID.ValueString(), &resp.Diagnostics) {
		return
	}
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	if !state.Token.IsNull() {
		ctx = maskSecrets(ctx, state.Token.ValueString())
	}
	prior := state
	sa, err := r.data.cache.Get(ctx, r.scope(&state), state.ServiceAccountID.ValueString())
	if client.IsNotFound(err) {
		tflogDebug(ctx, "service account is gone; removing its token from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s", state.ServiceAccountID.ValueString()), err)
		return
	}
	if state.TokenID.ValueString() != sa.TokenID && !state.Token.IsNull() {
		// Someone renewed the token: the one in state no longer works.
		state.Token = types.StringNull()
		setStale(ctx, resp.Private, fmt.Sprintf("the token was renewed outside Terraform at %s (token id %s; state held %s), "+
			"so the token in state no longer works", timeString(&sa.TokenRenewedAt).ValueString(), sa.TokenID, state.TokenID.ValueString()),
			&resp.Diagnostics)
	}
	state.ID = types.StringValue(sa.ID)
	state.OrganizationID = types.StringValue(sa.OrganizationID)
	state.TokenID = types.StringValue(sa.TokenID)
	state.RenewedAt = timeString(&sa.TokenRenewedAt)
	state.ExpiresAt = expiresAtValue(state.ExpiresAt, sa.TokenExpiresAt)
	state.HasExpired = types.BoolValue(sa.TokenExpiresAt != nil && !r.clock.Now().Before(*sa.TokenExpiresAt))
	resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.State, &state, &prior)...)
}

func (r *serviceAccountTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Token.IsUnknown() {
		// No renewal planned (renew_before changed, say): only state changes.
		resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
		return
	}
	issued := r.renew(ctx, api, &plan, &resp.Diagnostics)
	if issued == nil {
		r.afterFailedRenewal(ctx, api, &state, resp)
		return
	}
	ctx = maskSecrets(ctx, issued.Token)
	next := r.stateFromIssued(&plan, issued)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &next)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, staleKey, nil)...)
}

// afterFailedRenewal makes state match the Console after a renewal failed: when the
// Console did renew (its answer was lost), the token in state is dead, and state says
// so, so that the next plan renews again and explains why.
func (r *serviceAccountTokenResource) afterFailedRenewal(ctx context.Context, api *client.Client, state *serviceAccountTokenModel, resp *resource.UpdateResponse) {
	sa, err := api.GetServiceAccount(ctx, r.scope(state), state.ServiceAccountID.ValueString())
	if err != nil || sa.TokenID == state.TokenID.ValueString() {
		return // unchanged, or unknowable now: the next refresh will tell
	}
	r.data.cache.Put(sa)
	state.Token = types.StringNull()
	state.TokenID = types.StringValue(sa.TokenID)
	state.RenewedAt = timeString(&sa.TokenRenewedAt)
	state.ExpiresAt = expiresAtValue(state.ExpiresAt, sa.TokenExpiresAt)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, state)...)
	setStale(ctx, resp.Private, fmt.Sprintf("a renewal at %s was made but its answer, holding the new token, was lost",
		timeString(&sa.TokenRenewedAt).ValueString()), &resp.Diagnostics)
}

func (r *serviceAccountTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ServiceAccountID.ValueString()
	sa, err := r.data.cache.Get(ctx, r.scope(&state), id)
	if client.IsNotFound(err) {
		return // the account is gone, and its token with it
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s before invalidating its token", id), err)
		return
	}
	if state.Token.IsNull() || sa.TokenID != state.TokenID.ValueString() {
		// The token in state is already dead; renewing now would kill a token someone else holds.
		tflogDebug(ctx, "token in state no longer works; not renewing on destroy", map[string]any{"id": id})
		return
	}
	expiry := r.clock.Now().Add(discardedTokenLifetime).UTC().Truncate(time.Second)
	issued, err := api.RenewServiceAccountToken(ctx, r.scope(&state), id, &expiry)
	r.data.cache.Forget(state.OrganizationID.ValueString(), id)
	if client.IsNotFound(err) {
		return
	}
	if client.IsOutcomeUnknown(err) {
		// Its answer was lost; if the Console renewed, the token in state is dead: done.
		if now, getErr := api.GetServiceAccount(ctx, r.scope(&state), id); client.IsNotFound(getErr) ||
			(getErr == nil && now.TokenID != state.TokenID.ValueString()) {
			return
		}
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("invalidate the token of service account %s (destroy renews it and "+
			"discards the new one, so the token in state stops working)", id), err)
		return
	}
	_ = maskSecrets(ctx, issued.Token) // discarded: never stored, never logged
}

// ImportState takes the service account id (or "<organization_id>/<service_account_id>").
// The secret cannot be read back: state records the metadata, and the next plan renews.
func (r *serviceAccountTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	orgID, id, msg := parseImportID(req.ID, r.data)
	if msg != "" {
		resp.Diagnostics.AddError("Invalid Import ID", msg)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("service_account_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), orgID)...)
	setStale(ctx, resp.Private, "it was imported, and the Console never shows a token again after issuing it", &resp.Diagnostics)
	resp.Diagnostics.AddWarning("Token Cannot Be Imported",
		"The Console shows a token only when it issues it, so the import recorded the token's metadata but not the "+
			"secret. The next terraform apply renews the token (the current one stops working) and stores the new one.")
}

// privateSetter is the part of private state that Read, Update and ImportState share.
type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func setStale(ctx context.Context, p privateSetter, reason string, diags *diag.Diagnostics) {
	b, _ := json.Marshal(map[string]string{"reason": reason})
	diags.Append(p.SetKey(ctx, staleKey, b)...)
}
