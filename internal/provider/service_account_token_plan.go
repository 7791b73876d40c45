package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// minTokenLifetime is the shortest expires_in accepted.
const minTokenLifetime = time.Minute

// ValidateConfig checks the expiry settings together, at plan time.
func (r *serviceAccountTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.ExpiresIn.IsNull() && !m.ExpiresAt.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Conflicting Expiry Settings",
			"expires_in and expires_at cannot both be set. Use expires_in for a lifetime counted from each renewal "+
				"(such as \"720h\"), or expires_at for one fixed instant; with neither, the token never expires.")
	}
	if !m.ExpiresAt.IsNull() && !m.ExpiresAt.IsUnknown() {
		if t, err := time.Parse(time.RFC3339, m.ExpiresAt.ValueString()); err == nil && !t.Truncate(time.Second).After(r.clock.Now()) {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Expiry in the Past",
				fmt.Sprintf("expires_at: %s is not in the future (now %s). Set a later instant, or use expires_in "+
					"for a lifetime counted from each renewal.", t.Format(time.RFC3339), r.clock.Now().Format(time.RFC3339)))
		}
	}
	if !m.ExpiresIn.IsNull() && !m.ExpiresIn.IsUnknown() {
		if d, err := time.ParseDuration(m.ExpiresIn.ValueString()); err == nil && d > 0 && d < minTokenLifetime {
			resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Token Lifetime Too Short",
				fmt.Sprintf("expires_in: %q is shorter than the shortest token lifetime accepted, %s: the Console keeps "+
					"expiries to the second, and a token must outlive the apply that issues it. Use \"%s\" or more.",
					m.ExpiresIn.ValueString(), minTokenLifetime, "1m"))
		}
	}
	if m.RenewBefore.IsNull() || m.RenewBefore.IsUnknown() {
		return
	}
	before, err := time.ParseDuration(m.RenewBefore.ValueString())
	if err != nil {
		return // reported by the attribute's validator
	}
	switch {
	case m.ExpiresIn.IsNull() && !m.ExpiresAt.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("renew_before"), "Renew Before Needs Expires In",
			"renew_before is set with expires_at, but a renewal keeps the fixed expires_at, so renewing early would "+
				"issue a token with the same expiry. Use expires_in (a lifetime counted from each renewal) with renew_before.")
	case m.ExpiresIn.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("renew_before"), "Renew Before Needs an Expiry",
			"renew_before is set, but the token never expires (neither expires_in nor expires_at is set). "+
				"Set expires_in, such as \"720h\", or remove renew_before.")
	case !m.ExpiresIn.IsUnknown():
		if lifetime, err := time.ParseDuration(m.ExpiresIn.ValueString()); err == nil && before >= lifetime {
			resp.Diagnostics.AddAttributeError(path.Root("renew_before"), "Renew Before Too Long",
				fmt.Sprintf("renew_before (%s) must be shorter than expires_in (%s): otherwise every plan would renew "+
					"the token. Use a shorter renew_before, such as a quarter of expires_in.", before, lifetime))
		}
	}
}

// ModifyPlan decides whether this apply renews the token, and says why when the reason
// is not a change in the configuration: expiry, a renewal made elsewhere, an import.
func (r *serviceAccountTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planned := plan
	if config.OrganizationID.IsNull() && r.data != nil {
		switch {
		case r.data.organizationUnknown:
			plan.OrganizationID = types.StringUnknown()
		case r.data.organizationID != "":
			plan.OrganizationID = types.StringValue(r.data.organizationID)
		default:
			resp.Diagnostics.AddAttributeError(path.Root("organization_id"), "Missing Organization ID",
				"Set organization_id on this resource, or in the provider block, or the "+envOrganizationID+
					" environment variable, to the organization's UUID.")
			return
		}
	}

	if req.State.Raw.IsNull() {
		plan.ID = plan.ServiceAccountID
		planRenewal(&plan, &config)
		resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)
		return
	}

	var state serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.OrganizationID.IsUnknown() && !plan.OrganizationID.Equal(state.OrganizationID) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
	}

	var configChanges, otherReasons []string
	if !plan.RotationTrigger.Equal(state.RotationTrigger) {
		configChanges = append(configChanges, "rotation_trigger changed")
	}
	if !config.ExpiresIn.Equal(state.ExpiresIn) {
		configChanges = append(configChanges, "expires_in changed")
	}
	if !config.ExpiresAt.IsNull() && !config.ExpiresAt.Equal(state.ExpiresAt) {
		configChanges = append(configChanges, "expires_at changed")
	}
	if config.ExpiresAt.IsNull() && config.ExpiresIn.IsNull() && !state.ExpiresAt.IsNull() {
		configChanges = append(configChanges, "the expiry was removed")
	}
	if state.Token.IsNull() {
		reason := "the token in state does not work"
		if raw, d := req.Private.GetKey(ctx, staleKey); !d.HasError() && len(raw) > 0 {
			var stale map[string]string
			if json.Unmarshal(raw, &stale) == nil && stale["reason"] != "" {
				reason = stale["reason"]
			}
		}
		otherReasons = append(otherReasons, reason)
	} else if expiry, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString()); err == nil {
		now := r.clock.Now()
		switch before, _ := time.ParseDuration(config.RenewBefore.ValueString()); {
		case !now.Before(expiry):
			otherReasons = append(otherReasons, fmt.Sprintf("the token expired at %s", expiry.Format(time.RFC3339)))
		case before > 0 && !now.Before(expiry.Add(-before)):
			otherReasons = append(otherReasons, fmt.Sprintf("the token expires at %s, within renew_before (%s) of now (%s)",
				expiry.Format(time.RFC3339), config.RenewBefore.ValueString(), now.Format(time.RFC3339)))
		}
	}

	if len(configChanges) == 0 && len(otherReasons) == 0 {
		plan.ID, plan.Token, plan.TokenID = state.ID, state.Token, state.TokenID
		plan.RenewedAt, plan.HasExpired, plan.ExpiresAt = state.RenewedAt, state.HasExpired, state.ExpiresAt
		resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.Plan, &plan, &planned)...)
		return
	}
	plan.ID = state.ID
	planRenewal(&plan, &config)
	if len(otherReasons) > 0 {
		resp.Diagnostics.AddWarning("Token Will Be Renewed",
			fmt.Sprintf("This apply renews the token of service account %s because %s. The current token stops "+
				"working when it does; the new one is stored in state.", state.ServiceAccountID.ValueString(),
				strings.Join(otherReasons, "; and ")))
	}
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)
}

// planRenewal marks what a renewal changes as known after apply.
func planRenewal(plan, config *serviceAccountTokenModel) {
	plan.Token = types.StringUnknown()
	plan.TokenID = types.StringUnknown()
	plan.RenewedAt = types.StringUnknown()
	plan.HasExpired = types.BoolValue(false)
	switch {
	case !config.ExpiresAt.IsNull():
		plan.ExpiresAt = config.ExpiresAt
	case !config.ExpiresIn.IsNull():
		plan.ExpiresAt = types.StringUnknown()
	default:
		plan.ExpiresAt = types.StringNull()
	}
}
