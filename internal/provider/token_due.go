package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// When a token is due by time, for platformer_service_account_token (renewal_due) and
// platformer_service_account_rotating_token (rotation_due): one judgement, one place.
//
// A saved plan is applied later (terraform plan -out, then apply tfplan the next
// morning), and Terraform calls ModifyPlan again at apply, with the state the plan
// refreshed. Had ModifyPlan judged on the clock, a renewal that became due in between
// would be planned where the saved plan had none: "Provider produced inconsistent
// final plan". So the refresh (Read) judges, on the Console's clock, and records the
// finding in a visible computed bool; both plans decide on that bool, which is the same
// at plan and at apply. What becomes due after the refresh is done by the next plan.
//
// The finding is visible, not private state: a refresh that changes only private state
// makes `terraform plan -refresh-only -detailed-exitcode` exit 2 while it prints "No
// changes.", an alert with nothing to show. With the attribute, refresh-only shows
// `~ renewal_due = false -> true` (or rotation_due) once the token is due.

// dueTimes are the instants from which a token is due by time: its expiry, and the
// instant a window opens before it (renew_before) or after its issue (rotate_every).
// A nil instant never comes.
type dueTimes struct {
	expiresAt *time.Time
	opensAt   *time.Time
}

// expired reports whether the token has expired at now.
func (d dueTimes) expired(now time.Time) bool {
	return d.expiresAt != nil && !now.Before(*d.expiresAt)
}

// due reports whether the token is due at now: expired, or within its window.
func (d dueTimes) due(now time.Time) bool {
	return d.expired(now) || (d.opensAt != nil && !now.Before(*d.opensAt))
}

// dueValue is the refresh's finding for an attribute whose state value was was. Null in
// a state written before the attribute existed: kept so until it matters (the token is
// due), so that a provider upgrade shows no change in plan -refresh-only.
func dueValue(was types.Bool, due bool) types.Bool {
	if !due && was.IsNull() {
		return was
	}
	return types.BoolValue(due)
}

// dueLeftToNextPlan describes a token due by time now although the state, as last
// refreshed, does not say so; warn adds the warning.
type dueLeftToNextPlan struct {
	action  string // "Renewal", "Rotation": the warning's title
	verb    string // "renew", "rotate"
	subject string // "The token of service account X"
	what    string // "expired at T", "expires at T, within renew_before (168h) of now"
}

// warn says that the plan was made with -refresh=false, or the token became due after
// the refresh (while a saved plan waited to be applied), and that this plan does not act
// on it, so that it agrees with the plan it repeats; the next plan that refreshes does.
func (w dueLeftToNextPlan) warn(now time.Time, note string, diags *diag.Diagnostics) {
	diags.AddWarning("Token "+w.action+" Left to the Next Plan",
		fmt.Sprintf("%s %s (%s%s), but the state this plan works on, as last refreshed, does not say so: the plan was "+
			"made with -refresh=false, or the token became due after the refresh. This plan does not %s it; the next "+
			"plan that refreshes the state (without -refresh=false) does.",
			w.subject, w.what, now.Format(time.RFC3339), note, w.verb))
}
