package provider

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// When a rotation of platformer_service_account_rotating_token is due, decided once.
//
// A saved plan is applied later (terraform plan -out, then apply tfplan the next
// morning), and Terraform calls ModifyPlan again at apply, with the state and private
// state the plan refreshed. Had ModifyPlan judged rotate_every and the expiry on the
// clock, a rotation that became due in between would plan a renewal where the saved
// plan had none: "Provider produced inconsistent final plan". So the refresh (Read)
// judges, on the Console's clock, and records the instant it found the rotation due in
// private state (rotatingDueKey), as hashicorp/time's time_rotating decides during its
// refresh; ModifyPlan judges against that instant, which is the same at plan and at
// apply. What becomes due after the refresh is done by the next plan.
//
// The record is written when a refresh first finds the rotation due and removed when it
// no longer is (a rotation issued a new token), so a refresh that finds nothing new
// leaves private state as it was (plan -refresh-only stays empty). An update that
// rotates nothing judges again at apply, so that the state it leaves is the one the
// next refresh would make. A changed rotate_every is judged against the instant of the
// record: it moves next_rotation_at and rotates nothing by itself.

// rotatingDueKey is the private-state key of the due record: {"judged_at": RFC 3339}.
const rotatingDueKey = "rotating_due"

// privateData is private state as Read, Update and ModifyPlan see it.
type privateData interface {
	privateGetter
	privateSetter
}

// rotationDue reports whether, at now, the active token of m has expired or is
// rotate_every old.
func rotationDue(m *serviceAccountRotatingTokenModel, now time.Time) bool {
	if expiry, ok := timeOf(m.ExpiresAt); ok && !now.Before(expiry) {
		return true
	}
	renewed, ok := timeOf(m.RenewedAt)
	return ok && m.RotateEvery.Duration() > 0 && !now.Before(renewed.Add(m.RotateEvery.Duration()))
}

// recordDue judges m at now and writes or removes the due record, only when that
// changes it.
func recordDue(ctx context.Context, p privateData, m *serviceAccountRotatingTokenModel, now time.Time, diags *diag.Diagnostics) {
	_, recorded := dueJudgedAt(ctx, p)
	switch due := rotationDue(m, now); {
	case due && !recorded:
		b, _ := json.Marshal(map[string]string{"judged_at": now.UTC().Truncate(time.Second).Format(time.RFC3339)})
		diags.Append(p.SetKey(ctx, rotatingDueKey, b)...)
	case !due && recorded:
		diags.Append(p.SetKey(ctx, rotatingDueKey, nil)...)
	}
}

// dueJudgedAt is the instant a refresh found the rotation due; false when none did.
func dueJudgedAt(ctx context.Context, p privateGetter) (time.Time, bool) {
	raw, d := p.GetKey(ctx, rotatingDueKey)
	if d.HasError() || len(raw) == 0 {
		return time.Time{}, false
	}
	var rec map[string]string
	if json.Unmarshal(raw, &rec) != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, rec["judged_at"])
	return t.UTC(), err == nil
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
