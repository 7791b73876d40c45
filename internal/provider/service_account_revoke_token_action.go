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

// revokedTokenLifetime is the lifetime asked for the token that replaces a revoked one,
// which is discarded unseen. The Console accepts any instant in the future on its own
// clock, kept to the second; the provider knows that clock from the Date header of the
// Console's answers, within about a second. A few seconds is the shortest lifetime
// that the Console accepts however its clock and this machine's differ.
const revokedTokenLifetime = 5 * time.Second

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
			"discards the new one unseen, with the shortest lifetime the Console accepts (a few seconds). The leaked " +
			"token stops working when the renewal is made. Nothing else in the configuration is planned or changed.\n\n" +
			"The configuration that manages the token (`platformer_service_account_token` or " +
			"`platformer_service_account_rotating_token`) notices the renewal at its next plan, and issues a fresh " +
			"token, saying why. See the guide [When a token leaks](../guides/token-leak).",
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

// Invoke reads the account (which also measures the Console's clock), renews its token
// for revokedTokenLifetime and drops the new token.
func (a *serviceAccountRevokeTokenAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m revokeTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	api := a.data.apiOrDiag(&resp.Diagnostics)
	orgID := a.data.resolveOrganization(m.OrganizationID, "action", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	scope, id := client.Scope{OrganizationID: orgID}, m.ServiceAccountID.Lower()
	sa, err := api.GetServiceAccount(ctx, scope, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s, whose token is to be revoked", id), err)
		return
	}
	progress(resp, fmt.Sprintf("Revoking the token of service account %q (%s), token id %s.", sa.Name, id, sa.TokenID))
	expiresAt := api.ConsoleNow().Add(revokedTokenLifetime)
	const again = "the Console may have renewed it: if so, the leaked token no longer works; invoke the action " +
		"again to make sure"
	issued, _ := a.data.renewToken(ctx, api, renewRequest{scope: scope, id: id, before: sa.TokenID, expiresAt: &expiresAt,
		lostNote: again, unconfirmedNote: again}, &resp.Diagnostics)
	if issued == nil {
		revokeFailed(&resp.Diagnostics, sa.Name)
		return
	}
	discardIssued(ctx, issued)
	expiry := "never"
	if t := issued.ServiceAccount.TokenExpiresAt; t != nil {
		expiry = t.UTC().Format(time.RFC3339)
	}
	progress(resp, fmt.Sprintf("Revoked: the token of %q was renewed at %s, so the previous token (id %s) no longer "+
		"works. Its replacement (id %s) was discarded unseen and expires at %s. The configuration that manages this "+
		"token issues a fresh one at its next apply.", sa.Name, issued.ServiceAccount.TokenRenewedAt.UTC().Format(time.RFC3339),
		sa.TokenID, issued.ServiceAccount.TokenID, expiry))
}

func progress(resp *action.InvokeResponse, msg string) {
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: msg})
	}
}

// revokeFailed adds, to the failed renewal's error, that the leaked token may still work.
func revokeFailed(diags *diag.Diagnostics, name string) {
	diags.AddAttributeError(path.Root("service_account_id"), "Token Not Revoked",
		fmt.Sprintf("The token of %q was not revoked (see the error above): unless the Console made the renewal, the "+
			"leaked token still works. Invoke the action again, or renew the token in the Console.", name))
}
