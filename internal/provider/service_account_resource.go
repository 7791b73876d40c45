package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*serviceAccountResource)(nil)
	_ resource.ResourceWithImportState    = (*serviceAccountResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*serviceAccountResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serviceAccountResource)(nil)
)

// creationTokenLifetime is the expiry given to the token the Console issues at creation,
// which this resource discards: an unused secret should not outlive the apply for long.
const creationTokenLifetime = time.Hour

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
	var plan serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.createInput()
	expiry := r.data.clock.Now().Add(creationTokenLifetime)
	in.ExpiresAt = &expiry
	started := r.data.clock.Now()
	issued, err := api.CreateServiceAccount(ctx, plan.OrganizationID.ValueString(), in)
	var sa *client.ServiceAccount
	switch {
	case err == nil:
		// The creation-time token is dropped here: it is never written to state or logs.
		sa = &issued.ServiceAccount
	case client.IsOutcomeUnknown(err):
		sa = r.adoptLostCreate(ctx, api, &plan, started, err, &resp.Diagnostics)
	default:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create service account %q", plan.Name.ValueString()), err)
	}
	if sa == nil {
		return
	}
	r.data.cache.Put(sa)
	state := serviceAccountModelFrom(sa)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
}

// adoptLostCreate handles a create whose answer was lost (a 502 after commit, a timeout):
// the account may exist. It is adopted when an account of that name exists in the
// scope and was created after the request was sent; otherwise the error stands.
func (r *serviceAccountResource) adoptLostCreate(ctx context.Context, api *client.Client, plan *serviceAccountModel,
	started time.Time, createErr error, diags *diag.Diagnostics) *client.ServiceAccount {
	name := plan.Name.ValueString()
	accounts, err := api.ListServiceAccounts(ctx, plan.scope())
	if err != nil {
		addAPIError(diags, fmt.Sprintf("create service account %q (its answer was lost, and listing the "+
			"scope to find it failed too: %s)", name, err.Error()), createErr)
		return nil
	}
	for i := range accounts {
		sa := &accounts[i]
		if sa.Name != name || sa.ProjectID != plan.ProjectID.ValueString() {
			continue
		}
		// Allow for clock skew between this machine and the Console.
		if sa.CreatedAt.Before(started.Add(-2 * time.Minute)) {
			diags.AddError("Outcome Unknown",
				fmt.Sprintf("Could not create service account %q: %s\n\nAn account of that name already exists (id %s, "+
					"created %s, before this apply), so it was not created by this request and is not adopted. Import it "+
					"with: terraform import <address> %s", name, createErr.Error(), sa.ID, sa.CreatedAt.Format(time.RFC3339), sa.ID))
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
	var plan, state serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	api := r.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sa, err := api.UpdateServiceAccount(ctx, state.scope(), state.ID.ValueString(), plan.updateInput())
	if err != nil {
		r.data.cache.Forget(state.OrganizationID.ValueString(), state.ID.ValueString())
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update service account %s", state.ID.ValueString()), err)
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
	r.data.cache.Forget(state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete service account %s", state.ID.ValueString()), err)
	}
}

// ImportState accepts "<service_account_id>" (in the provider's organization) or
// "<organization_id>/<service_account_id>".
func (r *serviceAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	orgID, id, msg := parseImportID(req.ID, r.data)
	if msg != "" {
		resp.Diagnostics.AddError("Invalid Import ID", msg)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), orgID)...)
}

// parseImportID splits an import id into organization and service account ids, or
// explains what is wrong with it.
func parseImportID(raw string, data *providerData) (orgID, id, problem string) {
	const accepted = "Expected \"<service_account_id>\" (in the provider's organization) or " +
		"\"<organization_id>/<service_account_id>\", where both are UUIDs."
	parts := strings.Split(strings.TrimSpace(raw), "/")
	switch {
	case len(parts) == 1:
		id = parts[0]
		if data != nil {
			orgID = data.organizationID
		}
		if orgID == "" && client.IsUUID(id) {
			return "", "", fmt.Sprintf("Import id %q names no organization, and the provider has no organization_id. %s", raw, accepted)
		}
	case len(parts) == 2:
		orgID, id = parts[0], parts[1]
	default:
		return "", "", fmt.Sprintf("Import id %q has %d parts. %s", raw, len(parts), accepted)
	}
	if !client.IsUUID(orgID) || !client.IsUUID(id) {
		return "", "", fmt.Sprintf("Import id %q is not made of UUIDs. %s", raw, accepted)
	}
	return orgID, id, ""
}

// ModifyPlan fills in the organization from the provider when the configuration leaves
// it out, replaces the account when that resolved organization changes, and settles
// level, which follows from project_id.
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
	if config.OrganizationID.IsNull() {
		switch {
		case r.data != nil && r.data.organizationUnknown:
			plan.OrganizationID = types.StringUnknown()
		case r.data != nil && r.data.organizationID != "":
			plan.OrganizationID = types.StringValue(r.data.organizationID)
		case r.data != nil:
			resp.Diagnostics.AddAttributeError(path.Root("organization_id"), "Missing Organization ID",
				"Set organization_id on this resource, or in the provider block, or the "+envOrganizationID+
					" environment variable, to the organization's UUID.")
			return
		}
	}
	if !req.State.Raw.IsNull() {
		var state serviceAccountModel
		resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
		if !plan.OrganizationID.IsUnknown() && !plan.OrganizationID.Equal(state.OrganizationID) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
		}
	}
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
