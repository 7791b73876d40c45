package provider

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure      = (*serviceAccountEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose          = (*serviceAccountEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*serviceAccountEphemeralResource)(nil)
)

const (
	// ephemeralDefaultPrefix starts the name of every temporary account unless
	// name_prefix says otherwise.
	ephemeralDefaultPrefix = "terraform-run-"
	// ephemeralSuffixLength random characters follow the prefix.
	ephemeralSuffixLength   = 8
	ephemeralSuffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	// ephemeralMarker starts the description of every temporary account. The leftover
	// sweep deletes only accounts whose description starts with it.
	ephemeralMarker = "Temporary service account of a Terraform run (ephemeral platformer_service_account)"

	ephemeralDefaultLifetime = time.Hour
	ephemeralMinLifetime     = time.Minute
	ephemeralMaxLifetime     = 24 * time.Hour

	// ephemeralPrivateKey holds, in the private data Terraform passes to Close, which
	// account to delete.
	ephemeralPrivateKey = "account"
)

// ephemeralSuffix matches the random suffix this resource appends to name_prefix.
var ephemeralSuffix = regexp.MustCompile(`^[a-z0-9]{` + fmt.Sprint(ephemeralSuffixLength) + `}$`)

// NewServiceAccountEphemeralResource returns the ephemeral platformer_service_account:
// a service account created for one Terraform run and deleted when the run ends, so its
// token is never written to a plan or to state.
func NewServiceAccountEphemeralResource() ephemeral.EphemeralResource {
	return &serviceAccountEphemeralResource{}
}

type serviceAccountEphemeralResource struct{ data *providerData }

// serviceAccountEphemeralModel is the ephemeral platformer_service_account.
type serviceAccountEphemeralModel struct {
	NamePrefix         types.String      `tfsdk:"name_prefix"`
	OrganizationID     uuidValue         `tfsdk:"organization_id"`
	ProjectID          uuidValue         `tfsdk:"project_id"`
	Permissions        types.Set         `tfsdk:"permissions"`
	CustomRoleIDs      types.Set         `tfsdk:"custom_role_ids"`
	ProjectPermissions types.Map         `tfsdk:"project_permissions"`
	ExpiresIn          durationValue     `tfsdk:"expires_in"`
	ID                 types.String      `tfsdk:"id"`
	Name               types.String      `tfsdk:"name"`
	Token              types.String      `tfsdk:"token"`
	ExpiresAt          timetypes.RFC3339 `tfsdk:"expires_at"`
}

// ephemeralAccount is what Close needs, kept in the private data Terraform hands back.
type ephemeralAccount struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	OrganizationID string    `json:"organization_id"`
	ProjectID      string    `json:"project_id,omitempty"`
	ExpiresAt      time.Time `json:"expires_at"`
}

func (a *ephemeralAccount) scope() client.Scope {
	return client.Scope{OrganizationID: a.OrganizationID, ProjectID: a.ProjectID}
}

func (r *serviceAccountEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (r *serviceAccountEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *serviceAccountEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A service account that lives for one Terraform run: opened (created) when the run " +
			"needs it, closed (deleted) when the run ends, with a token that Terraform never writes to a plan or to " +
			"state. Use its `token` to configure another provider (such as a `platformer` provider alias) or a " +
			"provisioner for the run.\n\n" +
			"Terraform opens ephemeral resources during `terraform plan` too: a plan creates a temporary account and " +
			"deletes it when it ends, and an apply creates its own. Nothing is left behind either way. A run that is " +
			"killed before it can delete its account leaves one whose token expires after `expires_in`; the next " +
			"run with the same `name_prefix` in the same scope deletes it once that token has expired.\n\n" +
			"Requires Terraform 1.10 or later.",
		Attributes: withAttributes(map[string]schema.Attribute{
			"name_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Start of the account's name; %d random lower-case letters and digits "+
					"follow it. At most %d letters, digits, spaces, `-`, `_` or `.`. Defaults to `%s`. Leftovers of "+
					"killed runs are looked for under this prefix.", ephemeralSuffixLength, maxNameLength-ephemeralSuffixLength,
					ephemeralDefaultPrefix),
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, maxNameLength-ephemeralSuffixLength),
					stringvalidator.RegexMatches(nameRegexp, "may contain only letters (A-Z, a-z), digits, spaces, '-', '_' and '.'"),
				},
			},
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "UUID of the organization, in any case. Defaults to the provider's `organization_id`.",
				CustomType:          uuidType{},
			},
			"project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "UUID of a project of the organization, in any case: set, the account is a " +
					"project-level account of that project; unset, an organization-level account.",
				CustomType: uuidType{},
			},
			"permissions": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Permission codes at the account's own level: organization codes (such as " +
					"`organization.viewer`) for an organization-level account, project codes (such as `rudder.app.admin`) " +
					"for a project-level account. Defaults to none. Every code, by level: " +
					"[permission codes](../guides/permissions.md).",
				Validators: []validator.Set{setvalidator.SizeAtMost(catalog.MaxCodesPerBinding)},
			},
			"custom_role_ids": schema.SetAttribute{
				ElementType:         uuidType{},
				Optional:            true,
				MarkdownDescription: "UUIDs of custom roles of the organization granted to the account, in any case. Defaults to none.",
				// The framework checks the elements' type only for managed resources.
				Validators: []validator.Set{setvalidator.ValueStringsAre(uuidValidator{})},
			},
			"project_permissions": schema.MapAttribute{
				ElementType: projectPermissionsType,
				Optional:    true,
				MarkdownDescription: "Organization-level accounts only: project UUID (in lower case) => project permission " +
					"codes granted on that project. Each entry needs at least one code. Defaults to none. Project-level codes: " +
					"[permission codes](../guides/permissions.md#project-level).",
				Validators: []validator.Map{
					mapvalidator.KeysAre(lowerUUIDKey{}),
					mapvalidator.ValueSetsAre(setvalidator.SizeBetween(1, catalog.MaxCodesPerBinding)),
				},
			},
			"expires_in": schema.StringAttribute{
				CustomType: durationType{},
				Optional:   true,
				MarkdownDescription: fmt.Sprintf("How long the token works, from when the account is created: a duration "+
					"such as `30m`, `1h` or `1d`, from `%s` to `%s`. Defaults to `%s`. Make it longer than the run: the "+
					"token is not renewed.", formatLifetime(ephemeralMinLifetime), formatLifetime(ephemeralMaxLifetime),
					formatLifetime(ephemeralDefaultLifetime)),
			},
		}, ephemeralResultAttributes()),
	}
}

// ephemeralResultAttributes are the attributes of the ephemeral platformer_service_account
// that the Console decides.
func ephemeralResultAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "UUID of the temporary service account.",
		},
		"name": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Name of the temporary service account: `name_prefix` and a random suffix.",
		},
		"token": schema.StringAttribute{
			Computed:  true,
			Sensitive: true,
			MarkdownDescription: "The account's API token. It stops working when the run ends (the account is " +
				"deleted) or at `expires_at`, whichever comes first.",
		},
		"expires_at": schema.StringAttribute{
			CustomType:          timetypes.RFC3339Type{},
			Computed:            true,
			MarkdownDescription: "When the token expires (RFC 3339, on the Console's clock).",
		},
	}
}

// formatLifetime renders a lifetime the way users write it: "1h", "24h", "1m".
func formatLifetime(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(s, "0m")
}

// ValidateConfig checks, at plan time, what the schema's validators cannot: the
// lifetime's range and the permission codes by level (the managed resource's rules).
func (r *serviceAccountEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m serviceAccountEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.ExpiresIn.IsNull() && !m.ExpiresIn.IsUnknown() {
		if d, err := parseDuration(m.ExpiresIn.ValueString()); err == nil && (d < ephemeralMinLifetime || d > ephemeralMaxLifetime) {
			resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Token Lifetime Out of Range",
				fmt.Sprintf("expires_in: %q is outside the accepted range: a temporary account's token lives from %s "+
					"to %s. Use a duration in that range, such as %q.", m.ExpiresIn.ValueString(),
					formatLifetime(ephemeralMinLifetime), formatLifetime(ephemeralMaxLifetime), formatLifetime(ephemeralDefaultLifetime)))
		}
	}
	account := m.accountModel("", "", "")
	validateAccountPermissions(&account, &resp.Diagnostics)
}

// accountModel is the configuration as the managed resource's model, so that the
// permission rules and the create input are the managed resource's own.
func (m *serviceAccountEphemeralModel) accountModel(orgID, name, description string) serviceAccountModel {
	return serviceAccountModel{
		Name:               types.StringValue(name),
		Description:        types.StringValue(description),
		OrganizationID:     uuidOf(orgID),
		ProjectID:          m.ProjectID,
		Permissions:        m.Permissions,
		CustomRoleIDs:      m.CustomRoleIDs,
		ProjectPermissions: m.ProjectPermissions,
	}
}

// request is the create's input as addAccountAPIError maps a refused field back to an
// attribute: the managed resource's mapping, except that the name comes from
// name_prefix, the token's expiry from expires_in, and the description is the
// provider's own (not an attribute).
func (m *serviceAccountEphemeralModel) request(account *serviceAccountModel, expiresAt time.Time) accountRequest {
	req := account.request()
	req.values = map[client.InputField]refusedValue{
		client.FieldName: {path.Root("name_prefix"), fmt.Sprintf("the name %q (name_prefix %q and a random suffix)",
			account.Name.ValueString(), m.prefix())},
		client.FieldProjectID: req.values[client.FieldProjectID],
		client.FieldExpiresAt: {path.Root("expires_in"), fmt.Sprintf("the token's expiry %s (expires_in %s from now)",
			expiresAt.UTC().Format(time.RFC3339), formatLifetime(m.lifetime()))},
	}
	return req
}

func (m *serviceAccountEphemeralModel) lifetime() time.Duration {
	if d := m.ExpiresIn.Duration(); d > 0 {
		return d
	}
	return ephemeralDefaultLifetime
}

func (m *serviceAccountEphemeralModel) prefix() string {
	if m.NamePrefix.IsNull() || m.NamePrefix.IsUnknown() {
		return ephemeralDefaultPrefix
	}
	return m.NamePrefix.ValueString()
}

// setUnknown makes every value the Console decides unknown.
func (m *serviceAccountEphemeralModel) setUnknown() {
	if m.OrganizationID.IsNull() {
		m.OrganizationID = uuidUnknown()
	}
	m.ID = types.StringUnknown()
	m.Name = types.StringUnknown()
	m.Token = types.StringUnknown()
	m.ExpiresAt = timetypes.NewRFC3339Unknown()
}

// Open deletes the leftovers of killed runs, then creates the account.
func (r *serviceAccountEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m serviceAccountEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.openUnknown(ctx, &req, resp, &m) {
		return
	}
	api := r.data.apiOrDiag(&resp.Diagnostics)
	orgID := r.data.resolveOrganization(m.OrganizationID, "ephemeral resource", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	scope := client.Scope{OrganizationID: orgID, ProjectID: m.ProjectID.Lower()}
	prefix := m.prefix()
	sweepLeftovers(ctx, r.data, api, scope, prefix, &resp.Diagnostics)

	name, err := ephemeralName(prefix)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Name the Temporary Service Account", "Could not draw a random name suffix: "+err.Error())
		return
	}
	// On the Console's clock (read from the Date of the listing's answers, or of a call
	// made for it when the listing failed): it decides when the token stops working.
	expiresAt := r.data.consoleNow(ctx, nil).Add(m.lifetime()).UTC().Truncate(time.Second)
	account := m.accountModel(orgID, name, temporaryDescription(expiresAt))
	in := account.createInput()
	in.ExpiresAt = &expiresAt
	issued, err := api.CreateServiceAccount(ctx, orgID, in)
	switch {
	case err == nil:
	case client.IsOutcomeUnknown(err):
		issued = recoverLostEphemeralCreate(ctx, r.data, api, scope, name, expiresAt, err, &resp.Diagnostics)
	default:
		addAccountAPIError(&resp.Diagnostics, fmt.Sprintf("create the temporary service account %q", name), err,
			m.request(&account, expiresAt))
	}
	if issued == nil {
		return
	}
	r.recordOpened(ctx, resp, api, &m, issued, scope, expiresAt)
}

// openUnknown answers an Open when the configuration, or the provider's, is not known
// yet, and reports whether it did: Terraform opens an ephemeral resource only once its
// configuration is known, but the provider's own may not be yet (its token or
// organization from a resource planned in this run). Then the result is unknown until
// apply.
func (r *serviceAccountEphemeralResource) openUnknown(ctx context.Context, req *ephemeral.OpenRequest, resp *ephemeral.OpenResponse,
	m *serviceAccountEphemeralModel) bool {
	providerUnknown := r.data != nil && (r.data.unknown != "" || (r.data.organizationUnknown && m.OrganizationID.IsNull()))
	if req.Config.Raw.IsFullyKnown() && !providerUnknown {
		return false
	}
	if req.ClientCapabilities.DeferralAllowed {
		reason := ephemeral.DeferredReasonEphemeralResourceConfigUnknown
		if providerUnknown {
			reason = ephemeral.DeferredReasonProviderConfigUnknown
		}
		resp.Deferred = &ephemeral.Deferred{Reason: reason}
	}
	m.setUnknown()
	resp.Diagnostics.Append(resp.Result.Set(ctx, m)...)
	return true
}

// recordOpened makes the account created for this run the result, and records in the
// private data what Close deletes; when that fails, it deletes the account at once.
func (r *serviceAccountEphemeralResource) recordOpened(ctx context.Context, resp *ephemeral.OpenResponse, api *client.Client,
	m *serviceAccountEphemeralModel, issued *client.IssuedToken, scope client.Scope, expiresAt time.Time) {
	orgID := scope.OrganizationID
	sa := &issued.ServiceAccount
	if sa.TokenExpiresAt != nil {
		expiresAt = sa.TokenExpiresAt.UTC()
	}
	opened := ephemeralAccount{ID: sa.ID, Name: sa.Name, OrganizationID: orgID, ProjectID: scope.ProjectID, ExpiresAt: expiresAt}
	tflog.Info(ctx, "created a temporary service account for this run", map[string]any{
		"id": sa.ID, "name": sa.Name, "expires_at": expiresAt.Format(time.RFC3339),
	})

	if m.OrganizationID.IsNull() {
		m.OrganizationID = uuidOf(orgID)
	}
	m.ID = types.StringValue(sa.ID)
	m.Name = types.StringValue(sa.Name)
	m.Token = types.StringValue(issued.Token)
	m.ExpiresAt = timetypes.NewRFC3339TimeValue(expiresAt)
	raw, err := json.Marshal(opened)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Record the Temporary Service Account", err.Error())
	} else {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, ephemeralPrivateKey, raw)...)
		resp.Diagnostics.Append(resp.Result.Set(ctx, m)...)
	}
	if resp.Diagnostics.HasError() {
		// Terraform calls Close only for what opened: delete it now.
		deleteEphemeralAccount(ctx, api, &opened, &resp.Diagnostics)
		return
	}
	unclosed.add(api, opened)
}

// Close deletes the account; its token dies with it.
func (r *serviceAccountEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, ephemeralPrivateKey)
	resp.Diagnostics.Append(diags...)
	if len(raw) == 0 || resp.Diagnostics.HasError() {
		return
	}
	var opened ephemeralAccount
	if err := json.Unmarshal(raw, &opened); err != nil {
		resp.Diagnostics.AddError("Cannot Read the Temporary Service Account",
			"The private data of the ephemeral platformer_service_account could not be read ("+err.Error()+"), so "+
				"its account was not deleted. This is a bug in the provider; please report it. The next run with the "+
				"same name_prefix deletes the account once its token has expired.")
		return
	}
	unclosed.remove(opened.ID)
	api, err := r.data.api()
	if err != nil {
		closeWarning(&resp.Diagnostics, &opened, err)
		return
	}
	// Within the time every CLI gives Close (OpenTofu abandons it after 10 s, and the
	// warning with it), however slow the Console and however many retries are allowed.
	ctx, cancel := context.WithTimeoutCause(ctx, ephemeralCloseTimeout,
		fmt.Errorf("no answer within %s, the time a run gives the deletion", ephemeralCloseTimeout))
	defer cancel()
	deleteEphemeralAccount(ctx, api, &opened, &resp.Diagnostics)
}

// ephemeralCloseTimeout bounds Close, retries included: OpenTofu waits at most 10 s for
// a provider's Close before it gives up on it; 6 s leaves the margin of a loaded machine.
const ephemeralCloseTimeout = 6 * time.Second

// unclosed are the temporary accounts this provider process opened and Terraform has
// not closed. Terraform (1.11) skips closing an ephemeral resource when an operation
// that depends on it fails, a failed apply for one: Serve deletes what is left here
// when Terraform stops the provider.
var unclosed = &unclosedAccounts{accounts: map[string]unclosedAccount{}}

type unclosedAccounts struct {
	mu       sync.Mutex
	accounts map[string]unclosedAccount // by account id
}

type unclosedAccount struct {
	api     *client.Client
	account ephemeralAccount
}

func (u *unclosedAccounts) add(api *client.Client, a ephemeralAccount) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.accounts[a.ID] = unclosedAccount{api: api, account: a}
}

func (u *unclosedAccounts) remove(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.accounts, id)
}

// closeAll deletes, concurrently and within timeout, every account Terraform left
// open, and returns how many it deleted and the failures. What it cannot delete is
// left to its token's expiry and to the leftover sweep of a later run.
func (u *unclosedAccounts) closeAll(timeout time.Duration) (deleted int, failures []string) {
	u.mu.Lock()
	pending := u.accounts
	u.accounts = map[string]unclosedAccount{}
	u.mu.Unlock()
	if len(pending) == 0 {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range pending {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.api.DeleteServiceAccount(ctx, p.account.scope(), p.account.ID)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !client.IsNotFound(err) {
				failures = append(failures, fmt.Sprintf("%s (%s): %s", p.account.Name, p.account.ID, err.Error()))
				return
			}
			deleted++
		}()
	}
	wg.Wait()
	return deleted, failures
}

// closeUnclosedEphemeralAccounts is what Serve calls once Terraform has stopped the
// provider: Terraform waits about 2 seconds for a plugin to exit before it kills it.
func closeUnclosedEphemeralAccounts() {
	deleted, failures := unclosed.closeAll(1500 * time.Millisecond)
	if deleted > 0 || len(failures) > 0 {
		// Best effort: Terraform may no longer be reading the plugin's stderr.
		fmt.Fprintf(os.Stderr, "[INFO] deleted %d temporary service account(s) that Terraform did not close; "+
			"could not delete %d: %s\n", deleted, len(failures), strings.Join(failures, "; "))
	}
}

// deleteEphemeralAccount deletes the account, a 404 being as good; a failure is a
// warning, since the token expires anyway.
func deleteEphemeralAccount(ctx context.Context, api *client.Client, a *ephemeralAccount, diags *diag.Diagnostics) {
	err := api.DeleteServiceAccount(ctx, a.scope(), a.ID)
	if err != nil && !client.IsNotFound(err) {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", cause, err) // Close's own deadline (ephemeralCloseTimeout)
		}
		closeWarning(diags, a, err)
		return
	}
	tflog.Info(ctx, "deleted the temporary service account of this run", map[string]any{"id": a.ID, "name": a.Name})
}

func closeWarning(diags *diag.Diagnostics, a *ephemeralAccount, err error) {
	diags.AddWarning("Temporary Service Account Not Deleted",
		fmt.Sprintf("Could not delete the temporary service account %q (%s) at the end of the run: %s\n\n"+
			"Its token still works until it expires at %s. Once it has, the next run with the same name_prefix in the "+
			"same organization or project deletes the account; or delete it in the Console now.",
			a.Name, a.ID, err.Error(), a.ExpiresAt.UTC().Format(time.RFC3339)))
}

// recoverLostEphemeralCreate handles a create whose answer was lost. The name is this
// run's alone (a random suffix), so an account of that name in the scope is the one
// this request created: it is adopted, and given a token by a renewal (renewToken,
// token_lifecycle.go), since the token of the create was lost with its answer. When
// the renewal fails the account is deleted; when no account has the name, nothing was
// created.
func recoverLostEphemeralCreate(ctx context.Context, d *providerData, api *client.Client, scope client.Scope, name string,
	expiresAt time.Time, createErr error, diags *diag.Diagnostics) *client.IssuedToken {
	action := fmt.Sprintf("create the temporary service account %q", name)
	accounts, err := api.ListServiceAccounts(ctx, scope)
	if err != nil {
		addAPIError(diags, action+" (its answer was lost, and listing the scope to find it failed too: "+err.Error()+
			"; if it was created, a later run with the same name_prefix deletes it once its token has expired)", createErr)
		return nil
	}
	var found *client.ServiceAccount
	for i := range accounts {
		if accounts[i].Name == name && accounts[i].ProjectID == scope.ProjectID {
			found = &accounts[i]
			break
		}
	}
	if found == nil {
		addAPIError(diags, action+" (its answer was lost, and no account of that name exists, so nothing was created; "+
			"run Terraform again)", createErr)
		return nil
	}
	deleted := "the temporary account it was for (created, its answer lost) is deleted; run Terraform again"
	issued, _ := d.renewTokenDiag(ctx, api, renewRequest{scope: scope, id: found.ID, before: found.TokenID,
		expiresAt: &expiresAt, unconfirmedNote: upperFirst(deleted) + "."}, diags)
	if issued == nil {
		a := &ephemeralAccount{ID: found.ID, Name: name, OrganizationID: scope.OrganizationID, ProjectID: scope.ProjectID, ExpiresAt: expiresAt}
		deleteEphemeralAccount(ctx, api, a, diags)
		return nil
	}
	diags.AddWarning("Temporary Service Account Adopted After a Lost Response",
		fmt.Sprintf("The Console's answer to the create of the temporary service account %q was lost (%s), but the "+
			"account was created (id %s). It has been adopted and given a new token; nothing was duplicated.",
			name, createErr.Error(), found.ID))
	return issued
}

// sweepLeftovers deletes the temporary accounts of runs that ended without closing
// them (killed, crashed): in the scope, those whose name is prefix and a random
// suffix, whose description carries the marker, and whose token expired by now (the
// Console's clock). Nothing else is touched. A failure is a warning: the run goes on.
func sweepLeftovers(ctx context.Context, d *providerData, api *client.Client, scope client.Scope, prefix string, diags *diag.Diagnostics) {
	accounts, err := api.ListServiceAccounts(ctx, scope)
	if err != nil {
		diags.AddWarning("Leftover Temporary Service Accounts Not Checked",
			fmt.Sprintf("Could not list the service accounts of the scope to delete the temporary accounts that earlier, "+
				"killed runs left behind: %s\n\nThe run goes on; the next run tries again.", err.Error()))
		return
	}
	now := d.consoleNow(ctx, nil) // read from the Date of the listing's answers
	var deleted, failed []string
	for i := range accounts {
		sa := &accounts[i]
		if !isLeftover(sa, scope, prefix, now) {
			continue
		}
		err := api.DeleteServiceAccount(ctx, scope, sa.ID)
		switch {
		case err == nil || client.IsNotFound(err):
			deleted = append(deleted, fmt.Sprintf("%q (%s, token expired %s)", sa.Name, sa.ID, sa.TokenExpiresAt.UTC().Format(time.RFC3339)))
		default:
			failed = append(failed, fmt.Sprintf("%q (%s): %s", sa.Name, sa.ID, err.Error()))
		}
	}
	if len(deleted) > 0 {
		diags.AddWarning("Leftover Temporary Service Accounts Deleted",
			fmt.Sprintf("Deleted %d temporary service account(s) that earlier runs left behind (killed before they could "+
				"delete them; their tokens had expired): %s.", len(deleted), strings.Join(deleted, ", ")))
	}
	if len(failed) > 0 {
		diags.AddWarning("Leftover Temporary Service Accounts Not Deleted",
			fmt.Sprintf("Could not delete %d temporary service account(s) that earlier runs left behind (their tokens "+
				"have expired): %s.\n\nThe run goes on; the next run tries again.", len(failed), strings.Join(failed, "; ")))
	}
}

// isLeftover reports whether an account is a temporary account of a past run of this
// prefix and scope whose token has expired.
func isLeftover(sa *client.ServiceAccount, scope client.Scope, prefix string, now time.Time) bool {
	return sa.ProjectID == scope.ProjectID &&
		strings.HasPrefix(sa.Name, prefix) && ephemeralSuffix.MatchString(sa.Name[len(prefix):]) &&
		strings.HasPrefix(sa.Description, ephemeralMarker) &&
		sa.TokenExpiresAt != nil && !sa.TokenExpiresAt.After(now)
}

// temporaryDescription marks an account as temporary and says until when.
func temporaryDescription(expiresAt time.Time) string {
	return fmt.Sprintf("%s: deleted when the run ends; its token expires at %s.", ephemeralMarker,
		expiresAt.UTC().Format(time.RFC3339))
}

// ephemeralName is prefix and a random suffix.
func ephemeralName(prefix string) (string, error) {
	// Bytes from 252 (7 × 36) up are dropped, so every character is equally likely.
	const limit = 256 / len(ephemeralSuffixAlphabet) * len(ephemeralSuffixAlphabet)
	var b strings.Builder
	b.WriteString(prefix)
	buf := make([]byte, 2*ephemeralSuffixLength)
	for b.Len() < len(prefix)+ephemeralSuffixLength {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, c := range buf {
			if int(c) < limit && b.Len() < len(prefix)+ephemeralSuffixLength {
				b.WriteByte(ephemeralSuffixAlphabet[int(c)%len(ephemeralSuffixAlphabet)])
			}
		}
	}
	return b.String(), nil
}
