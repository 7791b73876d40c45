package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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

var (
	_ resource.ResourceWithConfigure      = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithImportState    = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serviceAccountTokenResource)(nil)
)

// renewalDue is what the last refresh found due for a token whose renewal_due is
// true: it has expired, or is within renew_before of its expiry.
type renewalDue struct {
	Expired     bool
	ExpiresAt   string
	RenewBefore string
}

// renewalTimes are the instants from which a token of state whose expiry is expiresAt
// is due for renewal (token_due.go): its expiry, and renew_before before it.
func renewalTimes(state *serviceAccountTokenModel, expiresAt *time.Time) dueTimes {
	d := dueTimes{expiresAt: expiresAt}
	if before := state.RenewBefore.Duration(); expiresAt != nil && before > 0 {
		opens := expiresAt.Add(-before)
		d.opensAt = &opens
	}
	return d
}

// dueInState is what the state, as last refreshed, says is due: nil when nothing.
// Terraform plans again when it applies, with the state of the refresh, and both plans
// must agree however much time passes between them (a saved plan, an approval): so they
// decide on renewal_due, which the refresh set, not on the time they run.
func dueInState(state *serviceAccountTokenModel) *renewalDue {
	if !state.RenewalDue.ValueBool() {
		return nil
	}
	at := state.ExpiresAt.ValueString()
	if t, err := time.Parse(time.RFC3339, at); err == nil {
		at = t.UTC().Format(time.RFC3339)
	}
	return &renewalDue{Expired: state.HasExpired.ValueBool(), ExpiresAt: at, RenewBefore: state.RenewBefore.ValueString()}
}

type serviceAccountTokenResource struct {
	data *providerData
}

func (r *serviceAccountTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_token"
}

func (r *serviceAccountTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *serviceAccountTokenResource) scope(m *serviceAccountTokenModel) client.Scope {
	return client.Scope{OrganizationID: m.OrganizationID.Lower()}
}

func (r *serviceAccountTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	var plan serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	issued, _ := r.renew(ctx, api, &plan, "", &resp.Diagnostics)
	if issued == nil {
		return
	}
	ctx = maskSecrets(ctx, issued.Token)
	state := r.stateFromIssued(&plan, issued)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
	renewed(ctx, resp.Private, false, &resp.Diagnostics, plan.ServiceAccountID.Lower()) // token_record.go
}

// renew issues a new token for the planned expiry, the account's token being before
// ("" unknown); nil when it failed (diagnosed), with why when a renewal could not be
// confirmed (renewToken).
func (r *serviceAccountTokenResource) renew(ctx context.Context, api *client.Client, plan *serviceAccountTokenModel, before string, diags *diag.Diagnostics) (*client.IssuedToken, string) {
	now, _ := r.consoleNow(ctx, plan)
	expiresAt, err := plannedExpiry(plan, now)
	if err != nil {
		diags.AddAttributeError(path.Root("expires_at"), "Invalid Expiry", err.Error())
		return nil, ""
	}
	var lifetime time.Duration
	if !plan.ExpiresIn.IsNull() && !plan.ExpiresIn.IsUnknown() && expiresAt != nil {
		lifetime = expiresAt.Sub(now) // checked by plannedExpiry
	}
	return r.data.renewTokenDiag(ctx, api, renewRequest{scope: r.scope(plan), id: plan.ServiceAccountID.Lower(),
		before: before, expiresAt: expiresAt, lifetime: lifetime,
		unconfirmedNote: "State records that the token in state does not work, and the next apply renews it again.",
	}, diags)
}

// plannedExpiry is the expiry a renewal asks for: expires_at as configured, now plus
// expires_in, or nil (never expires).
func plannedExpiry(m *serviceAccountTokenModel, now time.Time) (*time.Time, error) {
	if !m.ExpiresIn.IsNull() && !m.ExpiresIn.IsUnknown() {
		d, err := parseDuration(m.ExpiresIn.ValueString())
		if err != nil {
			return nil, fmt.Errorf("expires_in: %w", err)
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
			// Never sent: a renewal to a passed instant would issue a dead token.
			return nil, fmt.Errorf("expires_at: %s has passed (now %s on the Console's clock), so the token cannot be "+
				"renewed to it. Set expires_at to a later instant, or use expires_in for a lifetime counted from each "+
				"renewal", t.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		return &t, nil
	}
	return nil, nil
}

// consoleNow is the Console's time (providerData.consoleNow) and, when it differs from
// this machine's clock by more than a minute, a note for messages saying which clock was
// used. When no answer of the Console has told its clock yet (a fresh provider process:
// Terraform plans again when it applies), the account is read for it, and cached for
// what follows; a token that needs no clock (no expiry, or its expiry removed) makes no
// call for it.
func (r *serviceAccountTokenResource) consoleNow(ctx context.Context, m *serviceAccountTokenModel) (time.Time, string) {
	if r.data == nil {
		return r.data.localNow(), "" // not configured: this machine's clock
	}
	learn := func(context.Context) {}
	if r.data.cache != nil && !m.ServiceAccountID.IsUnknown() && !m.ServiceAccountID.IsNull() &&
		!m.OrganizationID.IsUnknown() && !m.OrganizationID.IsNull() &&
		(!m.ExpiresIn.IsNull() || (!m.ExpiresAt.IsNull() && !m.ExpiresAt.IsUnknown())) {
		learn = func(ctx context.Context) { _, _ = r.data.cache.Get(ctx, r.scope(m), m.ServiceAccountID.Lower()) }
	}
	now := r.data.consoleNow(ctx, learn)
	return now, r.data.consoleClockNote(now)
}

// stateFromIssued is the state after a renewal: the plan with the new token.
func (r *serviceAccountTokenResource) stateFromIssued(plan *serviceAccountTokenModel, issued *client.IssuedToken) serviceAccountTokenModel {
	sa := &issued.ServiceAccount
	s := *plan
	s.ID = uuidOf(sa.ID)
	s.OrganizationID = uuidOf(sa.OrganizationID)
	s.Token = types.StringValue(issued.Token)
	s.TokenID = types.StringValue(sa.TokenID)
	s.RenewedAt = rfc3339Of(&sa.TokenRenewedAt)
	s.HasExpired = types.BoolValue(false)
	s.RenewalDue = types.BoolValue(false)
	s.ExpiresAt = expiresAtValue(plan.ExpiresAt, sa.TokenExpiresAt)
	return s
}

// expiresAtValue keeps a configured expires_at as written when the Console's expiry is
// the same instant (it may be written with another offset); otherwise the Console's.
func expiresAtValue(configured timetypes.RFC3339, console *time.Time) timetypes.RFC3339 {
	if console != nil && !configured.IsNull() && !configured.IsUnknown() {
		if t, err := time.Parse(time.RFC3339, configured.ValueString()); err == nil && t.Truncate(time.Second).Equal(console.Truncate(time.Second)) {
			return configured
		}
	}
	return rfc3339Of(console)
}

func (r *serviceAccountTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
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
	sa, err := r.data.cache.Get(ctx, r.scope(&state), state.ServiceAccountID.Lower())
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
		setStale(ctx, resp.Private, fmt.Sprintf("the token was renewed elsewhere at %s (token id %s; state held %s), "+
			"in the Console, by another Terraform configuration or state, or by an earlier apply that was interrupted "+
			"(killed) before it recorded the new token, so the token in state no longer works", rfc3339Of(&sa.TokenRenewedAt).ValueString(), sa.TokenID, state.TokenID.ValueString()),
			&resp.Diagnostics)
		noticeRenewalElsewhere(ctx, resp.Private, sa.ID, state.RenewedAt, sa.TokenRenewedAt, sa.TokenExpiresAt, sa.TokenID, &resp.Diagnostics)
	}
	state.ID = uuidOf(sa.ID)
	state.OrganizationID = uuidOf(sa.OrganizationID)
	state.TokenID = types.StringValue(sa.TokenID)
	state.RenewedAt = rfc3339Of(&sa.TokenRenewedAt)
	state.ExpiresAt = expiresAtValue(state.ExpiresAt, sa.TokenExpiresAt)
	now, _ := r.consoleNow(ctx, &state)
	due := renewalTimes(&state, sa.TokenExpiresAt)
	state.HasExpired = types.BoolValue(due.expired(now))
	state.RenewalDue = dueValue(state.RenewalDue, due.due(now)) // null in older states until it matters
	resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.State, &state, &prior)...)
}

func (r *serviceAccountTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
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
		updateRecord(ctx, resp.Private, &resp.Diagnostics, func(r *tokenRecord) { r.Replacing = nil })
		return
	}
	issued, unconfirmed := r.renew(ctx, api, &plan, state.TokenID.ValueString(), &resp.Diagnostics)
	if issued == nil {
		r.afterFailedRenewal(ctx, api, &state, unconfirmed, resp)
		return
	}
	ctx = maskSecrets(ctx, issued.Token)
	next := r.stateFromIssued(&plan, issued)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &next)...)
	renewed(ctx, resp.Private, true, &resp.Diagnostics, plan.ServiceAccountID.Lower()) // token_record.go
}

// afterFailedRenewal makes state match the Console after a renewal failed: when the
// Console did renew (its answer was lost), or may still renew (unconfirmed, the reason
// renewToken gave), the token in state is dead, or may die at any moment, and state
// says so, so that the next plan renews again and explains why.
func (r *serviceAccountTokenResource) afterFailedRenewal(ctx context.Context, api *client.Client, state *serviceAccountTokenModel, unconfirmed string, resp *resource.UpdateResponse) {
	sa, err := api.GetServiceAccount(ctx, r.scope(state), state.ServiceAccountID.Lower())
	if unconfirmed == "" && (err != nil || sa.TokenID == state.TokenID.ValueString()) {
		return // unchanged, or unknowable now: the next refresh will tell
	}
	reason := unconfirmed
	if err == nil {
		r.data.cache.Put(sa)
		state.TokenID = types.StringValue(sa.TokenID)
		state.RenewedAt = rfc3339Of(&sa.TokenRenewedAt)
		state.ExpiresAt = expiresAtValue(state.ExpiresAt, sa.TokenExpiresAt)
		if reason == "" {
			reason = fmt.Sprintf("a renewal at %s was made but its answer, holding the new token, was lost",
				rfc3339Of(&sa.TokenRenewedAt).ValueString())
		}
	}
	state.Token = types.StringNull()
	resp.Diagnostics.Append(setModel(ctx, &resp.State, state)...)
	setStale(ctx, resp.Private, reason, &resp.Diagnostics)
}

func (r *serviceAccountTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	tokenID := state.TokenID.ValueString()
	if state.Token.IsNull() {
		tokenID = "" // already dead (renewed elsewhere, imported): the account's token is someone else's
	}
	r.data.discardTokenDiag(ctx, api, r.scope(&state), state.ServiceAccountID.Lower(), tokenID, &resp.Diagnostics)
}

// ImportState takes the service account id (or "<organization_id>/<service_account_id>"; import_id.go).
// The secret cannot be read back: state records the metadata, and the next plan renews.
func (r *serviceAccountTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	orgID, ids, ok := tokenImport.parse(ctx, req, r.data, &resp.Diagnostics)
	if !ok {
		return
	}
	orgID, id := strings.ToLower(orgID), strings.ToLower(ids[0]) // the Console's case; any case is accepted
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("service_account_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), orgID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("renewal_due"), false)...) // the refresh that follows decides
	setStale(ctx, resp.Private, "it was imported, and the Console never shows a token again after issuing it", &resp.Diagnostics)
	resp.Diagnostics.AddWarning("Token Cannot Be Imported",
		"The Console shows a token only when it issues it, so the import recorded the token's metadata but not the "+
			"secret. The next terraform apply renews the token (the current one stops working) and stores the new one.")
}

// serviceAccountTokenModel is the platformer_service_account_token resource.
type serviceAccountTokenModel struct {
	ID               uuidValue         `tfsdk:"id"`
	ServiceAccountID uuidValue         `tfsdk:"service_account_id"`
	OrganizationID   uuidValue         `tfsdk:"organization_id"`
	ExpiresIn        durationValue     `tfsdk:"expires_in"`
	ExpiresAt        timetypes.RFC3339 `tfsdk:"expires_at"`
	RenewBefore      durationValue     `tfsdk:"renew_before"`
	RotationTrigger  types.Dynamic     `tfsdk:"rotation_trigger"`
	Token            types.String      `tfsdk:"token"`
	TokenID          types.String      `tfsdk:"token_id"`
	RenewedAt        timetypes.RFC3339 `tfsdk:"renewed_at"`
	HasExpired       types.Bool        `tfsdk:"has_expired"`
	RenewalDue       types.Bool        `tfsdk:"renewal_due"`
}

func (r *serviceAccountTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The API token of a service account. The Console holds one token per account and " +
			"shows it only when it is issued; renewing issues a new token and invalidates the previous one at once.\n\n" +
			"Creating this resource renews the account's token and keeps the new one, sensitive, in state: after " +
			"apply the only working token of the account is the one in state. Destroying it renews the token once " +
			"more and discards the result, so a leaked state file stops being a working credential.",
		Attributes: withAttributes(map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				CustomType:          uuidType{},
				MarkdownDescription: "Same as `service_account_id`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"service_account_id": schema.StringAttribute{
				Required:            true,
				CustomType:          uuidType{},
				MarkdownDescription: "UUID of the service account, in any case. Changing it replaces the resource.",
				PlanModifiers:       []planmodifier.String{keepStateUUID{}, stringplanmodifier.RequiresReplace()},
			},
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true,
				CustomType: uuidType{},
				MarkdownDescription: "UUID of the account's organization, in any case. Defaults to the provider's " +
					"`organization_id` when the token is created; a later change of the provider's does not move it, " +
					"since its account stays where it is. Changing it here replaces the resource.",
				PlanModifiers: []planmodifier.String{keepStateUUID{}, stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"expires_in": schema.StringAttribute{
				Optional:   true,
				CustomType: durationType{},
				MarkdownDescription: "Lifetime of each token issued, as a duration such as `30d` or `720h` (units `d`, `h`, " +
					"`m`, `s`; at least `1m`): `expires_at` is set to the time of renewal plus this, less 1 to 60 " +
					"seconds drawn at random (at most a sixtieth of it), which marks the renewal as this provider's " +
					"should its answer be lost. Conflicts with " +
					"`expires_at`; with neither, the token never expires. Changing it renews the token; writing the same " +
					"length another way (`720h` to `30d`) changes nothing.",
				Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("expires_at"))},
			},
			"expires_at": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "When the token expires (RFC 3339). Set it for a fixed expiry, or leave it to be computed " +
					"from `expires_in`. Changing it renews the token. A fixed instant must be in the future when a renewal " +
					"is planned (creating the resource, or changing `rotation_trigger` or the expiry): otherwise the plan " +
					"fails, naming this attribute. Once it has passed, the configuration still validates, plans and " +
					"destroys: the plan warns that the token expired and renews nothing, until `expires_at` is set to a " +
					"later instant (or replaced by `expires_in`).",
				CustomType: timetypes.RFC3339Type{},
			},
			"renew_before": schema.StringAttribute{
				Optional:   true,
				CustomType: durationType{},
				MarkdownDescription: "Plan a renewal once the token is this close to its expiry, such as `7d` or `168h`. " +
					"Requires `expires_in` (a renewal keeps a fixed `expires_at`, so renewing early would not help), and " +
					"must be shorter than it. A token that has already expired is always planned for renewal. Both are " +
					"judged on the Console's clock, which the provider estimates from the `Date` header of its answers.",
				Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("expires_in"))},
			},
			"rotation_trigger": schema.DynamicAttribute{
				Optional: true,
				MarkdownDescription: "Any value of any type (string, number, list, map, object). When it changes from one " +
					"value to another, the token is renewed in place: same resource, new secret. Adding it to a token that " +
					"had none, or removing it, renews nothing. A value not known until apply (from another resource) counts " +
					"as a change. Wire it to `time_rotating.x.id`, a version number or a date to rotate on a schedule or " +
					"on demand. Write a number with at most 15 significant digits, or as a string: Terraform itself " +
					"fails the plan on some longer ones (2^-30 written out in full), whatever the provider.",
			},
		}, tokenResultAttributes()),
	}
}

// tokenResultAttributes are the attributes of platformer_service_account_token that the Console decides.
func tokenResultAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"token": schema.StringAttribute{
			Computed:            true,
			Sensitive:           true,
			MarkdownDescription: "The token: the raw value for the `Authorization` header. Sensitive. Null after an import or once the token was renewed outside Terraform, until the next apply renews it.",
		},
		"token_id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Identifier of the current token (not a secret); it changes at every renewal.",
		},
		"renewed_at": schema.StringAttribute{
			Computed:            true,
			CustomType:          timetypes.RFC3339Type{},
			MarkdownDescription: "When the current token was issued (RFC 3339).",
		},
		"has_expired": schema.BoolAttribute{
			Computed: true,
			MarkdownDescription: "Whether the token had expired when it was last read, on the Console's clock (estimated " +
				"from the `Date` header of its answers). An expired token is renewed by the next apply, unless its " +
				"fixed `expires_at` has passed.",
		},
		"renewal_due": schema.BoolAttribute{
			Computed: true,
			MarkdownDescription: "Whether the last refresh found the token due for renewal by time: expired, or within " +
				"`renew_before` of its expiry, on the Console's clock. A plan renews the token for time only when the " +
				"refreshed state says so, so that a saved plan applied later, or an approval given later, does what the " +
				"plan showed: what becomes due after the refresh is renewed by the next plan. A plan made with " +
				"`-refresh=false` decides on the state as last refreshed, and warns when the token is due by now.",
		},
	}
}

// minTokenLifetime is the shortest expires_in accepted.
const minTokenLifetime = time.Minute

// ValidateConfig checks the expiry settings together, at plan time.
func (r *serviceAccountTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Whether expires_at has passed is not checked here: validation does not depend on
	// the date. ModifyPlan checks it when, and only when, it plans a renewal.
	if !m.ExpiresIn.IsNull() && !m.ExpiresIn.IsUnknown() {
		if d := m.ExpiresIn.Duration(); d > 0 && d < minTokenLifetime {
			resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Token Lifetime Too Short",
				fmt.Sprintf("expires_in: %q is shorter than the shortest token lifetime accepted, %s: the Console keeps "+
					"expiries to the second, and a token must outlive the apply that issues it. Use \"%s\" or more.",
					m.ExpiresIn.ValueString(), minTokenLifetime, "1m"))
		}
	}
	// renew_before without expires_in, and expires_in with expires_at, are refused by the
	// attributes' validators (AlsoRequires, ConflictsWith).
	if before, lifetime := m.RenewBefore.Duration(), m.ExpiresIn.Duration(); before > 0 && lifetime > 0 && before >= lifetime {
		resp.Diagnostics.AddAttributeError(path.Root("renew_before"), "Renew Before Too Long",
			fmt.Sprintf("renew_before (%q) must be shorter than expires_in (%q): otherwise every plan would renew "+
				"the token. Use a shorter renew_before, such as a quarter of expires_in.", m.RenewBefore.ValueString(),
				m.ExpiresIn.ValueString()))
	}
}

// ModifyPlan decides whether this apply renews the token, and says why when the reason
// is not a change in the configuration: expiry, a renewal made elsewhere, an import.
//
// Terraform plans again when it applies, and the second plan must agree with the first,
// however long after it comes (a saved plan, an approval): so no decision here depends
// on the time it is made. Whether the token is due for renewal by time (expired, or
// within renew_before) was decided by the refresh and recorded in private state
// (dueKey), which both plans read; what becomes due after it is for the next plan.
func (r *serviceAccountTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if r.data.checkTokenMove(ctx, &req, path.Root("service_account_id"), "the token of service account %s", &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	var plan, config serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planned := plan
	if !r.data.planTokenOrganization(ctx, &req, path.Root("service_account_id"), &plan.OrganizationID, config.OrganizationID, &resp.Diagnostics) {
		return
	}
	if req.State.Raw.IsNull() {
		r.planCreate(ctx, &req, resp, &plan, &config)
		return
	}
	var state serviceAccountTokenModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.planUpdate(ctx, &req, resp, tokenPlan{plan: &plan, planned: &planned, config: &config, state: &state})
}

// tokenPlan is what the steps of ModifyPlan for an existing token work on.
type tokenPlan struct {
	plan, planned, config, state *serviceAccountTokenModel
}

// planCreate plans a new token: a renewal, to an expires_at that must not have passed.
func (r *serviceAccountTokenResource) planCreate(ctx context.Context, req *resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse,
	plan, config *serviceAccountTokenModel) {
	now, note := r.consoleNow(ctx, plan)
	// A create renews the token: a passed expires_at is an error now, not at apply.
	if at, passed := passedExpiresAt(config, now); passed {
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Expiry in the Past",
			fmt.Sprintf("expires_at: %s has passed (now %s%s), and creating this resource issues a token that "+
				"expires then. Set expires_at to a later instant, or use expires_in for a lifetime counted from each "+
				"renewal.", at, now.Format(time.RFC3339), note))
		return
	}
	r.claim(ctx, req, resp, plan, "", false)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = plan.ServiceAccountID
	planRenewal(plan, config)
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, plan)...)
}

// planUpdate plans an existing token: kept, renewed in place, or replaced.
func (r *serviceAccountTokenResource) planUpdate(ctx context.Context, req *resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, p tokenPlan) {
	plan, state := p.plan, p.state
	if !plan.OrganizationID.IsUnknown() && !uuidsEqual(plan.OrganizationID, state.OrganizationID) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
	}
	// The same length written another way ("720h", "30d") plans nothing: keep state's.
	if durationsEqual(plan.ExpiresIn, state.ExpiresIn) {
		plan.ExpiresIn = state.ExpiresIn
	}
	if durationsEqual(plan.RenewBefore, state.RenewBefore) {
		plan.RenewBefore = state.RenewBefore
	}
	if r.claimUpdate(ctx, req, resp, plan, state); resp.Diagnostics.HasError() {
		return
	}
	configChanges := renewalConfigChanges(p.config, state, plan)
	due := dueInState(state)
	now, note := r.consoleNow(ctx, plan) // for messages, and to refuse a renewal to a passed expires_at
	otherReasons := renewalReasons(ctx, req.Private, state, due, now, note)
	if len(configChanges) == 0 && len(otherReasons) == 0 {
		warnDueUnrefreshed(state, now, note, &resp.Diagnostics)
		keepToken(ctx, resp, p)
		return
	}
	// A renewal keeps a fixed expires_at: once it has passed, a renewal is refused when
	// the configuration asks for one, and otherwise not planned (the token expired, as
	// configured; the plan says how to renew it). Nothing is ever sent with it.
	if len(configChanges) > 0 {
		if at, passed := passedExpiresAt(p.config, now); passed {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Expiry in the Past",
				fmt.Sprintf("expires_at: %s has passed (now %s%s), and this plan renews the token of service account %s "+
					"because %s: the new token would expire at that instant. Set expires_at to a later instant, or use "+
					"expires_in for a lifetime counted from each renewal.", at, now.Format(time.RFC3339), note,
					state.ServiceAccountID.ValueString(), strings.Join(configChanges, " and ")))
			return
		}
	} else if due != nil && due.Expired && !p.config.ExpiresAt.IsNull() {
		resp.Diagnostics.AddAttributeWarning(path.Root("expires_at"), "Token Expired",
			fmt.Sprintf("The token of service account %s expired at %s, the expires_at of its configuration (now %s%s), "+
				"and no longer works. It is not renewed, because a renewal keeps expires_at, which has "+
				"passed. To renew it, set expires_at to a later instant, or use expires_in for a lifetime counted from "+
				"each renewal, and apply.", state.ServiceAccountID.ValueString(), due.ExpiresAt, now.Format(time.RFC3339), note))
		keepToken(ctx, resp, p)
		return
	}
	plan.ID = state.ID
	planRenewal(plan, p.config)
	if len(otherReasons) > 0 {
		resp.Diagnostics.AddWarning("Token Will Be Renewed",
			fmt.Sprintf("This apply renews the token of service account %s because %s. %s", state.ServiceAccountID.ValueString(),
				strings.Join(otherReasons, "; and "), currentTokenFate(state, now)))
	}
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, plan)...)
}

// claimUpdate records the prior token id for the create of a replacement, and claims
// the account's token for an update in place (token_managers.go).
func (r *serviceAccountTokenResource) claimUpdate(ctx context.Context, req *resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse,
	plan, state *serviceAccountTokenModel) {
	// A replacement is claimed by the create Terraform plans next (token_managers.go).
	replacing := len(resp.RequiresReplace) > 0 || plan.ServiceAccountID.IsUnknown() ||
		plan.ServiceAccountID.Lower() != state.ServiceAccountID.Lower()
	r.claim(ctx, req, resp, plan, state.TokenID.ValueString(), replacing)
}

// renewalConfigChanges are the changes of the configuration that renew the token.
func renewalConfigChanges(config, state, plan *serviceAccountTokenModel) []string {
	var changes []string
	// Only a change of rotation_trigger from one value to another renews: adding it to a
	// token that had none, or removing it, does not. An unknown value is a change.
	if !dynamicNull(state.RotationTrigger) && !dynamicNull(plan.RotationTrigger) && !plan.RotationTrigger.Equal(state.RotationTrigger) {
		changes = append(changes, "rotation_trigger changed")
	}
	if !durationsEqual(config.ExpiresIn, state.ExpiresIn) {
		changes = append(changes, "expires_in changed")
	}
	if !config.ExpiresAt.IsNull() && !config.ExpiresAt.Equal(state.ExpiresAt) {
		changes = append(changes, "expires_at changed")
	}
	if config.ExpiresAt.IsNull() && config.ExpiresIn.IsNull() && !state.ExpiresAt.IsNull() {
		changes = append(changes, "the expiry was removed")
	}
	return changes
}

// renewalReasons are the reasons to renew that are not the configuration's: the token in
// state does not work, or the refresh found it due (expired, or within renew_before).
func renewalReasons(ctx context.Context, private privateGetter, state *serviceAccountTokenModel, due *renewalDue,
	now time.Time, note string) []string {
	if state.Token.IsNull() {
		return []string{staleReason(ctx, private, "the token in state does not work")}
	}
	if due == nil {
		return nil
	}
	if due.Expired {
		return []string{fmt.Sprintf("the token expired at %s (now %s%s)", due.ExpiresAt, now.Format(time.RFC3339), note)}
	}
	return []string{fmt.Sprintf("the token expires at %s, within renew_before (%s) of now (%s%s)",
		due.ExpiresAt, due.RenewBefore, now.Format(time.RFC3339), note)}
}

// warnDueUnrefreshed warns when the token is due for renewal by time now although the
// state, as last refreshed, did not say so: the plan was made with -refresh=false, or
// it became due after the refresh (while a saved plan waited to be applied). This plan
// does not renew it, so that it agrees with the plan it repeats; the next plan that
// refreshes does.
func warnDueUnrefreshed(state *serviceAccountTokenModel, now time.Time, note string, diags *diag.Diagnostics) {
	expiry, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString())
	if state.Token.IsNull() || state.ExpiresAt.IsNull() || err != nil {
		return
	}
	if !renewalTimes(state, &expiry).due(now) {
		return
	}
	at := expiry.UTC().Format(time.RFC3339)
	what := "expired at " + at
	if now.Before(expiry) {
		what = fmt.Sprintf("expires at %s, within renew_before (%s) of now", at, state.RenewBefore.ValueString())
	}
	dueLeftToNextPlan{action: "Renewal", verb: "renew", what: what,
		subject: "The token of service account " + state.ServiceAccountID.ValueString()}.warn(now, note, diags)
}

// keepToken plans no renewal: what the Console issued stays as in state.
func keepToken(ctx context.Context, resp *resource.ModifyPlanResponse, p tokenPlan) {
	plan, state := p.plan, p.state
	plan.ID, plan.Token, plan.TokenID = state.ID, state.Token, state.TokenID
	plan.RenewedAt, plan.HasExpired, plan.ExpiresAt = state.RenewedAt, state.HasExpired, state.ExpiresAt
	plan.RenewalDue = state.RenewalDue
	resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.Plan, plan, p.planned)...)
}

// claim registers this resource as the manager of its account's token, for the
// one-manager rule (token_managers.go), once the account id is known.
func (r *serviceAccountTokenResource) claim(ctx context.Context, req *resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse,
	plan *serviceAccountTokenModel, priorTokenID string, replacing bool) {
	var accounts []claimedAccount
	if !plan.ServiceAccountID.IsUnknown() && !plan.ServiceAccountID.IsNull() {
		accounts = append(accounts, claimedAccount{plan.ServiceAccountID.Lower(), path.Root("service_account_id")})
	}
	r.data.claimFromPlan(ctx, "platformer_service_account_token", req, resp, priorTokenID, replacing, accounts...)
}

// passedExpiresAt reports whether the configured expires_at is known and has passed
// at now, and the instant as written in UTC.
func passedExpiresAt(config *serviceAccountTokenModel, now time.Time) (string, bool) {
	if config.ExpiresAt.IsNull() || config.ExpiresAt.IsUnknown() {
		return "", false
	}
	t, err := time.Parse(time.RFC3339, config.ExpiresAt.ValueString())
	if err != nil || t.Truncate(time.Second).After(now) {
		return "", false
	}
	return t.UTC().Format(time.RFC3339), true
}

// dynamicNull reports whether a dynamic value is null, or holds a null.
func dynamicNull(v types.Dynamic) bool {
	return v.IsNull() || (!v.IsUnknown() && v.IsUnderlyingValueNull())
}

// planRenewal marks what a renewal changes as known after apply.
func planRenewal(plan, config *serviceAccountTokenModel) {
	plan.Token = types.StringUnknown()
	plan.TokenID = types.StringUnknown()
	plan.RenewedAt = timetypes.NewRFC3339Unknown()
	plan.HasExpired = types.BoolValue(false)
	plan.RenewalDue = types.BoolValue(false)
	switch {
	case !config.ExpiresAt.IsNull():
		plan.ExpiresAt = config.ExpiresAt
	case !config.ExpiresIn.IsNull():
		plan.ExpiresAt = timetypes.NewRFC3339Unknown()
	default:
		plan.ExpiresAt = timetypes.NewRFC3339Null()
	}
}
