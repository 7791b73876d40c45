package provider

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// The token lifecycle: every path that issues, renews, discards or revokes a token goes
// through this file. The Console holds one token per service account; a renewal issues
// a new one, shows it once, and kills the previous one at once.
//
// Who calls what:
//
//	platformer_service_account_token           renewToken (create, renewal), discardToken (destroy)
//	platformer_service_account_rotating_token  renewToken (create, rotation), discardToken (destroy)
//	platformer_service_account                 renewAndDiscard (its creation token, when the Console's clock is behind)
//	platformer_service_account_revoke_token    revokeToken
//	ephemeral platformer_service_account       renewToken (only for an account whose create answer was lost)
//
// This file is plain Go over the client: it returns outcomes, and
// token_lifecycle_diags.go turns them into the diagnostics a person reads.
//
// A token held by a resource is, in state and its record (token_record.go), in one of
// these states:
//
//	working  state holds the token, and the account's current token id is state's.
//	stale    state's token is null, and the record says why: imported; renewed elsewhere
//	         (the refresh saw another token id); a renewal whose outcome is unknown or
//	         not proved ours. The next plan renews, saying why.
//
// The transitions:
//
//	renewToken   working|stale → working (the answer, proved current)
//	             working|stale → stale   (a renewal may have been made, or may still be, and no token is proved current)
//	             working|stale → as was  (the Console refused: nothing was made)
//	refresh      working → stale         (the account's token id is not state's)
//	discardToken working → gone          (renewed to a token thrown away unseen; an expired or stale token is left alone)
//	revokeToken  any → renewed away      (done once the account shows a token id other than the leaked one)
//
// The rules that keep a dead token out of state (docs/guides/guarantees.md):
//   - A renewal that was answered is the account's current token, unless another
//     renewal of ours may be made after it: then the account is read to confirm it.
//   - A renewal whose answer was lost is sent again only once the account shows that
//     renewal made: a token id other than the one before it, renewed after it was sent,
//     and the expiry it asked for (its mark: for a lifetime, a random 1 to 60 seconds
//     short, markedExpiry). A token id that changed to a token of another expiry was
//     renewed by someone else, and ours may still be made: nothing is sent again, and
//     the token is stale. A renewal of a token that never expires carries no mark (null is what
//     everyone asks for), so its lost answer cannot be proved ours: stale too.
//   - At most maxLostRenewals renewals per operation; past that, stale, with the reason.

// maxLostRenewals bounds how many renewals one operation sends when answers are lost.
const maxLostRenewals = 3

// renewalTiming is how a renewal whose outcome is unknown is watched for on the account:
// for at least minWait (renewalWait), polling first after pollFirst, then doubling the
// pause up to pollMax. A field of providerData, so that the unit tests and the
// generative checker shorten it for their own provider only.
type renewalTiming struct{ minWait, pollFirst, pollMax time.Duration }

// defaultRenewalTiming is the timing of the served provider (and of a zero providerData).
var defaultRenewalTiming = renewalTiming{minWait: 10 * time.Second, pollFirst: 250 * time.Millisecond,
	pollMax: 2 * time.Second}

// timing is d's renewalTiming, each duration not set taken from the default (a zero
// pause would poll in a tight loop).
func (d *providerData) timing() renewalTiming {
	return renewalTiming{
		minWait:   cmp.Or(d.renewal.minWait, defaultRenewalTiming.minWait),
		pollFirst: cmp.Or(d.renewal.pollFirst, defaultRenewalTiming.pollFirst),
		pollMax:   cmp.Or(d.renewal.pollMax, defaultRenewalTiming.pollMax),
	}
}

// renewalWait is how long a renewal whose outcome is unknown is watched for on the
// account before it is given up as unknowable: request_timeout (as long as an answer
// is waited for), and at least the timing's minWait.
func (d *providerData) renewalWait() time.Duration {
	return max(d.requestTimeout, d.timing().minWait)
}

// nextPause is the pause after pause while polling: doubled, up to the timing's pollMax.
func (d *providerData) nextPause(pause time.Duration) time.Duration {
	return min(2*pause, d.timing().pollMax)
}

// renewRequest is one renewal of an account's token, as a token resource asks for it.
type renewRequest struct {
	scope     client.Scope
	id        string     // the service account, as configured
	before    string     // its token id as last known; "" when unknown (a create): then read from the cache
	expiresAt *time.Time // nil: the new token never expires
	// lifetime is set when expiresAt is now plus a lifetime (expires_in): each renewal
	// then asks for an expiry a little short of it, a mark of its own (markedExpiry).
	lifetime time.Duration
	// unconfirmedNote ends the error when the token received (if any) cannot be proved
	// current: what becomes of the token in state.
	unconfirmedNote string
}

// renewalFailure is why renewToken returned no token.
type renewalFailure struct {
	Attempts int // renewals sent
	// Unconfirmed: a renewal may have been made, or may still be, and no token received
	// is proved the account's current one; Why says why, and is the stale reason.
	Unconfirmed bool
	Why         string
	// Err is the last renewal's error: the Console's refusal when not Unconfirmed.
	Err error
}

// stale is why the token in state is dead, or may die at any moment, after this
// failure: "" when nothing was made (the first renewal was refused).
func (f *renewalFailure) stale() string {
	switch {
	case f.Unconfirmed:
		return f.Why
	case f.Attempts > 1:
		// Earlier renewals of this operation were seen made, then one was refused.
		return fmt.Sprintf("a renewal was made but its answer was lost, and renewing again failed (%s)", f.Err)
	}
	return ""
}

// renewToken renews the token of service account req.id, and keeps the account cache in
// step. It returns the token, which is then the account's current token; or why not.
func (d *providerData) renewToken(ctx context.Context, api *client.Client, req renewRequest) (*client.IssuedToken, *renewalFailure) {
	lower := strings.ToLower(req.id)
	issued, failure := d.renewAndConfirm(ctx, api, req, lower)
	d.cache.Forget(req.scope.OrganizationID, lower)
	if issued != nil {
		d.cache.Put(&issued.ServiceAccount)
	}
	return issued, failure
}

// renewAndConfirm is renewToken but for the cache.
func (d *providerData) renewAndConfirm(ctx context.Context, api *client.Client, req renewRequest, lower string) (*client.IssuedToken, *renewalFailure) {
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
		asked := req.expiresAt
		if asked != nil && req.lifetime > 0 {
			marked := markedExpiry(*asked, req.lifetime)
			asked = &marked
		}
		issued, err := api.RenewServiceAccountToken(ctx, req.scope, lower, asked)
		unconfirmed := func(why string) (*client.IssuedToken, *renewalFailure) {
			return nil, &renewalFailure{Attempts: attempts, Unconfirmed: true, Why: why, Err: err}
		}
		switch {
		case err == nil && attempts == 1:
			return issued, nil
		case err == nil:
			if why := d.confirmCurrent(ctx, api, req.scope, lower, issued); why != "" {
				return unconfirmed(why)
			}
			return issued, nil
		case !client.IsOutcomeUnknown(err):
			return nil, &renewalFailure{Attempts: attempts, Err: err} // refused: this renewal was not made
		case ctx.Err() != nil || attempts == maxLostRenewals:
			return unconfirmed(fmt.Sprintf("the answer to a renewal sent at %s was lost (%s), so it may have been "+
				"made, or may still be, which stops the token in state from working", consoleStamp(api, sent),
				attemptsText(attempts)))
		}
		sa, shown := d.awaitRenewal(ctx, api, req.scope, lower, before, asked, sent)
		if shown != renewalOurs {
			return unconfirmed(notProved(api, sent, shown, sa, req.expiresAt == nil, d.renewalWait()))
		}
		before = sa.TokenID
		tflog.Warn(ctx, "the answer to a token renewal was lost, and the account shows it was made; renewing again",
			map[string]any{"service_account_id": req.id, "attempt": attempts, "error": err.Error()})
	}
}

// attemptsText is "1 attempt" or "n attempts".
func attemptsText(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// markedExpiry is the expiry a renewal asks for when its token lives for lifetime from
// now (nominal): 1 to 60 seconds short of nominal, drawn at random, and at most a
// sixtieth of the lifetime. It marks the renewal as this one: a manager elsewhere with
// the same expires_in, renewing in the same second, asks for nominal, and a renewal of
// ours for another mark (the Console keeps whole seconds).
func markedExpiry(nominal time.Time, lifetime time.Duration) time.Time {
	span := min(60, max(1, int(lifetime/time.Minute)))
	return nominal.Add(-time.Duration(1+rand.IntN(span)) * time.Second) //nolint:gosec // a mark, not a secret
}

// renewalShown is what an account shows of a renewal whose answer was lost.
type renewalShown int

const (
	renewalNotShown renewalShown = iota // the token id is still the one before it
	renewalOurs                         // a new token id, of the expiry it asked for, renewed after it was sent
	renewalOther                        // a new token id that is not provably this renewal's
)

// showsRenewal tells what account sa shows of a renewal sent at sent (on the Console's
// clock) asking for expiry asked, while the token id before it was before ("" unknown).
// The Console keeps whole seconds; a second is allowed for the estimate of its clock.
func showsRenewal(sa *client.ServiceAccount, before string, asked *time.Time, sent time.Time) renewalShown {
	if before != "" && sa.TokenID == before {
		return renewalNotShown
	}
	after := !sa.TokenRenewedAt.Before(sent.Truncate(time.Second).Add(-time.Second))
	if before == "" && !after {
		return renewalNotShown // a create: the account's token is older than this renewal
	}
	marked := asked != nil && sa.TokenExpiresAt != nil &&
		sa.TokenExpiresAt.Truncate(time.Second).Equal(asked.Truncate(time.Second))
	if marked && after {
		return renewalOurs
	}
	return renewalOther
}

// awaitRenewal reads the account until it shows a renewal sent at sent (on this
// machine's clock) with expiry asked — made, or another renewal made instead — or
// renewalWait has passed. It returns the account as last read (nil when no read
// succeeded) and what it shows.
func (d *providerData) awaitRenewal(ctx context.Context, api *client.Client, scope client.Scope, id, before string,
	asked *time.Time, sent time.Time) (*client.ServiceAccount, renewalShown) {
	ctx, cancel := context.WithTimeout(ctx, d.renewalWait())
	defer cancel()
	var last *client.ServiceAccount
	for pause := d.timing().pollFirst; ; pause = d.nextPause(pause) {
		sa, err := api.GetServiceAccount(ctx, scope, id)
		if err == nil {
			last = sa
			if shown := showsRenewal(sa, before, asked, consoleTime(api, sent)); shown != renewalNotShown {
				return sa, shown
			}
		}
		if client.IsNotFound(err) {
			return nil, renewalNotShown
		}
		select {
		case <-ctx.Done():
			return last, renewalNotShown
		case <-time.After(pause):
		}
	}
}

// notProved says why a lost renewal was not proved made by this operation.
func notProved(api *client.Client, sent time.Time, shown renewalShown, sa *client.ServiceAccount, unmarked bool,
	wait time.Duration) string {
	at := consoleStamp(api, sent)
	switch {
	case sa == nil:
		return fmt.Sprintf("the answer to a renewal sent at %s was lost and the account could not be read, so the "+
			"Console may still make it", at)
	case shown == renewalOther && unmarked:
		return fmt.Sprintf("the answer to a renewal sent at %s was lost; the account then held a new token (id %s), but "+
			"a token that never expires carries no mark of who renewed it, so this renewal may still be made", at, sa.TokenID)
	case shown == renewalOther:
		return fmt.Sprintf("the answer to a renewal sent at %s was lost; the account then held a token (id %s) renewed "+
			"elsewhere (its expiry is not the one asked for), so this renewal may still be made", at, sa.TokenID)
	}
	return fmt.Sprintf("the answer to a renewal sent at %s was lost, and %s later the account's token had not changed, "+
		"so the Console may still make it", at, wait)
}

// consoleTime is the local instant t on the Console's clock, as the client estimates it now.
func consoleTime(api *client.Client, t time.Time) time.Time {
	return api.ConsoleNow().Add(-time.Since(t))
}

// consoleStamp is consoleTime in RFC 3339, to the second.
func consoleStamp(api *client.Client, t time.Time) string {
	return consoleTime(api, t).UTC().Truncate(time.Second).Format(time.RFC3339)
}

// confirmCurrent reads the account (again, within renewalWait, while reads fail) and
// returns "" when its current token is the one issued, or why it could not be confirmed.
func (d *providerData) confirmCurrent(ctx context.Context, api *client.Client, scope client.Scope, id string,
	issued *client.IssuedToken) string {
	ctx, cancel := context.WithTimeout(ctx, d.renewalWait())
	defer cancel()
	for pause := d.timing().pollFirst; ; pause = d.nextPause(pause) {
		sa, err := api.GetServiceAccount(ctx, scope, id)
		switch {
		case err == nil && sa.TokenID == issued.ServiceAccount.TokenID:
			return ""
		case err == nil:
			return fmt.Sprintf("the renewal answered issued token id %s, but the account then held token id %s "+
				"(renewed at %s): a renewal whose answer was lost, or one made elsewhere, came after it",
				issued.ServiceAccount.TokenID, sa.TokenID, sa.TokenRenewedAt.UTC().Format(time.RFC3339))
		case client.IsNotFound(err):
			return "the account was not found when read after the renewal"
		}
		select {
		case <-ctx.Done():
			return fmt.Sprintf("the account could not be read after the renewal (%s)", err)
		case <-time.After(pause):
		}
	}
}

// ---- tokens issued only to be thrown away ------------------------------------------

// discardedTokenLifetime is the expiry of every token this provider issues only to throw
// it away unseen: the one destroy renews so that the token in state stops working, the
// creation token of platformer_service_account, and the replacement of a revoked token.
// Long enough that no retry or stall makes the Console refuse it as past; nobody holds it.
const discardedTokenLifetime = time.Hour

// discardExpiry is when a token issued only to be thrown away expires: lifetime after
// now, which is the Console's time (it decides when a token stops working), to the
// second (the Console keeps whole seconds).
func discardExpiry(now time.Time, lifetime time.Duration) time.Time {
	return now.Add(lifetime).UTC().Truncate(time.Second)
}

// issuedToDiscard reports whether a token renewed at renewedAt that expires at expiresAt
// looks like one this provider issued to throw away (a destroy, a revoke): it expires
// at most discardedTokenLifetime after its renewal. No manager of a token asks for that.
func issuedToDiscard(renewedAt time.Time, expiresAt *time.Time) bool {
	return expiresAt != nil && expiresAt.Sub(renewedAt) <= discardedTokenLifetime+time.Second
}

// renewAndDiscard renews the token of service account id to expire at expiry, and
// throws the new token away: it is never stored, and the client never logs it. It
// returns the account as the renewal's answer shows it; the account cache forgets the
// account either way.
func (d *providerData) renewAndDiscard(ctx context.Context, api *client.Client, scope client.Scope, id string,
	expiry time.Time) (*client.ServiceAccount, error) {
	issued, err := api.RenewServiceAccountToken(ctx, scope, id, &expiry)
	d.cache.Forget(scope.OrganizationID, id)
	if err != nil {
		return nil, err
	}
	return &issued.ServiceAccount, nil
}

// discardToken is what destroy does to a token in state: it renews the token of
// service account id and throws the new one away, so that the token whose id is
// tokenID stops working. It leaves alone a token renewed since (someone else's: tokenID
// "" says the one in state is already dead), one that has expired on the Console's
// clock, and an account that is gone (its token went with it). A renewal whose answer
// was lost is done when the account shows a token id other than tokenID. It returns
// the failed call, if any.
func (d *providerData) discardToken(ctx context.Context, api *client.Client, scope client.Scope, id, tokenID string) *callFailure {
	sa, err := d.cache.Get(ctx, scope, id)
	if client.IsNotFound(err) {
		return nil // the account is gone, and its token with it
	}
	if err != nil {
		return &callFailure{fmt.Sprintf("read service account %s before invalidating its token", id), err}
	}
	if tokenID == "" || sa.TokenID != tokenID {
		// The token in state is already dead; renewing now would kill a token someone else holds.
		tflogDebug(ctx, "token in state no longer works; not renewing on destroy", map[string]any{"id": id})
		return nil
	}
	// The read above told the Console's clock, if nothing before did.
	now := d.consoleNow(ctx, func(ctx context.Context) { _, _ = d.cache.Get(ctx, scope, id) })
	if sa.TokenExpiresAt != nil && !now.Before(*sa.TokenExpiresAt) {
		tflogDebug(ctx, "token in state has expired; not renewing on destroy", map[string]any{"id": id})
		return nil
	}
	_, err = d.renewAndDiscard(ctx, api, scope, id, discardExpiry(now, discardedTokenLifetime))
	if err == nil || client.IsNotFound(err) {
		return nil
	}
	if client.IsOutcomeUnknown(err) {
		// Its answer was lost; if the Console renewed, the token in state is dead: done.
		if now, getErr := api.GetServiceAccount(ctx, scope, id); client.IsNotFound(getErr) ||
			(getErr == nil && now.TokenID != tokenID) {
			return nil
		}
	}
	return &callFailure{fmt.Sprintf("invalidate the token of service account %s (destroy renews it and discards the "+
		"new one, so the token in state stops working)", id), err}
}

// callFailure is a Console call that failed: what was being done, and the error.
type callFailure struct {
	Action string
	Err    error
}

// ---- revoke ------------------------------------------------------------------------

// revokeOutcome is what revokeToken did.
type revokeOutcome struct {
	Account *client.ServiceAccount // as read before the revoke
	// Expired: the token had expired on the Console's clock already; nothing was sent.
	Expired bool
	// Revoked: the account shows a token id other than the leaked one (the leaked token
	// is dead); After is the account as it then showed.
	Revoked bool
	After   *client.ServiceAccount
	// Err is the last error when not Revoked; Unknown says a renewal's answer was lost
	// (it may still be made).
	Err     error
	Unknown bool
}

// revokeToken kills the current token of service account id, for a token that leaked.
// A revoke needs no new token: it is done once the account shows a token id other than
// the leaked one, whoever renewed it. It renews the token, to a replacement that is
// thrown away unseen (its expiry computed at each send, on the Console's clock, long
// enough that no back-off makes the Console refuse it); after a lost answer it reads the
// account, and renews again only when the account still shows the leaked token (up to
// maxLostRenewals: a renewal more only kills the leaked token again). A token that has
// expired already is left alone.
func (d *providerData) revokeToken(ctx context.Context, api *client.Client, scope client.Scope, id string) revokeOutcome {
	sa, err := api.GetServiceAccount(ctx, scope, id)
	if err != nil {
		return revokeOutcome{Err: err}
	}
	out := revokeOutcome{Account: sa}
	now := d.consoleNow(ctx, nil) // the read above told the Console's clock
	if sa.TokenExpiresAt != nil && !now.Before(*sa.TokenExpiresAt) {
		out.Expired = true
		return out
	}
	defer d.cache.Forget(scope.OrganizationID, id)
	for attempts := 1; attempts <= maxLostRenewals; attempts++ {
		after, err := d.renewAndDiscard(ctx, api, scope, id, discardExpiry(d.consoleNow(ctx, nil), discardedTokenLifetime))
		if err == nil {
			out.Revoked, out.After, out.Err, out.Unknown = true, after, nil, false
			return out
		}
		out.Err, out.Unknown = err, client.IsOutcomeUnknown(err)
		if !out.Unknown || ctx.Err() != nil {
			return out
		}
		if shown, ok := d.awaitTokenChange(ctx, api, scope, id, sa.TokenID); ok {
			out.Revoked, out.After, out.Err, out.Unknown = true, shown, nil, false
			return out
		}
	}
	return out
}

// awaitTokenChange reads the account until its token id is not before (or the account
// is gone: its token went with it), within renewalWait; it returns the account then
// (nil when gone).
func (d *providerData) awaitTokenChange(ctx context.Context, api *client.Client, scope client.Scope, id,
	before string) (*client.ServiceAccount, bool) {
	ctx, cancel := context.WithTimeout(ctx, d.renewalWait())
	defer cancel()
	for pause := d.timing().pollFirst; ; pause = d.nextPause(pause) {
		sa, err := api.GetServiceAccount(ctx, scope, id)
		switch {
		case err == nil && sa.TokenID != before:
			return sa, true
		case client.IsNotFound(err):
			return nil, true
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(pause):
		}
	}
}
