package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// When a rotation of platformer_service_account_rotating_token is due by time, as the
// token's renewal (token_due.go): the refresh (Read) judges, on the Console's clock,
// whether the active token has expired or is rotate_every old, and sets rotation_due;
// ModifyPlan decides on rotation_due, from state, never on the time it runs, so the plan
// Terraform makes again at apply agrees with a saved one. What becomes due after the
// refresh is rotated by the next plan; a plan made with -refresh=false decides on the
// state as last refreshed and warns when a rotation is due by now.
//
// An update that rotates nothing (a trigger set, rotate_every changed) plans
// rotation_due unknown and judges again at apply, so that the state it leaves is the one
// the next refresh makes: plan -refresh-only is empty after any apply. A changed
// rotate_every rotates nothing by itself; it is judged by that apply, and the next plan
// rotates if it has already passed.
//
// Before rotation_due, the refresh recorded its finding in private state
// ("rotating_due"). States that hold it keep working: the key is ignored.

// rotationTimes are the instants from which the active token of m is due for rotation:
// its expiry, and rotate_every after its issue.
func rotationTimes(m *serviceAccountRotatingTokenModel) dueTimes {
	var d dueTimes
	if expiry, ok := timeOf(m.ExpiresAt); ok {
		d.expiresAt = &expiry
	}
	if renewed, ok := timeOf(m.RenewedAt); ok && m.RotateEvery.Duration() > 0 {
		opens := renewed.Add(m.RotateEvery.Duration())
		d.opensAt = &opens
	}
	return d
}

// dueInRotatingState reports whether the state, as last refreshed, says the rotation is
// due by time, for a plan whose rotate_every is plan's: a rotate_every made longer since
// the refresh no longer says so, unless the token had expired by then for certain (its
// expiry came before the old rotate_every).
func dueInRotatingState(plan, state *serviceAccountRotatingTokenModel) bool {
	if !state.RotationDue.ValueBool() {
		return false
	}
	if plan.RotateEvery.Duration() <= state.RotateEvery.Duration() {
		return true
	}
	t := rotationTimes(state)
	return t.expiresAt != nil && t.opensAt != nil && !t.opensAt.Before(*t.expiresAt)
}

// rotationDueReason says why the active token is due at now (the Console's time), for
// messages; "" when it is not.
func rotationDueReason(m *serviceAccountRotatingTokenModel, now time.Time, note string) string {
	what := rotationDueWhat(m, now)
	if what == "" {
		return ""
	}
	at := now.Format(time.RFC3339)
	if rotationTimes(m).expired(now) {
		at = "now " + at
	}
	return fmt.Sprintf("the active token (service account %s) %s (%s%s)", m.ActiveServiceAccountID.ValueString(), what,
		at, note)
}

// rotationDueWhat is what makes the active token due at now: "expired at T", or "was
// issued at T, rotate_every (30d) or more before now"; "" when nothing does.
func rotationDueWhat(m *serviceAccountRotatingTokenModel, now time.Time) string {
	t := rotationTimes(m)
	switch {
	case t.expired(now):
		return "expired at " + t.expiresAt.UTC().Format(time.RFC3339)
	case t.due(now):
		renewed, _ := timeOf(m.RenewedAt)
		return fmt.Sprintf("was issued at %s, rotate_every (%s) or more before now", renewed.UTC().Format(time.RFC3339),
			m.RotateEvery.ValueString())
	}
	return ""
}

// warnRotationUnrefreshed warns when the rotation is due by time now although the state,
// as last refreshed, does not say so (token_due.go).
func warnRotationUnrefreshed(plan *serviceAccountRotatingTokenModel, now time.Time, note string, diags *diag.Diagnostics) {
	if plan.Token.IsNull() {
		return
	}
	if what := rotationDueWhat(plan, now); what != "" {
		dueLeftToNextPlan{action: "Rotation", verb: "rotate", what: what,
			subject: fmt.Sprintf("The active token (service account %s) of the rotating token %s",
				plan.ActiveServiceAccountID.ValueString(), plan.ID.ValueString())}.warn(now, note, diags)
	}
}

// dynamicWhollyKnown reports whether a dynamic value and everything in it are known.
func dynamicWhollyKnown(ctx context.Context, v types.Dynamic) bool {
	if v.IsUnknown() || v.IsUnderlyingValueUnknown() {
		return false
	}
	tv, err := v.ToTerraformValue(ctx)
	return err == nil && tv.IsFullyKnown()
}

// keepStateDuration plans the prior state's duration when the configuration writes the
// same length of time another way ("720h" for "30d"): nothing to plan.
type keepStateDuration struct{}

func (keepStateDuration) Description(context.Context) string {
	return "another spelling of the same duration plans nothing"
}

func (m keepStateDuration) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (keepStateDuration) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	plan, state := durationValue{StringValue: req.PlanValue}, durationValue{StringValue: req.StateValue}
	if plan.Duration() > 0 && durationsEqual(plan, state) {
		resp.PlanValue = req.StateValue
	}
}
