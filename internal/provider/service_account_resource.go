package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*serviceAccountResource)(nil)
	_ resource.ResourceWithImportState    = (*serviceAccountResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*serviceAccountResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*serviceAccountResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serviceAccountResource)(nil)
)

// creationTokenLifetime is the expiry given to the token the Console issues at creation,
// which this resource discards: an unused secret should not outlive the apply for long.
const creationTokenLifetime = time.Hour

// adoptionMargin is how much earlier, on the Console's clock, than a create whose
// answer was lost an account of its name may have been created and still be adopted.
const adoptionMargin = 2 * time.Minute

// NewServiceAccountResource returns the platformer_service_account resource.
func NewServiceAccountResource() resource.Resource { return &serviceAccountResource{} }

type serviceAccountResource struct{ data *providerData }

func (r *serviceAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (r *serviceAccountResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *serviceAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	var plan serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	issued, sentAt, err := r.createOnConsoleClock(ctx, api, &plan)
	var sa *client.ServiceAccount
	switch {
	case err == nil:
		// The creation-time token is dropped here: it is never written to state, and the
		// client never logs it.
		sa = &issued.ServiceAccount
	case client.IsOutcomeUnknown(err):
		sa = r.adoptLostCreate(ctx, api, &plan, sentAt, err, &resp.Diagnostics)
	case client.IsConflict(err):
		r.data.addNameTakenError(ctx, api, api.ConsoleNow(), &plan, err, &resp.Diagnostics)
	default:
		addAccountAPIError(&resp.Diagnostics, fmt.Sprintf("create service account %q", plan.Name.ValueString()), err, plan.request())
	}
	if sa == nil {
		return
	}
	r.data.cache.Put(sa)
	state := serviceAccountModelFrom(sa)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
}

// createOnConsoleClock creates the account, asking for the token the Console issues with
// it (which is discarded) to expire creationTokenLifetime after now on the Console's
// clock, and returns when it was sent, on this machine's clock (localNow). A provider
// process that has seen no answer of the Console yet (Terraform starts one for every
// command) knows the Console's clock only from the create's own answer, so it sends the
// create on this machine's clock, and then puts right what the difference changed: a
// create refused because that expiry had passed on the Console's clock (created
// nothing) is sent again with the Console's; a token that would outlive its hour,
// because the Console's clock is behind, is renewed to it (the new one discarded too).
func (r *serviceAccountResource) createOnConsoleClock(ctx context.Context, api *client.Client, plan *serviceAccountModel) (
	*client.IssuedToken, time.Time, error) {
	in := plan.createInput()
	now, known := r.data.consoleNowKnown()
	sentAt := r.data.localNow()
	expiry := discardExpiry(now, creationTokenLifetime)
	in.ExpiresAt = &expiry
	issued, err := api.CreateServiceAccount(ctx, plan.OrganizationID.Lower(), in)
	console, learned := r.data.consoleNowKnown()
	if known || !learned {
		return issued, sentAt, err
	}
	var refused *client.APIError
	if errors.As(err, &refused) && refused.StatusCode == http.StatusBadRequest && !expiry.After(console) {
		expiry = discardExpiry(console, creationTokenLifetime)
		sentAt = r.data.localNow()
		issued, err = api.CreateServiceAccount(ctx, plan.OrganizationID.Lower(), in)
		return issued, sentAt, err
	}
	if err == nil && expiry.After(console.Add(creationTokenLifetime+time.Minute)) {
		sa := &issued.ServiceAccount
		renewed, renewErr := r.data.renewAndDiscard(ctx, api, client.Scope{OrganizationID: sa.OrganizationID}, sa.ID,
			discardExpiry(console, creationTokenLifetime))
		if renewErr == nil {
			issued.ServiceAccount = *renewed
		} else {
			tflogDebug(ctx, "could not shorten the discarded creation token to an hour on the Console's clock",
				map[string]any{"id": sa.ID, "error": renewErr.Error()})
		}
	}
	return issued, sentAt, err
}

// adoptLostCreate handles a create whose answer was lost (a 502 after commit, a timeout):
// the account may exist. It is adopted when an account of that name exists in the
// scope and was created after the request was sent (sentAt, on this machine's clock, put
// on the Console's, which wrote created_at); otherwise the error stands.
func (r *serviceAccountResource) adoptLostCreate(ctx context.Context, api *client.Client, plan *serviceAccountModel,
	sentAt time.Time, createErr error, diags *diag.Diagnostics) *client.ServiceAccount {
	name := plan.Name.ValueString()
	accounts, err := api.ListServiceAccounts(ctx, plan.scope())
	started := r.data.consoleTimeAt(sentAt) // the listing's answer told the Console's clock, if nothing before did
	if err != nil {
		addAPIError(diags, fmt.Sprintf("create service account %q (its answer was lost, and listing the "+
			"scope to find it failed too: %s)", name, err.Error()), createErr)
		return nil
	}
	for i := range accounts {
		sa := &accounts[i]
		if sa.Name != name || sa.ProjectID != plan.ProjectID.Lower() {
			continue
		}
		// Both instants are the Console's; the margin covers the estimate of its clock
		// (about a second) and the time the request took to reach it.
		if sa.CreatedAt.Before(started.Add(-adoptionMargin)) {
			diags.AddError("Outcome Unknown",
				fmt.Sprintf("Could not create service account %q: %s\n\nAn account of that name already exists (id %s, "+
					"created %s, before this apply), so it was not created by this request and is not adopted. If it is this "+
					"resource's, %s", name,
					createErr.Error(), sa.ID, sa.CreatedAt.Format(time.RFC3339), importInstructions(sa.OrganizationID, sa.ID)))
			return nil
		}
		diags.AddWarning("Service Account Adopted After a Lost Response",
			fmt.Sprintf("The Console's answer to the create of %q was lost (%s), but the account was created: "+
				"id %s, created %s. It has been adopted; nothing was duplicated.", name, createErr.Error(), sa.ID,
				sa.CreatedAt.Format(time.RFC3339)))
		return sa
	}
	addAPIError(diags, fmt.Sprintf("create service account %q (its answer was lost, and no account of "+
		"that name exists, so nothing was created; apply again)", name), createErr)
	return nil
}

func (r *serviceAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	var state serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() || r.data.skipRefresh("Service account "+state.ID.ValueString(), &resp.Diagnostics) {
		return
	}
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || api == nil {
		return
	}
	sa, err := r.data.cache.Get(ctx, state.scope(), state.ID.ValueString())
	if client.IsNotFound(err) {
		tflogDebug(ctx, "service account is gone; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s", state.ID.ValueString()), err)
		return
	}
	next := serviceAccountModelFrom(sa)
	resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.State, &next, &state)...)
}

func (r *serviceAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	var plan, state serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sa, err := api.UpdateServiceAccount(ctx, state.scope(), state.ID.ValueString(), plan.updateInput())
	if err != nil {
		r.data.cache.Forget(state.OrganizationID.Lower(), state.ID.ValueString())
		addAccountAPIError(&resp.Diagnostics, fmt.Sprintf("update service account %s", state.ID.ValueString()), err, plan.request())
		return
	}
	r.data.cache.Put(sa)
	next := serviceAccountModelFrom(sa)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &next)...)
}

func (r *serviceAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	err := api.DeleteServiceAccount(ctx, state.scope(), state.ID.ValueString())
	r.data.cache.Forget(state.OrganizationID.Lower(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete service account %s", state.ID.ValueString()), err)
	}
}

// ImportState accepts "<service_account_id>" (in the provider's organization) or
// "<organization_id>/<service_account_id>" (import_id.go).
func (r *serviceAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
	orgID, ids, ok := accountImport.parse(ctx, req, r.data, &resp.Diagnostics)
	if !ok {
		return
	}
	orgID, id := strings.ToLower(orgID), strings.ToLower(ids[0]) // the Console's case; any case is accepted

	// For one manager per account (token_managers.go).
	r.data.markImporting(ctx, resp.Private, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), orgID)...)
}

// ModifyPlan fills in the organization from the provider when the configuration leaves
// it out, replaces the account when that resolved organization changes, settles level,
// which follows from project_id, and claims the account of its prior state (one
// manager per account).
func (r *serviceAccountResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planned := plan
	var config serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	warnUnknownPermissions(&config, &resp.Diagnostics)
	if !r.data.planOrganization(&plan.OrganizationID, config.OrganizationID, &resp.Diagnostics) {
		return
	}
	var state *serviceAccountModel
	if !req.State.Raw.IsNull() {
		state = &serviceAccountModel{}
		resp.Diagnostics.Append(getModel(ctx, req.State, state)...)
		if !plan.OrganizationID.IsUnknown() && !uuidsEqual(plan.OrganizationID, state.OrganizationID) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
		}
		r.checkMove(ctx, &plan, state, config.OrganizationID.IsNull(), &resp.Diagnostics)
		// One manager per account (token_managers.go).
		r.data.claimAccount(req.Config.Raw, state.ID.ValueString(), state.Name.ValueString(),
			r.data.importingAccount(ctx, req.Private), &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	r.data.checkProjectKeys(ctx, &plan, state, &resp.Diagnostics)
	// One name per scope (service_account_name_taken.go).
	r.data.claimName(ctx, &plan, state, len(resp.RequiresReplace) > 0, &req, resp)
	switch {
	case plan.ProjectID.IsUnknown():
		plan.Level = types.StringUnknown()
	case plan.ProjectID.IsNull():
		plan.Level = types.StringValue(levelOrganization)
	default:
		plan.Level = types.StringValue(levelProject)
	}
	resp.Diagnostics.Append(setModelIfChanged(ctx, &resp.Plan, &plan, &planned)...)
}

// checkProjectKeys refuses, at plan time, a key of project_permissions that is neither
// the account's organization nor one of its projects, which the Console would refuse
// at apply. Only keys that state does not hold are checked, against the projects the
// provider's token lists (reach.go: one call per organization and provider process),
// so a plan that adds no key makes no call. When the provider cannot list them (its
// token unknown until apply, or not allowed to), the Console decides at apply.
func (d *providerData) checkProjectKeys(ctx context.Context, plan, state *serviceAccountModel, diags *diag.Diagnostics) {
	org := plan.OrganizationID.Lower()
	if plan.OrganizationID.IsUnknown() || org == "" || plan.ProjectPermissions.IsUnknown() {
		return
	}
	var fresh []string
	for key := range plan.projectPermissions() {
		held := false
		if state != nil && uuidsEqual(state.OrganizationID, plan.OrganizationID) {
			_, held = lowerKeys(state.projectPermissions())[strings.ToLower(key)]
		}
		if !held && !strings.EqualFold(key, org) {
			fresh = append(fresh, key)
		}
	}
	if len(fresh) == 0 || d == nil {
		return
	}
	api, err := d.api()
	if err != nil {
		return
	}
	projects, err := d.reach.projectsOf(ctx, api, org)
	if err != nil {
		return
	}
	known := map[string]bool{}
	for _, p := range projects {
		known[strings.ToLower(p.ID)] = true
	}
	slices.Sort(fresh)
	for _, key := range fresh {
		if known[strings.ToLower(key)] {
			continue
		}
		diags.AddAttributeError(path.Root("project_permissions").AtMapKey(key), "Unknown Project",
			fmt.Sprintf("project_permissions: the key %q is neither organization %s nor one of its projects, so the "+
				"Console would refuse it at apply. Use the UUID of one of its projects as the key (a "+
				"platformer_project data source finds one by name). %s", key, org,
				reachableProjects(&client.Organization{ID: org}, projects)))
	}
}

// lowerKeys is m with its keys in lower case.
func lowerKeys(m map[string][]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// checkMove refuses a replacement that moves the account to an organization or project
// that the provider's token cannot reach (reach.go): it would delete the account first.
func (r *serviceAccountResource) checkMove(ctx context.Context, plan, state *serviceAccountModel, orgFromProvider bool,
	diags *diag.Diagnostics) {
	if plan.OrganizationID.IsUnknown() || plan.ProjectID.IsUnknown() {
		return
	}
	orgMoved := !uuidsEqual(plan.OrganizationID, state.OrganizationID)
	projectMoved := !uuidsEqual(plan.ProjectID, state.ProjectID)
	if !orgMoved && (!projectMoved || plan.ProjectID.IsNull()) {
		return
	}
	m := move{
		what:    fmt.Sprintf("service account %s (%q)", state.ID.ValueString(), state.Name.ValueString()),
		orgPath: path.Root("organization_id"), orgFromProvider: orgFromProvider,
		fromOrg: state.OrganizationID.Lower(), toOrg: plan.OrganizationID.Lower(), toProject: plan.ProjectID.Lower(),
	}
	r.data.checkMove(ctx, m, diags)
}

// Schema version 0 held the account's token_expires_at and token_renewed_at. Renewing
// the token (platformer_service_account_token, or anyone in the Console) changes them,
// so the account drifted on every rotation and failed with "inconsistent result after
// apply" when applied without a refresh. Version 1 leaves them to the token resource.
var serviceAccountTokenAttributesV0 = []string{"token_expires_at", "token_renewed_at"}

// UpgradeState takes a state of schema version 0 to the current one: the token's two
// attributes go, everything else is kept as it was.
func (r *serviceAccountResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	var current resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &current)
	v0 := current.Schema
	v0.Version = 0
	v0.Attributes = make(map[string]schema.Attribute, len(current.Schema.Attributes)+len(serviceAccountTokenAttributesV0))
	for name, a := range current.Schema.Attributes {
		v0.Attributes[name] = a
	}
	for _, name := range serviceAccountTokenAttributesV0 {
		v0.Attributes[name] = schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}}
	}
	return map[int64]resource.StateUpgrader{0: {PriorSchema: &v0, StateUpgrader: upgradeServiceAccountStateV0}}
}

func upgradeServiceAccountStateV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var prior types.Object
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	attrs := prior.Attributes()
	for _, name := range serviceAccountTokenAttributesV0 {
		delete(attrs, name)
	}
	typ, ok := resp.State.Schema.Type().(attr.TypeWithAttributeTypes)
	if !ok {
		resp.Diagnostics.AddError("Provider bug: schema is not an object",
			"Upgrading the state of a service account from schema version 0 failed. Please report this issue.")
		return
	}
	upgraded, diags := types.ObjectValue(typ.AttributeTypes(), attrs)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, upgraded)...)
}

const (
	maxNameLength        = 100
	maxDescriptionLength = 500
)

// The empty name is left to the length check, so it gets one clear error.
var nameRegexp = regexp.MustCompile(`^[A-Za-z0-9 ._-]*$`)

// nameValidators are the Console's rules for a service account name.
func nameValidators() []validator.String {
	return []validator.String{
		stringvalidator.UTF8LengthBetween(1, maxNameLength),
		stringvalidator.RegexMatches(nameRegexp,
			"may contain only letters (A-Z, a-z), digits, spaces, '-', '_' and '.'"),
	}
}

func (r *serviceAccountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	emptySet := types.SetValueMust(types.StringType, []attr.Value{})
	resp.Schema = schema.Schema{
		// Version 1 dropped token_expires_at and token_renewed_at (UpgradeState).
		Version: 1,
		MarkdownDescription: "A service account of the Platformer Console: a non-human identity at the organization " +
			"level or at the project level, holding permissions and custom roles.\n\n" +
			"The token the Console issues when the account is created is discarded and never written to state; it " +
			"is created with a one-hour expiry so an unused secret does not outlive the apply. Manage the account's " +
			"token with `platformer_service_account_token`, which reports the token's expiry and renewal time. They are " +
			"not attributes of this resource, so that renewing the token never changes the account's state.",
		Attributes: withAttributes(map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "UUID of the service account.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("Name, unique within the account's scope (its organization, or its project): "+
					"1 to %d letters, digits, spaces, `-`, `_` or `.`.", maxNameLength),
				Validators: nameValidators(),
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: fmt.Sprintf("Free text, at most %d characters. Defaults to empty.", maxDescriptionLength),
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(maxDescriptionLength)},
			},
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "UUID of the organization, in any case. Defaults to the provider's `organization_id`. " +
					"Changing it replaces the account; the plan fails, destroying nothing, if the token cannot reach it.",
				CustomType:    uuidType{},
				PlanModifiers: []planmodifier.String{keepStateUUID{}, stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "UUID of a project of the organization, in any case: set, the account is a " +
					"project-level account; unset, an organization-level account. Changing it replaces the account; the plan fails, destroying nothing, if the token cannot reach it.",
				CustomType:    uuidType{},
				PlanModifiers: []planmodifier.String{keepStateUUID{}, stringplanmodifier.RequiresReplace()},
			},
			"permissions": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Default: setdefault.StaticValue(emptySet),
				MarkdownDescription: "Permission codes at the account's own level: organization codes (such as " +
					"`organization.viewer`) for an organization-level account, project codes (such as `rudder.app.admin`) " +
					"for a project-level account. Order does not matter. Defaults to none. Every code, by level: " +
					"[permission codes](../guides/permissions.md).",
				Validators: []validator.Set{setvalidator.SizeAtMost(catalog.MaxCodesPerBinding)},
			},
			"custom_role_ids": schema.SetAttribute{
				ElementType: uuidType{},
				Optional:    true, Computed: true,
				Default: setdefault.StaticValue(types.SetValueMust(uuidType{}, []attr.Value{})),
				MarkdownDescription: "UUIDs of custom roles of the organization granted to the account, in any case. " +
					"Defaults to none.",
				// The framework validates the attribute's value, not a set's elements, by their type.
				Validators:    []validator.Set{setvalidator.ValueStringsAre(uuidValidator{}), distinctUUIDs{}},
				PlanModifiers: []planmodifier.Set{keepStateUUIDSet{}},
			},
			"project_permissions": schema.MapAttribute{
				ElementType: projectPermissionsType,
				Optional:    true, Computed: true,
				Default: mapdefault.StaticValue(types.MapValueMust(projectPermissionsType, map[string]attr.Value{})),
				MarkdownDescription: "Organization-level accounts only: project UUID (in lower case) => project permission " +
					"codes granted on that project. Each entry needs at least one code. Defaults to none. Project-level codes: " +
					"[permission codes](../guides/permissions.md#project-level).",
				Validators: []validator.Map{
					mapvalidator.KeysAre(lowerUUIDKey{}),
					mapvalidator.ValueSetsAre(setvalidator.SizeBetween(1, catalog.MaxCodesPerBinding)),
				},
			},
		}, accountResultAttributes()),
	}
}

// accountResultAttributes are the attributes of platformer_service_account that the Console decides.
func accountResultAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"level": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "`organization` or `project`.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"created_at": schema.StringAttribute{
			CustomType:          timetypes.RFC3339Type{},
			Computed:            true,
			MarkdownDescription: "When the account was created (RFC 3339).",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
	}
}

const (
	levelOrganization = "organization"
	levelProject      = "project"
)

// projectPermissionsType is map(set(string)): project id => permission codes.
var projectPermissionsType = types.SetType{ElemType: types.StringType}

// serviceAccountModel is the platformer_service_account resource.
type serviceAccountModel struct {
	ID                 types.String      `tfsdk:"id"`
	Name               types.String      `tfsdk:"name"`
	Description        types.String      `tfsdk:"description"`
	OrganizationID     uuidValue         `tfsdk:"organization_id"`
	ProjectID          uuidValue         `tfsdk:"project_id"`
	Permissions        types.Set         `tfsdk:"permissions"`
	CustomRoleIDs      types.Set         `tfsdk:"custom_role_ids"`
	ProjectPermissions types.Map         `tfsdk:"project_permissions"`
	Level              types.String      `tfsdk:"level"`
	CreatedAt          timetypes.RFC3339 `tfsdk:"created_at"`
}

// ownCollection is the collection the account's own permissions are granted on: its
// project for a project-level account, its organization otherwise.
func (m *serviceAccountModel) ownCollection() string {
	if p := m.ProjectID.Lower(); p != "" {
		return p
	}
	return m.OrganizationID.Lower()
}

// projectPermissions returns the project_permissions map as project id => codes.
func (m *serviceAccountModel) projectPermissions() map[string][]string {
	out := map[string][]string{}
	if m.ProjectPermissions.IsNull() || m.ProjectPermissions.IsUnknown() {
		return out
	}
	for k, v := range m.ProjectPermissions.Elements() {
		if set, ok := v.(types.Set); ok {
			out[k] = setStrings(set)
		}
	}
	return out
}

// roles maps permissions and project_permissions onto the Console's roles entries:
// one for the account's own collection, one for each project it reaches.
func (m *serviceAccountModel) roles() []client.RoleBinding {
	roles := []client.RoleBinding{}
	if own := setStrings(m.Permissions); len(own) > 0 {
		roles = append(roles, client.RoleBinding{CollectionID: m.ownCollection(), RoleIDs: own})
	}
	pp := m.projectPermissions()
	for _, project := range sortedKeys(pp) {
		if len(pp[project]) > 0 {
			roles = append(roles, client.RoleBinding{CollectionID: project, RoleIDs: pp[project]})
		}
	}
	return roles
}

func (m *serviceAccountModel) createInput() client.CreateServiceAccountInput {
	return client.CreateServiceAccountInput{
		Name:          m.Name.ValueString(),
		Description:   m.Description.ValueString(),
		ProjectID:     m.ProjectID.Lower(),
		Roles:         m.roles(),
		CustomRoleIDs: lowerUUIDs(m.CustomRoleIDs),
	}
}

func (m *serviceAccountModel) updateInput() client.UpdateServiceAccountInput {
	return client.UpdateServiceAccountInput{
		Name:          m.Name.ValueString(),
		Description:   m.Description.ValueString(),
		Roles:         m.roles(),
		CustomRoleIDs: lowerUUIDs(m.CustomRoleIDs),
	}
}

func (m *serviceAccountModel) scope() client.Scope {
	return client.Scope{OrganizationID: m.OrganizationID.Lower(), ProjectID: m.ProjectID.Lower()}
}

// serviceAccountModelFrom converts what the Console returned into the model.
func serviceAccountModelFrom(sa *client.ServiceAccount) serviceAccountModel {
	m := serviceAccountModel{
		ID:             types.StringValue(sa.ID),
		Name:           types.StringValue(sa.Name),
		Description:    types.StringValue(sa.Description),
		OrganizationID: uuidOf(sa.OrganizationID),
		ProjectID:      uuidOrNull(sa.ProjectID),
		Level:          types.StringValue(accountLevel(sa)),
		CustomRoleIDs:  uuidSet(sa.CustomRoleIDs),
		CreatedAt:      rfc3339Of(&sa.CreatedAt),
	}
	m.Permissions, m.ProjectPermissions = accountRoles(sa)
	return m
}

// accountLevel is "organization" or "project".
func accountLevel(sa *client.ServiceAccount) string {
	if sa.ProjectID != "" {
		return levelProject
	}
	return levelOrganization
}

// accountRoles splits the Console's roles entries into permissions (on the account's
// own collection) and project_permissions (project id => codes on that project).
func accountRoles(sa *client.ServiceAccount) (permissions types.Set, projectPermissions types.Map) {
	own := sa.OrganizationID
	if sa.ProjectID != "" {
		own = sa.ProjectID
	}
	var perms []string
	projects := map[string]attr.Value{}
	for _, r := range sa.Roles {
		if r.CollectionID == own {
			perms = append(perms, r.RoleIDs...)
			continue
		}
		projects[r.CollectionID] = stringSet(r.RoleIDs)
	}
	return stringSet(perms), types.MapValueMust(projectPermissionsType, projects)
}

// ValidateConfig checks permission codes against the catalog by level, at plan time.
// Values still unknown (from other resources) are left to apply time.
func (r *serviceAccountResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var diags diag.Diagnostics
	validateAccountPermissions(&m, &diags)
	resp.Diagnostics.Append(diags.Errors()...) // the warnings are ModifyPlan's (warnUnknownPermissions)
}

func validateAccountPermissions(m *serviceAccountModel, diags *diag.Diagnostics) {
	projectLevel := !m.ProjectID.IsNull()
	if projectLevel && !m.ProjectPermissions.IsNull() && (m.ProjectPermissions.IsUnknown() || len(m.ProjectPermissions.Elements()) > 0) {
		diags.AddAttributeError(path.Root("project_permissions"), "Project Permissions on a Project-Level Account",
			"project_permissions grants codes on other projects and is accepted only on organization-level accounts "+
				"(without project_id). A project-level account holds permissions on its own project only: put its "+
				"project codes in permissions.")
	}
	if !m.ProjectID.IsUnknown() {
		own := catalog.LevelOrganization
		if projectLevel {
			own = catalog.LevelProject
		}
		checkCodes(m.Permissions, path.Root("permissions"), own, diags)
	}
	if !projectLevel && !m.ProjectPermissions.IsNull() && !m.ProjectPermissions.IsUnknown() {
		for _, project := range sortedKeys(m.ProjectPermissions.Elements()) {
			if set, ok := m.ProjectPermissions.Elements()[project].(types.Set); ok {
				checkCodes(set, path.Root("project_permissions").AtMapKey(project), catalog.LevelProject, diags)
			}
		}
	}
}

// checkCodes reports codes of the wrong level as errors and unknown codes as warnings.
func checkCodes(codes types.Set, at path.Path, level catalog.Level, diags *diag.Diagnostics) {
	for _, code := range setStrings(codes) {
		msg, isError := permissionProblem(code, level)
		switch {
		case msg == "":
		case isError:
			diags.AddAttributeError(at, "Permission Code at the Wrong Level", fmt.Sprintf("%s: %s", at, msg))
		default:
			diags.AddAttributeWarning(at, "Unknown Permission Code", fmt.Sprintf("%s: %s", at, msg))
		}
	}
}
