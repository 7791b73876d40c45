package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// platformer_service_account_rotating_token: zero-downtime rotation over two accounts.
//
// The Console holds one token per service account, and renewing it kills the previous
// token at once, so a single account cannot rotate without a gap. This resource holds
// two accounts, A and B. At any time one is active (its token is `token`); the other
// holds the previous token, which keeps working. A rotation renews the token of the
// inactive account and makes it active; the token consumers held until then keeps
// working until the rotation after, one full rotate_every later: that is the overlap.
//
// Semantics, decided here and tested in service_account_rotating_token_resource_test.go:
//
//   - Create renews service_account_ids[0], then service_account_ids[1]; the second is
//     active. If the second renewal fails, state keeps the first (a working active
//     token) and the apply fails (Terraform taints the resource; the next apply replaces
//     it).
//   - Read checks both accounts. The active token works when its account exists, its
//     token id on the Console is the one in state, and it has not expired. A token
//     renewed outside Terraform is nulled in state (private state says why) and the next
//     plan rotates, saying why. An account that no longer exists (the Console's own
//     not-found) removes the resource from state with a warning: the next plan creates it
//     anew. A renewal of the inactive account outside Terraform killed the previous
//     token: Read warns that the overlap is gone and records the new token id, and
//     nothing rotates for it (the active token still works).
//   - ModifyPlan plans a rotation (an in-place update) when the active token is
//     rotate_every old or expired as the refresh found it (rotation_due, judged on the
//     Console's clock, rotating_token_due.go), when rotation_trigger changes from one
//     non-null value to another, or when the active token does not work (renewed
//     elsewhere, expired, imported, a lost answer). Only then are the computed values
//     unknown (active and previous account are known: they swap); otherwise they stay
//     equal to state, so there is no perpetual diff. A trigger not wholly known at plan
//     may rotate: the computed values, the accounts included, are unknown, and the plan
//     made again at apply rotates only if the value differs from the state's. ModifyPlan
//     decides on state only, so a saved plan applied later is applied as planned. A
//     change of rotate_every only moves next_rotation_at; a change of expires_in
//     applies to the tokens issued from the next rotation on. Reasons other than a
//     configuration change are given in a warning.
//   - Update (a rotation) renews the inactive account. An answer that is lost (the
//     Console may have renewed) is renewed again: the renewal's answer is the only source
//     of the secret, and a renewal of the inactive account kills only a token that is
//     already the previous one. If it still fails, the account is read again and state
//     keeps the active token it had (still working), with the inactive account's new
//     token id, so the next plan rotates again and the overlap's loss is visible.
//   - Delete renews both accounts and discards the new tokens, so no token this resource
//     issued works afterwards; an account whose token was renewed elsewhere is left
//     alone (that token is someone else's; private state remembers it for the previous
//     account until the next rotation), and one that is gone is skipped.
//   - Import takes "<id1>,<id2>" (optionally "<organization_id>/<id1>,<id2>"). The
//     account renewed last is taken as active; the secret cannot be read back, so the
//     next apply rotates: it renews the other account, and the active one's token keeps
//     working as the previous token.
//   - The one-manager rule: both accounts are claimed from ModifyPlan
//     (token_managers.go).
//   - Plan time: if the accounts' permissions differ, a warning says consumers gain or
//     lose rights at each rotation.

var (
	_ resource.ResourceWithConfigure      = (*serviceAccountRotatingTokenResource)(nil)
	_ resource.ResourceWithImportState    = (*serviceAccountRotatingTokenResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*serviceAccountRotatingTokenResource)(nil)
	_ resource.ResourceWithMoveState      = (*serviceAccountRotatingTokenResource)(nil) // rotating_token_move.go
	_ resource.ResourceWithValidateConfig = (*serviceAccountRotatingTokenResource)(nil)
)

const (
	rotatingResourceType = "platformer_service_account_rotating_token"
	// minRotateEvery is the shortest rotate_every accepted.
	minRotateEvery = time.Minute
)

// NewServiceAccountRotatingTokenResource returns the platformer_service_account_rotating_token resource.
func NewServiceAccountRotatingTokenResource() resource.Resource {
	return &serviceAccountRotatingTokenResource{}
}

type serviceAccountRotatingTokenResource struct {
	data *providerData
}

// serviceAccountRotatingTokenModel is the platformer_service_account_rotating_token resource.
type serviceAccountRotatingTokenModel struct {
	ID                       types.String      `tfsdk:"id"`
	ServiceAccountIDs        types.List        `tfsdk:"service_account_ids"`
	OrganizationID           uuidValue         `tfsdk:"organization_id"`
	RotateEvery              durationValue     `tfsdk:"rotate_every"`
	ExpiresIn                durationValue     `tfsdk:"expires_in"`
	RotationTrigger          types.Dynamic     `tfsdk:"rotation_trigger"`
	Token                    types.String      `tfsdk:"token"`
	TokenID                  types.String      `tfsdk:"token_id"`
	ActiveServiceAccountID   types.String      `tfsdk:"active_service_account_id"`
	PreviousServiceAccountID types.String      `tfsdk:"previous_service_account_id"`
	PreviousTokenID          types.String      `tfsdk:"previous_token_id"`
	RenewedAt                timetypes.RFC3339 `tfsdk:"renewed_at"`
	ExpiresAt                timetypes.RFC3339 `tfsdk:"expires_at"`
	NextRotationAt           timetypes.RFC3339 `tfsdk:"next_rotation_at"`
	RotationDue              types.Bool        `tfsdk:"rotation_due"`
}

func (r *serviceAccountRotatingTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_rotating_token"
	// A token moved here takes its second account at the next apply (rotating_token_move.go).
	resp.ResourceBehavior.MutableIdentity = true
}

func (r *serviceAccountRotatingTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A token that rotates **without downtime**, over two service accounts. The Console holds one " +
			"token per account and renewing it kills the previous token at once; this resource keeps two accounts, one " +
			"*active* (its token is `token`) and one holding the *previous* token, which keeps working.\n\n" +
			"A rotation renews the token of the inactive account and makes it active, in place. The token consumers " +
			"held until then keeps working until the rotation after, one full `rotate_every` later: that is the overlap " +
			"in which every consumer picks up the new token. A rotation is planned when the active token is " +
			"`rotate_every` old, when a non-null `rotation_trigger` changes to another value, or when the active token " +
			"no longer works (renewed outside Terraform, expired, imported); the plan warns and says why in every case " +
			"but a trigger change. Whether the active token is `rotate_every` old or expired is judged by the refresh, on " +
			"the Console's clock, and shown in `rotation_due`; the plan decides on that, so a saved plan is applied as " +
			"planned. Between rotations the plan is empty.\n\n" +
			"Create renews both accounts (the second of `service_account_ids` becomes active). Destroy renews both and " +
			"discards the results, so no token from state works afterwards. A renewal of the inactive account outside " +
			"Terraform kills the previous token: the plan warns that the overlap is gone, and rotates nothing for it.",
		Attributes: rotatingTokenAttributes(),
	}
}

// rotatingTokenAttributes are the attributes of platformer_service_account_rotating_token:
// the configuration's, then the computed ones.
func rotatingTokenAttributes() map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The two service account ids, joined by a comma, in the order of `service_account_ids`.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"service_account_ids": schema.ListAttribute{
			Required:    true,
			ElementType: types.StringType,
			MarkdownDescription: "Exactly two different service account UUIDs of one organization, which take turns, " +
				"in any case (a change of case alone plans nothing). Give them the same permissions: consumers act " +
				"with the active account's. Changing them replaces the resource.",
			Validators:    []validator.List{listvalidator.ValueStringsAre(uuidValidator{})},
			PlanModifiers: []planmodifier.List{keepStateUUIDList{}, replaceUnlessMoved}, // rotating_token_move.go
		},
		"organization_id": schema.StringAttribute{
			Optional: true, Computed: true,
			CustomType: uuidType{},
			MarkdownDescription: "UUID of the accounts' organization. Defaults to the provider's `organization_id` " +
				"when the resource is created; a later change of the provider's does not move it, since its accounts " +
				"stay where they are. Changing it here replaces the resource.",
			PlanModifiers: []planmodifier.String{keepStateUUID{}, stringplanmodifier.RequiresReplaceIfConfigured()},
		},
		"rotate_every": schema.StringAttribute{
			Required:   true,
			CustomType: durationType{},
			MarkdownDescription: "How long a token is active before the next plan rotates it, such as `30d` or " +
				"`720h`; it is then the previous token for as long again. At least `1m`. Changing it moves " +
				"`next_rotation_at` and rotates nothing by itself; another spelling of the same length (`720h` for " +
				"`30d`) plans nothing.",
			PlanModifiers: []planmodifier.String{keepStateDuration{}},
		},
		"expires_in": schema.StringAttribute{
			Optional:   true,
			CustomType: durationType{},
			MarkdownDescription: "Lifetime of each token issued, counted from its renewal, such as `90d` (less 1 to 60 " +
				"seconds drawn at random, which marks the renewal as this provider's should its answer be lost). It must be " +
				"at least twice `rotate_every`, so that a token outlives its time as the previous token. Unset: " +
				"tokens never expire. A change applies to the tokens issued from the next rotation on.",
			PlanModifiers: []planmodifier.String{keepStateDuration{}},
		},
		"rotation_trigger": schema.DynamicAttribute{
			Optional: true,
			MarkdownDescription: "Any value of any type: a string, a number, a bool, a list, a map or an object. When " +
				"it changes from one non-null value to another, the next apply rotates. A value that is unknown at " +
				"plan (from another resource) rotates if, once known at apply, it differs from the one in state. " +
				"Setting it (from null) or removing it rotates nothing. Write a number with at most 15 significant " +
				"digits, or as a string: Terraform itself fails the plan on some longer ones (2^-30 written out in " +
				"full), whatever the provider.",
		},
	}
	maps.Copy(attrs, rotatingTokenComputedAttributes())
	return attrs
}

// rotatingTokenComputedAttributes are the attributes the provider sets.
func rotatingTokenComputedAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"token": schema.StringAttribute{
			Computed: true, Sensitive: true,
			MarkdownDescription: "The active token: the raw value for the `Authorization` header. Sensitive. Null " +
				"after an import, or once the active token was renewed outside Terraform, until the next apply rotates.",
		},
		"token_id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Identifier of the active token (not a secret); it changes at every rotation.",
		},
		"active_service_account_id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The account whose token is `token`.",
		},
		"previous_service_account_id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The other account: it holds the previous token, which keeps working until the next rotation.",
		},
		"previous_token_id": schema.StringAttribute{
			Computed: true,
			MarkdownDescription: "Identifier of the previous token (not a secret). When the Console's differs, " +
				"the previous account's token was renewed outside Terraform and the previous token no longer works.",
		},
		"renewed_at": schema.StringAttribute{
			Computed: true, CustomType: timetypes.RFC3339Type{},
			MarkdownDescription: "When the active token was issued (RFC 3339).",
		},
		"expires_at": schema.StringAttribute{
			Computed: true, CustomType: timetypes.RFC3339Type{},
			MarkdownDescription: "When the active token expires (RFC 3339); null when it never expires.",
		},
		"next_rotation_at": schema.StringAttribute{
			Computed: true, CustomType: timetypes.RFC3339Type{},
			MarkdownDescription: "`renewed_at` + `rotate_every`: from then on, a plan rotates. Run a plan and " +
				"apply on a schedule (more often than `rotate_every`) to rotate on time.",
		},
		"rotation_due": schema.BoolAttribute{
			Computed: true,
			MarkdownDescription: "Whether the last refresh found the active token due for rotation by time: expired, or " +
				"`rotate_every` old, on the Console's clock. A plan rotates for time only when the refreshed state says " +
				"so, so that a saved plan applied later, or an approval given later, does what the plan showed: what " +
				"becomes due after the refresh is rotated by the next plan. A plan made with `-refresh=false` decides on " +
				"the state as last refreshed, and warns when a rotation is due by now.",
		},
	}
}

func (r *serviceAccountRotatingTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *serviceAccountRotatingTokenResource) scope(m *serviceAccountRotatingTokenModel) client.Scope {
	return client.Scope{OrganizationID: m.OrganizationID.Lower()}
}

// accountIDs returns the two ids when the list is known and holds two known strings.
func accountIDs(l types.List) ([]string, bool) {
	if l.IsNull() || l.IsUnknown() {
		return nil, false
	}
	var ids []string
	for _, e := range l.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			return nil, false
		}
		ids = append(ids, s.ValueString())
	}
	return ids, len(ids) == 2
}

// otherAccount is the account of ids that is not id.
func otherAccount(ids []string, id string) string {
	if strings.EqualFold(ids[0], id) {
		return ids[1]
	}
	return ids[0]
}

// durationText renders a duration in days when it is a whole number of them.
func durationText(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func rfc3339(t time.Time) timetypes.RFC3339 {
	return timetypes.NewRFC3339TimeValue(t.UTC().Truncate(time.Second))
}

func rfc3339Ptr(t *time.Time) timetypes.RFC3339 {
	if t == nil || t.IsZero() {
		return timetypes.NewRFC3339Null()
	}
	return rfc3339(*t)
}

// timeOf is the instant of a known RFC 3339 value.
func timeOf(v timetypes.RFC3339) (time.Time, bool) {
	if v.IsNull() || v.IsUnknown() {
		return time.Time{}, false
	}
	t, d := v.ValueRFC3339Time()
	return t, !d.HasError()
}

// nextRotation is renewed_at + rotate_every, or null when either is not known.
func nextRotation(renewedAt timetypes.RFC3339, every durationValue) timetypes.RFC3339 {
	t, ok := timeOf(renewedAt)
	if !ok || every.Duration() <= 0 {
		if renewedAt.IsUnknown() || every.IsUnknown() {
			return timetypes.NewRFC3339Unknown()
		}
		return timetypes.NewRFC3339Null()
	}
	return rfc3339(t.Add(every.Duration()))
}

// ---- plan time ----------------------------------------------------------------------

// ValidateConfig checks the ids and the durations together, at plan time.
func (r *serviceAccountRotatingTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m serviceAccountRotatingTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.ServiceAccountIDs.IsNull() && !m.ServiceAccountIDs.IsUnknown() {
		elems := m.ServiceAccountIDs.Elements()
		if len(elems) != 2 {
			resp.Diagnostics.AddAttributeError(path.Root("service_account_ids"), "Two Service Accounts Required",
				fmt.Sprintf("service_account_ids: exactly two service account ids are required, got %d. A rotation "+
					"renews the account that is not active, so the resource takes turns between two accounts; give "+
					"the ids of two accounts with the same permissions.", len(elems)))
		} else if ids, ok := accountIDs(m.ServiceAccountIDs); ok && strings.EqualFold(ids[0], ids[1]) {
			resp.Diagnostics.AddAttributeError(path.Root("service_account_ids"), "Two Different Service Accounts Required",
				fmt.Sprintf("service_account_ids: both entries are %s. Give two different accounts: one account holds one "+
					"token, and renewing it kills the one before, so it cannot rotate without a gap.", ids[0]))
		}
	}
	every := m.RotateEvery.Duration()
	if every > 0 && every < minRotateEvery {
		resp.Diagnostics.AddAttributeError(path.Root("rotate_every"), "Rotation Period Too Short",
			fmt.Sprintf("rotate_every: %q is shorter than 1m, the shortest accepted: the Console keeps times to the "+
				"second and a token must outlive the apply that issues it. Use \"1m\" or more; days such as \"30d\" are typical.",
				m.RotateEvery.ValueString()))
	}
	if lifetime := m.ExpiresIn.Duration(); every > 0 && lifetime > 0 && lifetime < 2*every {
		resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Token Lifetime Too Short For Rotation",
			fmt.Sprintf("expires_in (%s) must be at least twice rotate_every (%s), that is %s or more: a token is active "+
				"for rotate_every, then the previous token for as long again, and must not expire before that ends. "+
				"Set expires_in to %s or more, or remove it for tokens that never expire.",
				durationText(lifetime), durationText(every), durationText(2*every), durationText(2*every)))
	}
}

// ModifyPlan settles the organization, claims both accounts, warns about accounts whose
// permissions differ, and decides whether this apply rotates, saying why.
func (r *serviceAccountRotatingTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if r.data.checkTokenMove(ctx, &req, path.Root("service_account_ids"), "the rotating token of service accounts %s", &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	var plan, config serviceAccountRotatingTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !r.data.planTokenOrganization(ctx, &req, path.Root("service_account_ids"), &plan.OrganizationID, config.OrganizationID, &resp.Diagnostics) {
		return
	}
	ids, idsKnown := accountIDs(plan.ServiceAccountIDs)
	if idsKnown {
		plan.ID = types.StringValue(ids[0] + "," + ids[1])
	}

	if req.State.Raw.IsNull() {
		if idsKnown {
			r.claim(ctx, ids, &req, resp, "", false)
			r.checkAccounts(ctx, &plan, ids, true, &resp.Diagnostics)
		}
		planCreate(&plan, ids, idsKnown)
		resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)
		return
	}

	var state serviceAccountRotatingTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case plan.OrganizationID.IsUnknown():
	case !uuidsEqual(plan.OrganizationID, state.OrganizationID):
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
	default:
		plan.OrganizationID = state.OrganizationID // the same UUID, in the case state has (an import's, say)
	}
	if movedFromToken(&state) { // a token moved here takes its second account (rotating_token_move.go)
		r.planMoved(ctx, &req, resp, &plan, &state, ids, idsKnown)
		return
	}
	stateIDs, _ := accountIDs(state.ServiceAccountIDs)
	replacing := !idsKnown || len(resp.RequiresReplace) > 0 || !slices.EqualFunc(ids, stateIDs, strings.EqualFold)
	r.claim(ctx, ids, &req, resp, state.TokenID.ValueString(), replacing)
	if replacing {
		// Replaced: Terraform plans the create next, which claims and checks.
		resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)
		return
	}
	r.checkAccounts(ctx, &plan, ids, false, &resp.Diagnostics)
	r.planUpdate(ctx, &req, resp, &plan, &state, ids)
}

// planUpdate decides whether this apply rotates, saying why. The clock is read for
// messages only: time is judged from rotation_due, which the refresh set
// (rotating_token_due.go), so that the plan Terraform makes again at apply agrees with a
// saved one.
func (r *serviceAccountRotatingTokenResource) planUpdate(ctx context.Context, req *resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, plan, state *serviceAccountRotatingTokenModel, ids []string) {
	// A trigger changes from one value to another; one not wholly known until apply may
	// (it rotates then only if it differs from the one in state).
	var configChange, maybeChange bool
	if !dynamicNull(state.RotationTrigger) && !plan.RotationTrigger.IsNull() {
		switch {
		case !dynamicWhollyKnown(ctx, plan.RotationTrigger):
			maybeChange = true
		case !dynamicNull(plan.RotationTrigger) && !plan.RotationTrigger.Equal(state.RotationTrigger):
			configChange = true
		}
	}
	now := r.data.consoleNow(ctx, nil) // for messages only
	note := r.data.consoleClockNote(now)
	reasons := rotationReasons(ctx, req, plan, state, now, note)
	active := state.ActiveServiceAccountID.ValueString()
	switch {
	case !configChange && len(reasons) == 0 && maybeChange:
		keepState(plan, state)
		planRotation(plan, "", "") // which account is active is known at apply
		if !state.ExpiresAt.IsNull() {
			plan.ExpiresAt = timetypes.NewRFC3339Unknown() // kept, or null if this rotates
		}
		plan.RotationDue = types.BoolUnknown() // false if this rotates; judged at apply if not
		resp.Diagnostics.Append(setModel(ctx, &resp.Plan, plan)...)
		return
	case !configChange && len(reasons) == 0:
		keepState(plan, state)
		warnRotationUnrefreshed(plan, now, note, &resp.Diagnostics)
		resp.Diagnostics.Append(setModel(ctx, &resp.Plan, plan)...)
		if !resp.Plan.Raw.Equal(req.State.Raw) {
			// An update that rotates nothing: judged again at apply, as the next refresh would.
			plan.RotationDue = types.BoolUnknown()
			resp.Diagnostics.Append(setModel(ctx, &resp.Plan, plan)...)
		}
		return
	}
	next := otherAccount(ids, active)
	planRotation(plan, next, active)
	if len(reasons) > 0 {
		keeps := fmt.Sprintf("The token of service account %s keeps working as the previous token until the rotation "+
			"after this one.", active)
		switch {
		case state.Token.IsNull():
			keeps = heldElsewhereText(active, state, now)
		case strings.Contains(reasons[0], "expired"):
			keeps = fmt.Sprintf("The token of service account %s does not work any more: consumers that hold it get "+
				"the new token from this apply.", active)
		}
		resp.Diagnostics.AddWarning("Token Will Be Rotated",
			fmt.Sprintf("This apply rotates the token: it renews the token of service account %s, which becomes active, "+
				"because %s. %s", next, strings.Join(reasons, "; and "), keeps))
	}
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, plan)...)
}

// heldElsewhereText says what becomes of the token that the active account holds on the
// Console when the one in state does not work (renewed elsewhere, revoked): it is the
// previous token after this rotation, for as long as it works. The refresh read its
// expiry into expires_at.
func heldElsewhereText(active string, state *serviceAccountRotatingTokenModel, now time.Time) string {
	exp, ok := timeOf(state.ExpiresAt)
	switch {
	case !ok:
		return fmt.Sprintf("Service account %s keeps the token it holds now on the Console, which keeps working as "+
			"the previous token until the rotation after this one.", active)
	case !now.Before(exp):
		return fmt.Sprintf("The token that service account %s holds now on the Console expired at %s: until the "+
			"rotation after this one, no previous token works.", active, exp.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("Service account %s keeps the token it holds now on the Console, which works as the previous "+
		"token only until it expires at %s.", active, exp.UTC().Format(time.RFC3339))
}

// rotationReasons are the reasons to rotate other than the configuration: the active
// token does not work, or the refresh found it due by time (rotation_due). now (the
// Console's) and note are for the message only.
func rotationReasons(ctx context.Context, req *resource.ModifyPlanRequest, plan, state *serviceAccountRotatingTokenModel,
	now time.Time, note string) []string {
	active := state.ActiveServiceAccountID.ValueString()
	if state.Token.IsNull() {
		return []string{staleReason(ctx, req.Private,
			fmt.Sprintf("the active token (service account %s) in state does not work", active))}
	}
	if !dueInRotatingState(plan, state) {
		return nil
	}
	judged := *state
	judged.RotateEvery = plan.RotateEvery
	if reason := rotationDueReason(&judged, now, note); reason != "" {
		return []string{reason}
	}
	return []string{fmt.Sprintf("the last refresh found the active token (service account %s) due for rotation "+
		"(rotation_due)", active)}
}

// planCreate marks what a create sets: the second account becomes active.
func planCreate(plan *serviceAccountRotatingTokenModel, ids []string, idsKnown bool) {
	if idsKnown {
		planRotation(plan, ids[1], ids[0])
		return
	}
	planRotation(plan, "", "")
}

// planRotation marks what a rotation changes as known after apply; next becomes active.
func planRotation(plan *serviceAccountRotatingTokenModel, next, previous string) {
	plan.ActiveServiceAccountID, plan.PreviousServiceAccountID = types.StringUnknown(), types.StringUnknown()
	if next != "" {
		plan.ActiveServiceAccountID, plan.PreviousServiceAccountID = types.StringValue(next), types.StringValue(previous)
	}
	plan.Token = types.StringUnknown()
	plan.TokenID = types.StringUnknown()
	plan.PreviousTokenID = types.StringUnknown()
	plan.RenewedAt = timetypes.NewRFC3339Unknown()
	plan.NextRotationAt = timetypes.NewRFC3339Unknown()
	plan.RotationDue = types.BoolValue(false)
	plan.ExpiresAt = timetypes.NewRFC3339Null()
	if !plan.ExpiresIn.IsNull() {
		plan.ExpiresAt = timetypes.NewRFC3339Unknown()
	}
}

// keepState keeps the computed values of state in a plan that rotates nothing.
func keepState(plan, state *serviceAccountRotatingTokenModel) {
	plan.ID = state.ID
	plan.Token, plan.TokenID = state.Token, state.TokenID
	plan.ActiveServiceAccountID, plan.PreviousServiceAccountID = state.ActiveServiceAccountID, state.PreviousServiceAccountID
	plan.PreviousTokenID = state.PreviousTokenID
	plan.RenewedAt, plan.ExpiresAt = state.RenewedAt, state.ExpiresAt
	plan.RotationDue = state.RotationDue
	plan.NextRotationAt = nextRotation(state.RenewedAt, plan.RotateEvery)
	if next, ok := timeOf(plan.NextRotationAt); ok {
		if was, ok := timeOf(state.NextRotationAt); ok && was.Equal(next) {
			plan.NextRotationAt = state.NextRotationAt
		}
	}
}

// claim applies the one-manager rule to both accounts (token_managers.go).
func (r *serviceAccountRotatingTokenResource) claim(ctx context.Context, ids []string, req *resource.ModifyPlanRequest,
	resp *resource.ModifyPlanResponse, priorTokenID string, replacing bool) {
	accounts := make([]claimedAccount, len(ids))
	for i, id := range ids {
		accounts[i] = claimedAccount{id, path.Root("service_account_ids").AtListIndex(i)}
	}
	r.data.claimFromPlan(ctx, rotatingResourceType, req, resp, priorTokenID, replacing, accounts...)
}

// checkAccounts reads both accounts (from the shared listing) and warns when their
// permissions differ. For a create, an account that does not exist is a plan-time error.
func (r *serviceAccountRotatingTokenResource) checkAccounts(ctx context.Context, plan *serviceAccountRotatingTokenModel, ids []string, create bool, diags *diag.Diagnostics) {
	if r.data == nil || r.data.unknown != "" || r.data.cache == nil || plan.OrganizationID.IsUnknown() {
		return
	}
	accounts := make([]*client.ServiceAccount, 2)
	for i, id := range ids {
		sa, err := r.data.cache.Get(ctx, r.scope(plan), strings.ToLower(id))
		switch {
		case client.IsNotFound(err) && create:
			diags.AddAttributeError(path.Root("service_account_ids").AtListIndex(i), "Service Account Not Found",
				fmt.Sprintf("service_account_ids[%d]: there is no service account %s in organization %s. Give the ids of "+
					"two existing accounts of the organization (the resource's organization_id, or the provider's).",
					i, id, plan.OrganizationID.ValueString()))
			return
		case err != nil:
			return // Read or apply reports it
		}
		accounts[i] = sa
	}
	if diff := permissionDifference(accounts[0], accounts[1]); diff != "" {
		diags.AddAttributeWarning(path.Root("service_account_ids"), "Service Accounts Have Different Permissions",
			fmt.Sprintf("Service accounts %s and %s do not hold the same permissions (%s), as the Console holds them now. "+
				"Consumers act with the active account's permissions, so they would gain or lose rights at each rotation. "+
				"Give both accounts the same permissions, custom roles and project permissions.", ids[0], ids[1], diff))
	}
}

// permissionDifference says what differs between the permissions of two accounts, or "".
func permissionDifference(a, b *client.ServiceAccount) string {
	var diffs []string
	roles := func(sa *client.ServiceAccount) map[string]string {
		out := map[string]string{}
		for _, rb := range sa.Roles {
			codes := slices.Clone(rb.RoleIDs)
			slices.Sort(codes)
			coll := strings.ToLower(rb.CollectionID)
			if coll == strings.ToLower(sa.OrganizationID) {
				coll = "organization"
			}
			if len(codes) > 0 {
				out[coll] = strings.Join(codes, ",")
			}
		}
		return out
	}
	ra, rb := roles(a), roles(b)
	if ra["organization"] != rb["organization"] {
		diffs = append(diffs, "permissions")
	}
	delete(ra, "organization")
	delete(rb, "organization")
	if len(ra) != len(rb) {
		diffs = append(diffs, "project permissions")
	} else {
		for k, v := range ra {
			if rb[k] != v {
				diffs = append(diffs, "project permissions")
				break
			}
		}
	}
	ca, cb := slices.Clone(a.CustomRoleIDs), slices.Clone(b.CustomRoleIDs)
	slices.Sort(ca)
	slices.Sort(cb)
	if !slices.Equal(ca, cb) {
		diffs = append(diffs, "custom roles")
	}
	if a.ProjectID != b.ProjectID {
		diffs = append(diffs, "level or project")
	}
	return strings.Join(diffs, ", ")
}

// ---- apply --------------------------------------------------------------------------

// renew issues a new token for account id, whose token is before ("" unknown); nil
// when it failed (diagnosed). An answer that was lost is renewed again once the account
// shows it was made (renewToken): it is the only source of the secret, and what a
// repeated renewal kills was killed by the lost one already.
func (r *serviceAccountRotatingTokenResource) renew(ctx context.Context, api *client.Client, m *serviceAccountRotatingTokenModel, id, before string, diags *diag.Diagnostics) (*client.IssuedToken, string) {
	var expiresAt *time.Time
	if lifetime := m.ExpiresIn.Duration(); lifetime > 0 {
		t := r.data.consoleNow(ctx, nil).Add(lifetime).Truncate(time.Second)
		expiresAt = &t
	}
	return r.data.renewTokenDiag(ctx, api, renewRequest{scope: r.scope(m), id: id, before: before, expiresAt: expiresAt,
		lifetime: m.ExpiresIn.Duration(),
		unconfirmedNote: "The token received (if any) is not stored: state keeps the active token it held, which " +
			"still works, and the next apply rotates again.",
	}, diags)
}

// setActive records the token issued for account id (as configured) as the active one.
func setActive(m *serviceAccountRotatingTokenModel, id string, issued *client.IssuedToken) {
	sa := &issued.ServiceAccount
	m.ActiveServiceAccountID = types.StringValue(id)
	m.Token = types.StringValue(issued.Token)
	m.TokenID = types.StringValue(sa.TokenID)
	m.RenewedAt = rfc3339(sa.TokenRenewedAt)
	m.ExpiresAt = rfc3339Ptr(sa.TokenExpiresAt)
	m.NextRotationAt = nextRotation(m.RenewedAt, m.RotateEvery)
}

// currentTokenID reads an account's token id after a failed renewal; null when unknowable.
func (r *serviceAccountRotatingTokenResource) currentTokenID(ctx context.Context, api *client.Client, m *serviceAccountRotatingTokenModel, id string) types.String {
	sa, err := api.GetServiceAccount(ctx, r.scope(m), strings.ToLower(id))
	if err != nil {
		return types.StringNull()
	}
	r.data.cache.Put(sa)
	return types.StringValue(sa.TokenID)
}

func (r *serviceAccountRotatingTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	var plan serviceAccountRotatingTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ids, ok := accountIDs(plan.ServiceAccountIDs)
	if !ok {
		resp.Diagnostics.AddAttributeError(path.Root("service_account_ids"), "Two Service Accounts Required",
			"service_account_ids must hold two known service account ids at apply.")
		return
	}
	plan.ID = types.StringValue(ids[0] + "," + ids[1])
	first, _ := r.renew(ctx, api, &plan, ids[0], "", &resp.Diagnostics)
	if first == nil {
		return
	}
	ctx = maskSecrets(ctx, first.Token)
	second, _ := r.renew(ctx, api, &plan, ids[1], "", &resp.Diagnostics)
	if second == nil {
		// Keep the token we have: state holds a working active token; the apply fails.
		setActive(&plan, ids[0], first)
		plan.PreviousServiceAccountID = types.StringValue(ids[1])
		plan.PreviousTokenID = r.currentTokenID(ctx, api, &plan, ids[1])
		resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
		return
	}
	ctx = maskSecrets(ctx, second.Token)
	setActive(&plan, ids[1], second)
	plan.PreviousServiceAccountID = types.StringValue(ids[0])
	plan.PreviousTokenID = types.StringValue(first.ServiceAccount.TokenID)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
	renewed(ctx, resp.Private, false, &resp.Diagnostics, ids[0], ids[1]) // token_record.go
}

func (r *serviceAccountRotatingTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	var state serviceAccountRotatingTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() || r.data.skipRefresh("The rotating token "+state.ID.ValueString(), &resp.Diagnostics) {
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
	if movedFromToken(&state) { // a token moved here, before its first apply (rotating_token_move.go)
		r.readMoved(ctx, resp, &state, &prior)
		return
	}
	ids, ok := accountIDs(state.ServiceAccountIDs)
	if !ok {
		resp.Diagnostics.AddError("Invalid State", "The state of this rotating token holds no two service account ids. "+
			"Remove it from state (terraform state rm) and import it again.")
		return
	}
	accounts := map[string]*client.ServiceAccount{}
	for _, id := range ids {
		sa, err := r.data.cache.Get(ctx, r.scope(&state), strings.ToLower(id))
		if client.IsNotFound(err) {
			resp.Diagnostics.AddWarning("Service Account Deleted Outside Terraform",
				fmt.Sprintf("Service account %s, one of the two accounts of the rotating token %s, no longer exists in "+
					"organization %s. The rotating token is removed from state; the next apply creates it anew, renewing "+
					"the tokens of both accounts (and fails if an account still does not exist).",
					id, state.ID.ValueString(), state.OrganizationID.ValueString()))
			resp.State.RemoveResource(ctx)
			return
		}
		if err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s", id), err)
			return
		}
		accounts[strings.ToLower(id)] = sa
	}
	active := state.ActiveServiceAccountID.ValueString()
	if active == "" {
		// Imported: the account renewed last is taken as active. (Not an older state:
		// rotation_due is set.)
		active, state.RotationDue = ids[1], types.BoolValue(false)
		if accounts[strings.ToLower(ids[0])].TokenRenewedAt.After(accounts[strings.ToLower(ids[1])].TokenRenewedAt) {
			active = ids[0]
		}
	}
	previous := otherAccount(ids, active)
	activeSA, previousSA := accounts[strings.ToLower(active)], accounts[strings.ToLower(previous)]

	if !state.Token.IsNull() && activeSA.TokenID != state.TokenID.ValueString() {
		state.Token = types.StringNull()
		setStale(ctx, resp.Private, fmt.Sprintf("the active token (service account %s) was renewed outside "+
			"Terraform at %s (token id %s; state held %s), so the token in state no longer works", active,
			activeSA.TokenRenewedAt.UTC().Format(time.RFC3339), activeSA.TokenID, state.TokenID.ValueString()), &resp.Diagnostics)
		noticeRenewalElsewhere(ctx, resp.Private, active, state.RenewedAt, activeSA.TokenRenewedAt, activeSA.TokenExpiresAt, activeSA.TokenID, &resp.Diagnostics)
	}
	if prev := state.PreviousTokenID.ValueString(); prev != "" && prev != previousSA.TokenID {
		warnPreviousRenewed(ctx, resp, &state, previous, active, previousSA)
		noticeRenewalElsewhere(ctx, resp.Private, previous, timetypes.NewRFC3339Null(), previousSA.TokenRenewedAt,
			previousSA.TokenExpiresAt, previousSA.TokenID, &resp.Diagnostics)
	}
	state.ID = types.StringValue(ids[0] + "," + ids[1])
	state.OrganizationID = rotatingKeepUUID(state.OrganizationID, activeSA.OrganizationID)
	state.ActiveServiceAccountID = types.StringValue(active)
	state.PreviousServiceAccountID = types.StringValue(previous)
	state.PreviousTokenID = types.StringValue(previousSA.TokenID)
	state.TokenID = types.StringValue(activeSA.TokenID)
	state.RenewedAt = keepInstant(state.RenewedAt, rfc3339(activeSA.TokenRenewedAt))
	state.ExpiresAt = keepInstant(state.ExpiresAt, rfc3339Ptr(activeSA.TokenExpiresAt))
	state.NextRotationAt = keepInstant(state.NextRotationAt, nextRotation(state.RenewedAt, state.RotateEvery))
	state.RotationDue = dueValue(state.RotationDue, rotationTimes(&state).due(r.data.consoleNow(ctx, nil)))
	resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.State, &state, &prior)...)
}

// warnPreviousRenewed warns that the previous account's token was renewed outside
// Terraform, and records it so that destroy leaves that token alone.
func warnPreviousRenewed(ctx context.Context, resp *resource.ReadResponse, state *serviceAccountRotatingTokenModel,
	previous, active string, previousSA *client.ServiceAccount) {
	prev := state.PreviousTokenID.ValueString()
	resp.Diagnostics.AddWarning("Previous Token No Longer Works",
		fmt.Sprintf("The token of service account %s, this rotating token's previous token, was renewed outside "+
			"Terraform at %s (token id %s; state held %s): in the Console, by another configuration, or by an apply "+
			"killed during a rotation. Consumers still on the previous token fail until they pick up the active token "+
			"(service account %s), which is not affected; the overlap is gone until the next rotation, and nothing is "+
			"rotated because of this.",
			previous, previousSA.TokenRenewedAt.UTC().Format(time.RFC3339), previousSA.TokenID, prev, active))
	updateRecord(ctx, resp.Private, &resp.Diagnostics, func(r *tokenRecord) { r.ForeignPrevious = true })
}

// rotatingKeepUUID keeps the UUID in state, in its case, when it is the Console's.
func rotatingKeepUUID(was uuidValue, console string) uuidValue {
	if strings.EqualFold(was.ValueString(), console) {
		return was
	}
	return uuidOf(console)
}

// keepInstant keeps the value in state when it is the same instant as the Console's.
func keepInstant(was, now timetypes.RFC3339) timetypes.RFC3339 {
	a, okA := timeOf(was)
	b, okB := timeOf(now)
	if okA && okB && a.Equal(b) {
		return was
	}
	return now
}

func (r *serviceAccountRotatingTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	var plan, state serviceAccountRotatingTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Token.IsUnknown() {
		// No rotation planned (a trigger set or removed, rotate_every changed): only state
		// changes. rotation_due is judged again now, as the next refresh would.
		if plan.RotationDue.IsUnknown() {
			plan.RotationDue = dueValue(state.RotationDue, rotationTimes(&plan).due(r.data.consoleNow(ctx, nil)))
		}
		if plan.PreviousTokenID.IsUnknown() { // the second account of a moved token (rotating_token_move.go)
			plan.PreviousTokenID = r.currentTokenID(ctx, api, &plan, plan.PreviousServiceAccountID.ValueString())
		}
		resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
		return
	}
	ids, _ := accountIDs(state.ServiceAccountIDs)
	active := state.ActiveServiceAccountID.ValueString()
	next := plan.ActiveServiceAccountID.ValueString()
	if next == "" {
		next = otherAccount(ids, active)
	}
	before := state.PreviousTokenID.ValueString() // the token of the account that becomes active
	if !strings.EqualFold(next, state.PreviousServiceAccountID.ValueString()) {
		before = ""
	}
	issued, unconfirmed := r.renew(ctx, api, &plan, next, before, &resp.Diagnostics)
	if issued == nil {
		// The active token in state is untouched (still working, if it did). Record what
		// became of the inactive account's token: when the Console did renew, the previous
		// token is gone, and the next plan rotates again. When it may still renew, the
		// previous token id is unknown: the next refresh records it, without taking a
		// renewal of this apply for one made outside Terraform.
		if unconfirmed != "" {
			state.PreviousTokenID = types.StringNull()
			resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
		} else if id := r.currentTokenID(ctx, api, &state, next); !id.IsNull() && !id.Equal(state.PreviousTokenID) {
			state.PreviousTokenID = id
			resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
		}
		return
	}
	ctx = maskSecrets(ctx, issued.Token)
	setActive(&plan, next, issued)
	plan.RotationDue = types.BoolValue(false)
	plan.PreviousServiceAccountID = types.StringValue(active)
	plan.PreviousTokenID = state.TokenID
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
	renewed(ctx, resp.Private, true, &resp.Diagnostics, next) // token_record.go
}

func (r *serviceAccountRotatingTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountRotatingTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	activeTokenID := state.TokenID.ValueString()
	if state.Token.IsNull() {
		activeTokenID = "" // already dead; the account's current token is someone else's
	}
	previousTokenID := state.PreviousTokenID.ValueString()
	if loadRecord(ctx, req.Private).ForeignPrevious {
		previousTokenID = "" // renewed outside Terraform: someone else's
	}
	for _, t := range []struct{ id, tokenID string }{
		{state.ActiveServiceAccountID.ValueString(), activeTokenID},
		{state.PreviousServiceAccountID.ValueString(), previousTokenID},
	} {
		if t.id != "" && t.tokenID != "" {
			r.data.discardTokenDiag(ctx, api, r.scope(&state), strings.ToLower(t.id), t.tokenID, &resp.Diagnostics)
		}
	}
}

// ImportState takes "<id1>,<id2>" or "<organization_id>/<id1>,<id2>" (import_id.go).
func (r *serviceAccountRotatingTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	orgID, ids, ok := rotatingImport.parse(ctx, req, r.data, &resp.Diagnostics)
	if !ok {
		return
	}
	list, d := types.ListValue(types.StringType, []attr.Value{types.StringValue(ids[0]), types.StringValue(ids[1])})
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ids[0]+","+ids[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("service_account_ids"), list)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), orgID)...)
	setStale(ctx, resp.Private, "it was imported, and the Console never shows a token again after issuing it", &resp.Diagnostics)
	resp.Diagnostics.AddWarning("Token Cannot Be Imported",
		"The Console shows a token only when it issues it, so the import recorded the tokens' metadata but not the "+
			"secret. The account renewed last is taken as active; the next terraform apply rotates: it renews the token "+
			"of the other account, which becomes active and is stored in state, while the token of the account renewed "+
			"last keeps working as the previous token.")
}
