package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// Every token this provider issues only to throw it away goes through here: the one a
// token resource's destroy renews so that the token in state stops working
// (platformer_service_account_token, both accounts of the rotating token), the
// creation token of platformer_service_account, and the replacement of a revoked token
// (the revoke action, which renews through renewToken for its lost-answer handling).

// discardedTokenLifetime is the expiry of the token that destroy issues and throws away.
const discardedTokenLifetime = time.Hour

// discardExpiry is when a token issued only to be thrown away expires: lifetime after
// now, which is the Console's time (it decides when a token stops working), to the
// second (the Console keeps whole seconds).
func discardExpiry(now time.Time, lifetime time.Duration) time.Time {
	return now.Add(lifetime).UTC().Truncate(time.Second)
}

// discardIssued throws a token away: it is never stored, and masked in every log line.
func discardIssued(ctx context.Context, issued *client.IssuedToken) {
	if issued != nil {
		_ = maskSecrets(ctx, issued.Token)
	}
}

// renewAndDiscard renews the token of service account id to expire at expiry, and
// throws the new token away (discardIssued). It returns the account as the renewal's
// answer shows it; the account cache forgets the account either way.
func (d *providerData) renewAndDiscard(ctx context.Context, api *client.Client, scope client.Scope, id string,
	expiry time.Time) (*client.ServiceAccount, error) {
	issued, err := api.RenewServiceAccountToken(ctx, scope, id, &expiry)
	d.cache.Forget(scope.OrganizationID, id)
	if err != nil {
		return nil, err
	}
	discardIssued(ctx, issued)
	return &issued.ServiceAccount, nil
}

// discardToken is what destroy does to a token in state: it renews the token of
// service account id and throws the new one away, so that the token whose id is
// tokenID stops working. It leaves alone a token renewed since (someone else's: tokenID
// "" says the one in state is already dead), one that has expired on the Console's
// clock, and an account that is gone (its token went with it). A renewal whose answer
// was lost is done when the account shows a token id other than tokenID.
func (d *providerData) discardToken(ctx context.Context, api *client.Client, scope client.Scope, id, tokenID string,
	diags *diag.Diagnostics) {
	sa, err := d.cache.Get(ctx, scope, id)
	if client.IsNotFound(err) {
		return // the account is gone, and its token with it
	}
	if err != nil {
		addAPIError(diags, fmt.Sprintf("read service account %s before invalidating its token", id), err)
		return
	}
	if tokenID == "" || sa.TokenID != tokenID {
		// The token in state is already dead; renewing now would kill a token someone else holds.
		tflogDebug(ctx, "token in state no longer works; not renewing on destroy", map[string]any{"id": id})
		return
	}
	// The read above told the Console's clock, if nothing before did.
	now := d.consoleNow(ctx, func(ctx context.Context) { _, _ = d.cache.Get(ctx, scope, id) })
	if sa.TokenExpiresAt != nil && !now.Before(*sa.TokenExpiresAt) {
		tflogDebug(ctx, "token in state has expired; not renewing on destroy", map[string]any{"id": id})
		return
	}
	_, err = d.renewAndDiscard(ctx, api, scope, id, discardExpiry(now, discardedTokenLifetime))
	if err == nil || client.IsNotFound(err) {
		return
	}
	if client.IsOutcomeUnknown(err) {
		// Its answer was lost; if the Console renewed, the token in state is dead: done.
		if now, getErr := api.GetServiceAccount(ctx, scope, id); client.IsNotFound(getErr) ||
			(getErr == nil && now.TokenID != tokenID) {
			return
		}
	}
	addAPIError(diags, fmt.Sprintf("invalidate the token of service account %s (destroy renews it and discards the "+
		"new one, so the token in state stops working)", id), err)
}
