package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var _ action.ActionWithConfigure = (*serviceAccountRevokeTokenAction)(nil)

// NewServiceAccountRevokeTokenAction returns the platformer_service_account_revoke_token
// action.
func NewServiceAccountRevokeTokenAction() action.Action { return &serviceAccountRevokeTokenAction{} }

type serviceAccountRevokeTokenAction struct{ data *providerData }

type revokeTokenModel struct {
	OrganizationID   uuidValue `tfsdk:"organization_id"`
	ServiceAccountID uuidValue `tfsdk:"service_account_id"`
}

func (a *serviceAccountRevokeTokenAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_revoke_token"
}

func (a *serviceAccountRevokeTokenAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *serviceAccountRevokeTokenAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes a service account's token at once, for a token that leaked: " +
			"`terraform apply -invoke=action.platformer_service_account_revoke_token.NAME` renews the token and " +
			"discards the new one unseen (it expires within the hour). The revoke is done once the account shows a token " +
			"other than the leaked one, even when the Console's answer is lost. A token that has expired already is " +
			"left alone: nothing is changed. Nothing else in the configuration is planned or changed.\n\n" +
			"The configuration that manages the token (`platformer_service_account_token` or " +
			"`platformer_service_account_rotating_token`) notices the renewal at its next plan, and issues a fresh " +
			"token, saying why. See the guide [When a token leaks](../guides/token-leak.md).",
		Attributes: map[string]schema.Attribute{
			"service_account_id": schema.StringAttribute{
				Required: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the service account whose token is revoked, in any case.",
			},
			"organization_id": schema.StringAttribute{
				Optional: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the account's organization, in any case. Defaults to the provider's " +
					"`organization_id`.",
			},
		},
	}
}

// Invoke revokes the account's token (revokeToken, token_lifecycle.go) and says what it did.
func (a *serviceAccountRevokeTokenAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m revokeTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	api := a.data.apiOrDiag(&resp.Diagnostics)
	orgID := a.data.resolveOrganization(m.OrganizationID, "action", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.ServiceAccountID.Lower()
	out := a.data.revokeToken(ctx, api, client.Scope{OrganizationID: orgID}, id)
	sa := out.Account
	switch {
	case sa == nil && client.IsNotFound(out.Err):
		resp.Diagnostics.AddAttributeError(path.Root("service_account_id"), "Service Account Not Found",
			fmt.Sprintf("No token was revoked: service_account_id %s names no service account of organization %s "+
				"(organization_id, or the provider's). Give the id of an account of that organization, or set "+
				"organization_id to the account's organization.", id, orgID))
	case sa == nil:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s, whose token is to be revoked", id), out.Err)
	case out.Expired:
		progress(resp, fmt.Sprintf("Nothing to revoke: the token of %q (%s, token id %s) expired at %s on the Console's "+
			"clock and no longer works. Nothing was changed.", sa.Name, id, sa.TokenID, sa.TokenExpiresAt.UTC().Format(time.RFC3339)))
	case out.Revoked:
		progress(resp, revokedText(sa, out.After))
	default:
		revokeFailed(&resp.Diagnostics, sa, out)
	}
}

// revokedText says what a revoke did: the leaked token (as sa held it) no longer works.
func revokedText(sa, after *client.ServiceAccount) string {
	if after == nil {
		return fmt.Sprintf("Revoked: service account %q (%s) no longer exists, so its token (id %s) no longer works.",
			sa.Name, sa.ID, sa.TokenID)
	}
	return fmt.Sprintf("Revoked: the token of %q was renewed at %s, so the leaked token (id %s) no longer works. Its "+
		"replacement (id %s) was discarded unseen. The configuration that manages this token issues a fresh one at its "+
		"next apply.", sa.Name, after.TokenRenewedAt.UTC().Format(time.RFC3339), sa.TokenID, after.TokenID)
}

func progress(resp *action.InvokeResponse, msg string) {
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: msg})
	}
}

// revokeFailed reports a revoke that was not seen done: the leaked token still worked
// when last read.
func revokeFailed(diags *diag.Diagnostics, sa *client.ServiceAccount, out revokeOutcome) {
	again := "Invoke the action again, or renew the token in the Console."
	if out.Unknown {
		again = "The Console may still make the renewal; invoke the action again to make sure."
	}
	diags.AddAttributeError(path.Root("service_account_id"), "Token Not Revoked",
		clip(fmt.Sprintf("The token of %q (%s, token id %s) was not revoked and still worked when last read. %s "+
			"Cause: %s", sa.Name, sa.ID, sa.TokenID, again, out.Err)))
}
