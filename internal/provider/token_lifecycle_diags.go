package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// The framework's edge of the token lifecycle (token_lifecycle.go): its outcomes as the
// diagnostics a person reads.

// renewTokenDiag is renewToken for a resource: a failure is diagnosed, and the stale
// reason returned ("" when the token in state is untouched).
func (d *providerData) renewTokenDiag(ctx context.Context, api *client.Client, req renewRequest,
	diags *diag.Diagnostics) (*client.IssuedToken, string) {
	issued, failure := d.renewToken(ctx, api, req)
	if failure == nil {
		return issued, ""
	}
	if !failure.Unconfirmed {
		addAPIError(diags, fmt.Sprintf("renew the token of service account %s", req.id), failure.Err)
		return nil, failure.stale()
	}
	if failure.Err != nil {
		// The reason says what the error means; the error itself is for the log.
		tflog.Warn(ctx, "renewal not confirmed", map[string]any{"service_account_id": req.id, "error": failure.Err.Error()})
	}
	diags.AddError("Token Renewal Not Confirmed", clip(fmt.Sprintf("Could not confirm the renewal of the token of "+
		"service account %s (%s); apply again once the Console answers. %s. %s", req.id,
		attemptsText(failure.Attempts), upperFirst(failure.Why), req.unconfirmedNote)))
	return nil, failure.stale()
}

// discardTokenDiag is discardToken for a destroy: a failure is diagnosed.
func (d *providerData) discardTokenDiag(ctx context.Context, api *client.Client, scope client.Scope, id, tokenID string,
	diags *diag.Diagnostics) {
	if f := d.discardToken(ctx, api, scope, id, tokenID); f != nil {
		addAPIError(diags, f.Action, f.Err)
	}
}
