package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// maxLostRenewals bounds how many renewals one operation sends when answers are lost.
const maxLostRenewals = 3

// minRenewalWait is the shortest wait for a renewal whose outcome is unknown to show on
// the account (see renewalWait).
const minRenewalWait = 10 * time.Second

// Polling of the account while waiting for a renewal to show.
const (
	renewalPollFirst = 250 * time.Millisecond
	renewalPollMax   = 2 * time.Second
)

// renewalWait is how long a renewal whose outcome is unknown is watched for on the
// account before it is given up as unknowable: request_timeout (as long as an answer
// is waited for), and at least minRenewalWait.
func (d *providerData) renewalWait() time.Duration {
	return max(d.requestTimeout, minRenewalWait)
}

// renewRequest is one renewal of an account's token, as a token resource asks for it.
type renewRequest struct {
	scope     client.Scope
	id        string     // the service account, as configured
	before    string     // its token id as last known; "" when unknown (a create): then read from the cache
	expiresAt *time.Time // nil: the new token never expires
	// lostNote is added to the error when an outcome is unknown; unconfirmedNote ends
	// the error when the token received (if any) cannot be proved current.
	lostNote, unconfirmedNote string
}

// renewToken renews the token of service account req.id, and keeps the account cache in
// step. It returns the token, which is then the account's current token; or nil,
// diagnosed, and, when a renewal may have been made, or may still be made, without the
// token received being proved current, why (the stale reason for state).
//
// A renewal whose answer was lost killed the previous token, if it happened at all:
// renewing again costs nothing that is not already lost, and yields the token, whose
// only source is a renewal's answer. But it is sent again only once the account shows
// that the lost one was made (its token id changed): a Console that stalls and then
// processes every queued attempt could otherwise make the earlier one after the one
// whose answer is stored, killing it. When more than one renewal was sent, the account
// is read once more at the end, to confirm that the stored token is its current one;
// a single renewal that was answered needs no read: no other renewal of ours can be
// made after it. At most maxLostRenewals renewals.
func (d *providerData) renewToken(ctx context.Context, api *client.Client, req renewRequest, diags *diag.Diagnostics) (*client.IssuedToken, string) {
	lower := strings.ToLower(req.id)
	issued, why := d.renewAndConfirm(ctx, api, req, lower, diags)
	d.cache.Forget(req.scope.OrganizationID, lower)
	if issued != nil {
		d.cache.Put(&issued.ServiceAccount)
	}
	return issued, why
}

// renewAndConfirm is renewToken but for the cache.
func (d *providerData) renewAndConfirm(ctx context.Context, api *client.Client, req renewRequest, lower string,
	diags *diag.Diagnostics) (*client.IssuedToken, string) {
	before := req.before
	if before == "" {
		// A create: the account as this process knows it (a listing shared by every
		// resource, made once), for the token id a lost renewal would change.
		if sa, err := d.cache.Get(ctx, req.scope, lower); err == nil {
			before = sa.TokenID
		}
	}
	for attempts := 1; ; attempts++ {
		sent := time.Now() // on this machine's clock; consoleTime gives the Console's
		issued, err := api.RenewServiceAccountToken(ctx, req.scope, lower, req.expiresAt)
		switch {
		case err == nil && attempts == 1:
			return issued, ""
		case err == nil:
			if why := d.confirmCurrent(ctx, api, req.scope, lower, issued); why != "" {
				addUnconfirmed(diags, req, attempts, why, nil)
				return nil, why
			}
			return issued, ""
		case !client.IsOutcomeUnknown(err) || ctx.Err() != nil || attempts == maxLostRenewals:
			// At the last attempt, every earlier one was seen made: the token in state is dead anyway.
			addRenewalError(diags, req, attempts, err)
			return nil, ""
		}
		sa, made := d.awaitRenewal(ctx, api, req.scope, lower, before, sent)
		if !made {
			why := fmt.Sprintf("the outcome of a renewal sent at %s could not be confirmed: no answer came, and %s %s "+
				"later, so the Console may still make it, which stops the token in state from working",
				consoleTime(api, sent).UTC().Truncate(time.Second).Format(time.RFC3339), notShown(sa), d.renewalWait())
			addUnconfirmed(diags, req, attempts, why, err)
			return nil, why
		}
		before = sa.TokenID
		tflog.Warn(ctx, "the answer to a token renewal was lost, and the account shows it was made; renewing again",
			map[string]any{"service_account_id": req.id, "attempt": attempts, "error": err.Error()})
	}
}

// addUnconfirmed reports a renewal whose token (if one was received) is not proved the
// account's current one; err is the last renewal's error, if it failed.
func addUnconfirmed(diags *diag.Diagnostics, req renewRequest, attempts int, why string, err error) {
	last := ""
	if err != nil {
		last = " The last renewal failed with: " + err.Error() + "."
	}
	diags.AddError("Token Renewal Not Confirmed", fmt.Sprintf("Could not confirm the renewal of the token of service "+
		"account %s (%s): %s.%s %s", req.id, attemptsText(attempts), why, last, req.unconfirmedNote))
}

// addRenewalError reports a renewal that failed after attempts renewals.
func addRenewalError(diags *diag.Diagnostics, req renewRequest, attempts int, err error) {
	action := fmt.Sprintf("renew the token of service account %s", req.id)
	if client.IsOutcomeUnknown(err) {
		action += fmt.Sprintf(" (%s; %s)", attemptsText(attempts), req.lostNote)
	}
	addAPIError(diags, action, err)
}

// attemptsText is "1 attempt" or "n attempts".
func attemptsText(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// awaitRenewal reads the account until it shows that a renewal sent at sent (on this
// machine's clock) was made — its token id is no longer before, or, with before
// unknown, its token was renewed at or after sent — or renewalWait has passed. It
// returns the account as last read (nil when no read succeeded) and whether it shows
// the renewal made.
func (d *providerData) awaitRenewal(ctx context.Context, api *client.Client, scope client.Scope, id, before string,
	sent time.Time) (*client.ServiceAccount, bool) {
	ctx, cancel := context.WithTimeout(ctx, d.renewalWait())
	defer cancel()
	var last *client.ServiceAccount
	for pause := renewalPollFirst; ; pause = min(2*pause, renewalPollMax) {
		sa, err := api.GetServiceAccount(ctx, scope, id)
		if err == nil {
			last = sa
			if renewalShown(sa, before, consoleTime(api, sent)) {
				return sa, true
			}
		}
		if client.IsNotFound(err) {
			return nil, false
		}
		select {
		case <-ctx.Done():
			return last, false
		case <-time.After(pause):
		}
	}
}

// renewalShown reports whether account sa shows a renewal sent at sent: its token id
// differs from before, or, before unknown, its token was renewed at sent or later (the
// Console keeps whole seconds; a second is allowed for the estimate of its clock).
func renewalShown(sa *client.ServiceAccount, before string, sent time.Time) bool {
	if before != "" {
		return sa.TokenID != before
	}
	return !sa.TokenRenewedAt.Before(sent.Truncate(time.Second).Add(-time.Second))
}

// notShown says what the account showed when a renewal was not seen made.
func notShown(sa *client.ServiceAccount) string {
	if sa == nil {
		return "the account could not be read"
	}
	return "the account's token had not changed"
}

// consoleTime is the local instant t on the Console's clock, as the client estimates it now.
func consoleTime(api *client.Client, t time.Time) time.Time {
	return api.ConsoleNow().Add(-time.Since(t))
}

// confirmCurrent reads the account (again, within renewalWait, while reads fail) and
// returns "" when its current token is the one issued, or why it could not be confirmed.
func (d *providerData) confirmCurrent(ctx context.Context, api *client.Client, scope client.Scope, id string,
	issued *client.IssuedToken) string {
	ctx, cancel := context.WithTimeout(ctx, d.renewalWait())
	defer cancel()
	for pause := renewalPollFirst; ; pause = min(2*pause, renewalPollMax) {
		sa, err := api.GetServiceAccount(ctx, scope, id)
		switch {
		case err == nil && sa.TokenID == issued.ServiceAccount.TokenID:
			return ""
		case err == nil:
			return fmt.Sprintf("the renewal whose answer was received issued token id %s, but the account then held "+
				"token id %s (renewed at %s): an earlier renewal of this apply, whose answer was lost, or a renewal "+
				"made elsewhere, was made after it, so the token received does not work", issued.ServiceAccount.TokenID,
				sa.TokenID, sa.TokenRenewedAt.UTC().Format(time.RFC3339))
		case client.IsNotFound(err):
			return "the account was not found when read after the renewal"
		}
		select {
		case <-ctx.Done():
			return fmt.Sprintf("the outcome of the renewal could not be confirmed: the account could not be read after "+
				"it (%s)", err)
		case <-time.After(pause):
		}
	}
}
