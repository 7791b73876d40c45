package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// The token lifecycle (token_lifecycle.go) driven against the in-process emulator, with
// no CLI: each of issue 24's defects in the core has a test here that failed on the
// code before the fix. These tests are not parallel: they shorten the lifecycle's waits
// (package variables), and Go runs every non-parallel test before the parallel ones.

// lifecycleEnv is an emulator on a manual clock and the provider's data configured
// against it: request_timeout 300ms, no client retries (as outcomeProvider).
type lifecycleEnv struct {
	t     *testing.T
	em    *emulator.Running
	clock *emulator.ManualClock
	d     *providerData
	api   *client.Client
	scope client.Scope
}

func newLifecycleEnv(t *testing.T) *lifecycleEnv {
	t.Helper()
	clock := emulator.NewManualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	em, err := emulator.Start(emulator.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(em.Close)
	api, err := client.New(client.Config{BaseURL: em.URL, Token: emulator.DefaultAdminToken, RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d := &providerData{client: api, cache: newAccountCache(api), requestTimeout: 300 * time.Millisecond, clock: clock,
		organizationID: emulator.OrganizationID,
		renewal:        renewalTiming{minWait: 1500 * time.Millisecond, pollFirst: 20 * time.Millisecond, pollMax: 100 * time.Millisecond}}
	return &lifecycleEnv{t: t, em: em, clock: clock, d: d, api: api, scope: client.Scope{OrganizationID: emulator.OrganizationID}}
}

// account creates a service account whose token expires at expiresAt (nil: never).
func (e *lifecycleEnv) account(name string, expiresAt *time.Time) *client.IssuedToken {
	e.t.Helper()
	issued, err := e.api.CreateServiceAccount(context.Background(), emulator.OrganizationID, client.CreateServiceAccountInput{
		Name: name, ExpiresAt: expiresAt,
		Roles: []client.RoleBinding{{CollectionID: emulator.OrganizationID, RoleIDs: []string{"organization.viewer"}}},
	})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return issued
}

// works reports whether token authenticates on the Console.
func (e *lifecycleEnv) works(token string) bool {
	e.t.Helper()
	c, err := client.New(client.Config{BaseURL: e.em.URL, Token: token})
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = c.ListOrganizations(context.Background())
	return err == nil
}

// awaitHeld waits until n writes are held, the first of them departed when departed.
func (e *lifecycleEnv) awaitHeld(n int, departed bool) {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		st := e.em.HoldStatus()
		if len(st.Held) >= n && (!departed || st.Held[0].Departed) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("held: %+v; want %d (first departed: %v)", st.Held, n, departed)
		}
	}
}

func (e *lifecycleEnv) expiry(d time.Duration) *time.Time {
	t := e.clock.Now().Add(d).UTC().Truncate(time.Second)
	return &t
}

type renewResult struct {
	issued *client.IssuedToken
	why    string
	diags  diag.Diagnostics
}

// renew runs renewToken for account id in the background.
func (e *lifecycleEnv) renew(id, before string, expiresAt *time.Time) chan renewResult {
	return e.renewFor(id, before, expiresAt, 0)
}

// renewFor is renew for a token that lives for lifetime (expiresAt is now plus it).
func (e *lifecycleEnv) renewFor(id, before string, expiresAt *time.Time, lifetime time.Duration) chan renewResult {
	done := make(chan renewResult, 1)
	go func() {
		var r renewResult
		r.issued, r.why = e.d.renewTokenDiag(context.Background(), e.api, renewRequest{scope: e.scope, id: id, before: before,
			expiresAt: expiresAt, lifetime: lifetime, unconfirmedNote: "note."}, &r.diags)
		done <- r
	}()
	return done
}

// Found by the generative checker: a manager elsewhere with the same expires_in renews
// in the same second (the Console's clock stands still here) while ours is stalled: the
// account shows the very expiry ours asked for. Ours asks for a mark of its own
// (markedExpiry), so the renewal elsewhere is not taken for ours. (Without the mark, this
// test fails: a token is returned, and the stalled renewal then kills it.)
func TestRenewToken_sameExpiryElsewhereIsNotTakenForOurs(t *testing.T) {
	e := newLifecycleEnv(t)
	acct := e.account("twin", nil)
	id := acct.ServiceAccount.ID
	nominal := e.expiry(2 * time.Hour)
	e.em.SetHold(emulator.Hold{Writes: true})
	done := e.renewFor(id, acct.ServiceAccount.TokenID, nominal, 2*time.Hour)
	e.awaitHeld(1, true)
	other := make(chan error, 1)
	go func() {
		_, err := e.api.RenewServiceAccountToken(context.Background(), e.scope, id, nominal)
		other <- err
	}()
	e.awaitHeld(2, false)
	e.em.ReleaseSome(emulator.ReleaseLIFO, 1)
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	e.em.SetHold(emulator.Hold{}) // a renewal sent again would pass; ours stays held
	r := <-done
	e.em.Release(emulator.ReleaseFIFO)
	if r.issued != nil {
		t.Fatalf("a token was returned (working once the stalled renewal was made: %v); want none", e.works(r.issued.Token))
	}
}

// Defect 1: a renewal made elsewhere while ours is stalled is not taken for ours. The
// provider of e509c32 took any new token id for its lost renewal made, renewed again
// and returned that token; the Console then made the stalled renewal, and the token
// returned was dead. (Checked against that rule: with showsRenewal reduced to "the id
// changed", this test fails: a token is returned, and it answers 401.)
func TestRenewToken_renewalElsewhereIsNotTakenForOurs(t *testing.T) {
	e := newLifecycleEnv(t)
	acct := e.account("elsewhere", e.expiry(30*24*time.Hour))
	id := acct.ServiceAccount.ID
	e.em.SetHold(emulator.Hold{Writes: true})
	done := e.renew(id, acct.ServiceAccount.TokenID, e.expiry(60*24*time.Hour))
	e.awaitHeld(1, true) // ours timed out; the provider watches the account
	other := make(chan error, 1)
	go func() {
		_, err := e.api.RenewServiceAccountToken(context.Background(), e.scope, id, e.expiry(90*24*time.Hour))
		other <- err
	}()
	e.awaitHeld(2, false)
	e.em.ReleaseSome(emulator.ReleaseLIFO, 1) // the renewal made elsewhere
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	r := <-done
	held := len(e.em.HoldStatus().Held)
	e.em.SetHold(emulator.Hold{})
	e.em.Release(emulator.ReleaseFIFO) // the Console makes ours last
	if r.issued != nil {
		t.Fatalf("a token was returned (working: %v); want none: the renewal of ours may still be made", e.works(r.issued.Token))
	}
	if !strings.Contains(r.why, "renewed elsewhere (its expiry is not the one asked for)") {
		t.Errorf("reason %q; want it to say the token was renewed elsewhere", r.why)
	}
	if held != 1 {
		t.Errorf("%d renewals of ours held, want 1: never sent again while the first may be made", held)
	}
}

// A lost renewal that the account shows made (the expiry it asked for, renewed after it
// was sent) is ours: sent again, and the answer, confirmed current, is returned.
func TestRenewToken_lostRenewalProvedOursIsSentAgain(t *testing.T) {
	e := newLifecycleEnv(t)
	acct := e.account("ours", nil)
	e.em.SetHold(emulator.Hold{Writes: true})
	done := e.renew(acct.ServiceAccount.ID, acct.ServiceAccount.TokenID, e.expiry(30*24*time.Hour))
	e.awaitHeld(1, true)
	e.em.SetHold(emulator.Hold{})
	e.em.Release(emulator.ReleaseFIFO)
	r := <-done
	if r.issued == nil {
		t.Fatalf("no token: %q %v", r.why, r.diags)
	}
	if !e.works(r.issued.Token) || e.works(acct.Token) {
		t.Errorf("the token returned works: %v (want true); the first works: %v (want false)", e.works(r.issued.Token), e.works(acct.Token))
	}
	if n := e.em.Stats().Count(http.MethodPost, routeRenew); n != 2 {
		t.Errorf("%d renewals, want 2", n)
	}
}

// Defect 5: after maxLostRenewals lost renewals, the reason is returned (the token in
// state is dead), so that the resource marks it stale rather than keeping it. (Before:
// "" came back, and the rotating token took its own late renewal for one made outside
// Terraform.)
func TestRenewToken_threeLostRenewalsGiveAReason(t *testing.T) {
	e := newLifecycleEnv(t)
	acct := e.account("lost", nil)
	e.em.SetFaults(0, 1) // every write committed, its answer lost
	r := <-e.renew(acct.ServiceAccount.ID, acct.ServiceAccount.TokenID, e.expiry(30*24*time.Hour))
	e.em.SetFaults(0, 0)
	if r.issued != nil || !strings.Contains(r.why, "was lost (3 attempts)") {
		t.Errorf("issued %v, reason %q; want none, and a reason naming 3 attempts", r.issued != nil, r.why)
	}
	if !r.diags.HasError() || len(r.diags[0].Detail()) > maxMessage {
		t.Errorf("want one error under %d characters: %v", maxMessage, r.diags)
	}
}

// A token that never expires: nothing on the account marks a lost renewal as ours, so it
// is not sent again, and the reason says why.
func TestRenewToken_neverExpiringLostRenewalIsNotProvable(t *testing.T) {
	e := newLifecycleEnv(t)
	acct := e.account("unmarked", nil)
	e.em.SetFaults(0, 1)
	r := <-e.renew(acct.ServiceAccount.ID, acct.ServiceAccount.TokenID, nil)
	e.em.SetFaults(0, 0)
	if r.issued != nil || !strings.Contains(r.why, "never expires carries no mark") {
		t.Errorf("issued %v, reason %q", r.issued != nil, r.why)
	}
	if n := e.em.Stats().Count(http.MethodPost, routeRenew); n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}
}

// Defect 2: a revoke the Console processes late still revokes. The action of e509c32
// asked for an expiry 5s after the Console's now, fixed before sending: a Console that
// processed it 5s later refused it as past, and the leaked token kept working. (With
// discardedTokenLifetime at 5s this test fails: the revoke is refused.)
func TestRevokeToken_lateProcessingStillRevokes(t *testing.T) {
	e := newLifecycleEnv(t)
	e.d.requestTimeout = 5 * time.Second
	acct := e.account("leaked", nil)
	e.em.SetHold(emulator.Hold{Writes: true})
	done := make(chan revokeOutcome, 1)
	go func() { done <- e.d.revokeToken(context.Background(), e.api, e.scope, acct.ServiceAccount.ID) }()
	e.awaitHeld(1, false)
	e.clock.Advance(30 * time.Second) // the Console is slow to process it
	e.em.SetHold(emulator.Hold{})
	e.em.Release(emulator.ReleaseFIFO)
	out := <-done
	if !out.Revoked || e.works(acct.Token) {
		t.Errorf("revoked %v (err %v); the leaked token works: %v", out.Revoked, out.Err, e.works(acct.Token))
	}
}

// Defect 2, the lost answer: the renewal was made, so the leaked token is dead: the
// revoke is done, without sending it again. (Before: the resend failed, and the action
// reported Token Not Revoked.)
func TestRevokeToken_lostAnswerIsDoneWhenTheAccountShowsIt(t *testing.T) {
	e := newLifecycleEnv(t)
	acct := e.account("leaked", nil)
	e.em.SetFaults(0, 1)
	out := e.d.revokeToken(context.Background(), e.api, e.scope, acct.ServiceAccount.ID)
	e.em.SetFaults(0, 0)
	if !out.Revoked || e.works(acct.Token) {
		t.Errorf("revoked %v (err %v); the leaked token works: %v", out.Revoked, out.Err, e.works(acct.Token))
	}
	if n := e.em.Stats().Count(http.MethodPost, routeRenew); n != 1 {
		t.Errorf("%d renewals sent, want 1", n)
	}
}

// Defect 7: a token that has expired is not renewed by a revoke: nothing needed revoking.
func TestRevokeToken_expiredTokenIsLeftAlone(t *testing.T) {
	e := newLifecycleEnv(t)
	acct := e.account("expired", e.expiry(time.Hour))
	e.clock.Advance(2 * time.Hour)
	e.em.ResetStats()
	out := e.d.revokeToken(context.Background(), e.api, e.scope, acct.ServiceAccount.ID)
	if !out.Expired || out.Revoked {
		t.Errorf("expired %v, revoked %v; want expired only", out.Expired, out.Revoked)
	}
	if n := e.em.Stats().Count(http.MethodPost, routeRenew); n != 0 {
		t.Errorf("%d renewals sent, want 0", n)
	}
}

// memPrivate is private state in memory.
type memPrivate map[string][]byte

func (m memPrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return m[key], nil
}
func (m memPrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if len(value) == 0 {
		delete(m, key)
	} else {
		m[key] = value
	}
	return nil
}

// Defect 3: the second-manager warning is bounded in time and kept per account.
func TestNoticeRenewalElsewhere_window(t *testing.T) {
	ctx := context.Background()
	ours := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	oursV := timetypes.NewRFC3339TimeValue(ours)
	never := (*time.Time)(nil)
	warned := func(p memPrivate, account string, ours timetypes.RFC3339, theirs time.Time) bool {
		var diags diag.Diagnostics
		noticeRenewalElsewhere(ctx, p, account, ours, theirs, never, "tok-"+theirs.String(), &diags)
		for _, d := range diags {
			if len(d.Detail()) > maxMessage {
				t.Errorf("warning of %d characters: %s", len(d.Detail()), d.Detail())
			}
		}
		return diags.WarningsCount() > 0
	}
	// Renewed elsewhere a minute after ours: a second manager.
	if !warned(memPrivate{}, "a", oursV, ours.Add(time.Minute)) {
		t.Error("a renewal elsewhere a minute after ours: no warning")
	}
	// Six months apart, twice: no manager fights over it.
	p := memPrivate{}
	if warned(p, "a", oursV, ours.Add(24*time.Hour)) {
		t.Error("one renewal elsewhere a day later: warned")
	}
	renewed(ctx, p, true, &diag.Diagnostics{}, "a") // ours answers it
	answeredAt := timetypes.NewRFC3339TimeValue(ours.Add(25 * time.Hour))
	if warned(p, "a", answeredAt, ours.Add(180*24*time.Hour)) {
		t.Error("renewals elsewhere six months apart: warned (e509c32 did)")
	}
	// Answered on account a; found again on account b: another account, no warning.
	p = memPrivate{}
	warned(p, "a", oursV, ours.Add(24*time.Hour))
	renewed(ctx, p, true, &diag.Diagnostics{}, "a")
	if warned(p, "b", answeredAt, ours.Add(48*time.Hour)) {
		t.Error("a renewal elsewhere of account b was taken for a second after account a's")
	}
	if !warned(p, "a", answeredAt, ours.Add(48*time.Hour)) {
		t.Error("account a renewed elsewhere again a day after ours answered it: no warning")
	}
	// The previous account of a rotating token: ours unknown, the answered renewal known.
	if !warned(p, "a", timetypes.NewRFC3339Null(), ours.Add(72*time.Hour)) {
		t.Error("previous account renewed elsewhere again after ours answered it: no warning")
	}
	// A token issued to be thrown away (a revoke) is nobody's manager.
	var diags diag.Diagnostics
	at := ours.Add(time.Minute)
	exp := at.Add(time.Hour)
	noticeRenewalElsewhere(ctx, memPrivate{}, "a", oursV, at, &exp, "revoked", &diags)
	if diags.WarningsCount() > 0 {
		t.Error("a revoke was taken for a second manager")
	}
}

// Defect 6: after a revoke of the rotating token's active account, the plan does not say
// the discarded token keeps working until the rotation after this one.
func TestHeldElsewhereText(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	m := &serviceAccountRotatingTokenModel{ExpiresAt: timetypes.NewRFC3339TimeValue(now.Add(time.Hour))}
	if got := heldElsewhereText("blue", m, now); !strings.Contains(got, "only until it expires at 2026-11-26T13:00:00Z") {
		t.Errorf("revoked an hour ago: %q", got)
	}
	m.ExpiresAt = timetypes.NewRFC3339TimeValue(now.Add(-time.Second))
	if got := heldElsewhereText("blue", m, now); !strings.Contains(got, "no previous token works") {
		t.Errorf("expired: %q", got)
	}
	m.ExpiresAt = timetypes.NewRFC3339Null()
	m.Token = types.StringNull()
	if got := heldElsewhereText("blue", m, now); !strings.Contains(got, "keeps working as the previous token") {
		t.Errorf("never expires: %q", got)
	}
}

// markedExpiryOf checks an expires_at that a renewal with a lifetime asked for: 1 to 60
// seconds short of nominal (markedExpiry).
func markedExpiryOf(nominal time.Time) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return err
		}
		if short := nominal.Sub(at); short < time.Second || short > time.Minute {
			return fmt.Errorf("expires_at %s is %s short of %s, want 1s to 1m", v, short, nominal.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// The mark is drawn within its bounds: 1 to 60 seconds short, at most a sixtieth of the lifetime.
func TestMarkedExpiry(t *testing.T) {
	nominal := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	seen := map[time.Duration]bool{}
	for range 2000 {
		short := nominal.Sub(markedExpiry(nominal, 30*24*time.Hour))
		if short < time.Second || short > time.Minute {
			t.Fatalf("%s short", short)
		}
		seen[short] = true
		if s := nominal.Sub(markedExpiry(nominal, time.Minute)); s != time.Second {
			t.Fatalf("a lifetime of 1m: %s short, want 1s", s)
		}
	}
	if len(seen) < 50 {
		t.Errorf("only %d distinct marks in 2000 draws", len(seen))
	}
}
