package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 18 item 1: a renewal whose outcome is unknown is never trusted blindly. The
// emulator holds every write, as a stalled Console does, and then processes the held
// ones last-in first-out, so that a renewal sent earlier is made after one sent later.
// request_timeout is 3s and max_retries 0, so each renewal times out while held.

// outcomeProvider is the provider block of these tests: short attempts, no retries by
// the client (only the provider's own renewal logic sends a renewal again).
func outcomeProvider(e *accEnv) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

provider "platformer" {
  api_url         = %q
  token           = %q
  organization_id = %q
  request_timeout = "3s"
  max_retries     = 0
}
`, e.URL, e.Token, e.OrgID)
}

// outcomeStallAfter is how long the held writes stay held, at most, before the releaser
// lets them go (when no second renewal of each token has come by then): past the 3s
// request_timeout, so the provider has seen every first renewal time out, and well
// within the wait for a renewal to show on its account (renewalWait, at least 10s).
const outcomeStallAfter = 6 * time.Second

// releaser lets the held writes go last-in first-out once resend writes are held (every
// token's renewal sent a second time: the earlier one is then made last), or once the
// first held has waited outcomeStallAfter. It stops when stop is closed, releasing
// what is still held. It records what it did.
type releaser struct {
	e      *accEnv
	resend int
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	log    []string
}

func startReleaser(e *accEnv, resend int) *releaser {
	r := &releaser{e: e, resend: resend, stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

func (r *releaser) run() {
	defer close(r.done)
	for {
		select {
		case <-r.stop:
			if n := r.e.em.Release(emulator.ReleaseLIFO); n > 0 {
				r.note("%d writes held until the apply ended, then released LIFO", n)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		st := r.e.em.HoldStatus()
		if !st.Hold.Writes || len(st.Held) == 0 {
			continue
		}
		waited := time.Since(st.Held[0].Since)
		if len(st.Held) >= r.resend || waited >= outcomeStallAfter {
			n := r.e.em.Release(emulator.ReleaseLIFO)
			r.note("%d writes released LIFO after %s (%d held counts as every renewal sent again)", n,
				waited.Round(100*time.Millisecond), r.resend)
		}
	}
}

func (r *releaser) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// finish stops the releaser and returns what it did.
func (r *releaser) finish() string {
	close(r.stop)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, "; ")
}

// heldApply runs terraform apply with every write held and a releaser at work.
func heldApply(t *testing.T, e *accEnv, c *cliDir, resend int, release bool) (cliResult, string) {
	t.Helper()
	e.em.SetHold(emulator.Hold{Writes: true})
	var rel *releaser
	if release {
		rel = startReleaser(e, resend)
	}
	r := c.start("apply", "-auto-approve").wait(3 * time.Minute)
	if rel == nil {
		n := e.em.Release(emulator.ReleaseLIFO)
		return r, fmt.Sprintf("%d writes held until the apply ended, then released LIFO", n)
	}
	return r, rel.finish()
}

// deadTokens lists the accounts whose token in state does not answer 200.
func deadTokens(e *accEnv, tokens map[string]string) []string {
	var dead []string
	for id, tok := range tokens {
		if tok == "" {
			dead = append(dead, id+" (null)")
		} else if code := e.tokenStatus(tok); code != http.StatusOK {
			dead = append(dead, fmt.Sprintf("%s (%d)", id, code))
		}
	}
	return dead
}

// deadNonNull lists the accounts whose token in state is set but does not answer 200.
func deadNonNull(e *accEnv, tokens map[string]string) []string {
	var dead []string
	for id, tok := range tokens {
		if tok != "" && e.tokenStatus(tok) != http.StatusOK {
			dead = append(dead, id)
		}
	}
	return dead
}

// Several tokens renewed by a trigger change while the Console stalls and then makes
// the held renewals last-in first-out. Today's provider sent each renewal again after
// its timeout, stored the answer of the second, and the first, made after it, killed
// it: "Apply complete", and every token in state answered 401. Now a renewal is sent
// again only once the account shows the first was made, and the result is confirmed:
// the apply succeeds with every token in state working and only those.
func TestAccRenewalOutcome_lateEarlierRenewal(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its hold and release")
	c := initCLI(e, outcomeProvider(e)+expiringFleetConfig(lateEarlierTokens, "1"))
	lateEarlierRenewal(t, e, c)
}

// The same with the built provider binary, run by terraform as a plugin process of its
// own (rule 7), configured by its provider block only; the emulator stays in the test,
// whose hold and release it drives.
func TestAccRenewalOutcome_lateEarlierRenewalBuiltBinary(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its hold and release")
	// The built provider runs on this machine's clock: the Console's is set to it, so that
	// creating the accounts renews no discarded creation token and the counts below are
	// the tokens' (see TestAccTokenManagers_twoAliasesBuiltBinary).
	e.clock.Set(time.Now())
	c := newBuiltCLIDir(e, envAPIURL+"=", envToken+"=", envOrganizationID+"=")
	c.write(outcomeProvider(e) + expiringFleetConfig(lateEarlierTokens, "1"))
	lateEarlierRenewal(t, e, c)
}

// lateEarlierTokens is the number of tokens of the late-earlier-renewal scenario.
const lateEarlierTokens = 3

// lateEarlierRenewal runs the late-earlier-renewal scenario in c, whose configuration is
// outcomeProvider with expiringFleetConfig(lateEarlierTokens, "1"), ready to apply.
func lateEarlierRenewal(t *testing.T, e *accEnv, c *cliDir) {
	const n = lateEarlierTokens
	c.must("apply", "-auto-approve")
	first := stateTokens(c.state())

	// The happy path: one renewal each, and no read to confirm it.
	c.write(outcomeProvider(e) + expiringFleetConfig(n, "2"))
	e.em.ResetStats()
	c.must("apply", "-auto-approve")
	stats := e.em.Stats()
	if got := routeCount(stats, http.MethodPost, routeRenew, http.StatusOK); got != n {
		t.Errorf("%d renewals answered, want %d (one per token)", got, n)
	}
	if got := routeCount(stats, http.MethodGet, routeAccount, http.StatusOK); got != 0 {
		t.Errorf("%d reads of an account after renewals that were answered at once, want 0", got)
	}
	second := stateTokens(c.state())
	checkOnlyStateTokensWork(t, e, second)

	c.write(outcomeProvider(e) + expiringFleetConfig(n, "3"))
	e.em.ResetStats()
	apply, released := heldApply(t, e, c, 2*n, true)
	stats = e.em.Stats()
	tokens := stateTokens(c.state())
	dead := deadTokens(e, tokens)
	logOnFailure(t, "stalled apply: exit %d after %s, %q printed: %v; %s; renewals made %d, account reads %d; "+
		"tokens in state not working: %v", apply.code, apply.took.Round(100*time.Millisecond), "Apply complete",
		strings.Contains(apply.stdout, "Apply complete!"), released, routeCount(stats, http.MethodPost, routeRenew, http.StatusOK),
		routeCount(stats, http.MethodGet, routeAccount, http.StatusOK), dead)
	if apply.code != 0 {
		t.Fatalf("the stalled apply failed (the releaser let the writes go before the wait for them ran out):\n%s", apply)
	}
	if len(dead) > 0 {
		t.Fatalf("the apply reported success, but tokens in state do not work: %v\n%s", dead, apply)
	}
	checkOnlyStateTokensWork(t, e, tokens)
	for id, tok := range first {
		e.statusIs(t, tok, http.StatusUnauthorized, "the first token of "+id)
	}
	for id, tok := range second {
		e.statusIs(t, tok, http.StatusUnauthorized, "the token of "+id+" before the stalled apply")
	}
	expectOutput(t, apply, "Apply complete! Resources: 0 added, 3 changed, 0 destroyed.")
	expectEmptyPlans(t, c, "after the stalled apply")
}

// The same stall, but the held renewals are let go only after the apply ended: the
// provider cannot tell whether they will be made, so the apply fails naming each
// account, and state marks each token as not working. Once the Console has made them,
// the next plan renews each token and says why: its renewal's outcome could not be
// confirmed (not "an earlier apply that was interrupted"). Today's provider sent three
// renewals each, failed, and left the tokens in state, which the held renewals then
// killed.
func TestAccRenewalOutcome_unconfirmedIsStale(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its hold and release")
	const n = 2
	c := initCLI(e, outcomeProvider(e)+fleetConfig(n, "1"))
	c.must("apply", "-auto-approve")
	before := stateTokens(c.state())

	c.write(outcomeProvider(e) + fleetConfig(n, "2"))
	e.em.ResetStats()
	apply, released := heldApply(t, e, c, 0, false)
	tokens := stateTokens(c.state())
	logOnFailure(t, "stalled apply: exit %d after %s; %s; renewals made %d; errors %v; tokens in state null: %d of %d", apply.code,
		apply.took.Round(100*time.Millisecond), released, routeCount(e.em.Stats(), http.MethodPost, routeRenew, http.StatusOK),
		uniqueSorted(apply.errorSummaries()), len(deadTokens(e, tokens))-len(deadNonNull(e, tokens)), n)
	if apply.code != 1 {
		t.Fatalf("an apply whose renewals could not be confirmed must fail:\n%s", apply)
	}
	for id := range before {
		expectOutput(t, apply, "Error: Token Renewal Not Confirmed",
			fmt.Sprintf("Could not confirm the renewal of the token of service account %s (1 attempt); apply again once "+
				"the Console answers. The answer to a renewal sent at", id),
			"was lost, and 10s later the account's token had not changed, so the Console may still make it. "+
				"State records that the token in state does not work, and the next apply renews it again.")
		if tokens[id] != "" {
			t.Errorf("after the unconfirmed renewal of %s, state still holds a token (working: %v); want null", id,
				e.tokenStatus(tokens[id]) == http.StatusOK)
		}
		e.statusIs(t, before[id], http.StatusUnauthorized, "the token of "+id+" once the held renewal was made")
	}
	// Counted whatever the answer: a renewal released after the apply ended is made, but
	// its client has gone (the status recorded is not always 200, depending on how fast
	// the CLI stopped the provider).
	// A released request is counted once it is answered: wait for it (a few seconds at most).
	renews := func(s emulator.Stats) int { return s.Count(http.MethodPost, routeRenew) }
	if got := awaitCount(e.em.Stats, renews, n, 5*time.Second); got != n {
		t.Errorf("%d renewals sent, want %d: one each, never sent again while the first was unknown (%+v)", got, n,
			e.em.Stats().Requests)
	}

	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after unconfirmed renewals must renew:\n%s", plan)
	}
	// Terraform prints the first of similar warnings, and counts the others.
	// (The time is the Console's; its clock stands still in this test, while this machine's runs.)
	expectOutput(t, plan, "Warning: Token Will Be Renewed", "because the answer to a renewal sent at 2026-11-2",
		"was lost, and 10s later the account's token had not changed, so the Console may still make it.",
		"(and one more similar warning elsewhere)")
	if strings.Contains(plan.stdout, "interrupted") {
		t.Errorf("the plan blames an interrupted apply:\n%s", plan)
	}
	c.must("apply", "-auto-approve")
	checkOnlyStateTokensWork(t, e, stateTokens(c.state()))
	expectEmptyPlans(t, c, "after recovery")
}

// rotatingOutcomeConfig is the rotating token over blue and green with this test's provider.
func rotatingOutcomeConfig(e *accEnv, trigger string) string {
	return outcomeProvider(e) + e.rotatingAccounts() + fmt.Sprintf(`
resource "platformer_service_account_rotating_token" "test" {
  service_account_ids = [platformer_service_account.blue.id, platformer_service_account.green.id]
  rotate_every        = "30d"
  expires_in          = "90d"
  rotation_trigger    = %q
}
`, trigger)
}

// A rotation while the Console stalls and then makes the held renewals last-in
// first-out. Today's provider stored a token that the late first renewal killed. Now
// the rotation succeeds: the new active token works, and so does the previous one.
func TestAccRenewalOutcome_rotation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its hold and release")
	c := initCLI(e, rotatingOutcomeConfig(e, "1"))
	c.must("apply", "-auto-approve")
	before := rotState(t, c)

	c.write(rotatingOutcomeConfig(e, "2"))
	e.em.ResetStats()
	apply, released := heldApply(t, e, c, 2, true)
	after := rotState(t, c)
	logOnFailure(t, "stalled rotation: exit %d after %s; %s; active token answers %d, previous token %d", apply.code,
		apply.took.Round(100*time.Millisecond), released, e.tokenStatus(after.str("token")), e.tokenStatus(before.str("token")))
	if apply.code != 0 {
		t.Fatalf("the stalled rotation failed (the releaser let the writes go before the wait for them ran out):\n%s", apply)
	}
	if after.str("active_service_account_id") != before.str("previous_service_account_id") {
		t.Errorf("active account %s after the rotation, want %s", after.str("active_service_account_id"),
			before.str("previous_service_account_id"))
	}
	e.statusIs(t, after.str("token"), http.StatusOK, "the new active token")
	e.statusIs(t, before.str("token"), http.StatusOK, "the previous token")
	expectEmptyPlans(t, c, "after the stalled rotation")
}

// awaitHold waits until at least n writes are held, the first of them departed (its
// client stopped waiting) when departed is set.
func awaitHold(t *testing.T, e *accEnv, n int, departed bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		st := e.em.HoldStatus()
		if len(st.Held) >= n && (!departed || st.Held[0].Departed) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("held after a minute: %+v; want %d (first departed: %v)", st.Held, n, departed)
		}
	}
}

// Issue 24, defect 1: a renewal made elsewhere while the provider watches the account
// for its lost one. The provider of e509c32 took the new token id for its own renewal
// made, renewed again and stored that answer; then the Console made the held first
// renewal after it: "Apply complete!" with a dead token in state. Now a lost renewal is
// taken for made only when the account shows the expiry it asked for: the renewal made
// elsewhere (never expiring) is not, so nothing is sent again, the apply fails naming
// the account, state marks the token as not working, and the next apply renews it.
func TestAccRenewalOutcome_confirmationCatchesALateRenewal(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its hold and release")
	c := initCLI(e, outcomeProvider(e)+expiringFleetConfig(1, "1"))
	c.must("apply", "-auto-approve")
	id, _ := onlyEntry(t, stateTokens(c.state()))

	c.write(outcomeProvider(e) + expiringFleetConfig(1, "2"))
	e.em.SetHold(emulator.Hold{Writes: true})
	defer e.em.Release(emulator.ReleaseFIFO)
	e.em.ResetStats()
	p := c.start("apply", "-auto-approve")
	awaitHold(t, e, 1, true) // the first renewal timed out: the provider watches the account
	elsewhere := make(chan error, 1)
	go func() {
		_, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID}, id, nil)
		elsewhere <- err
	}()
	awaitHold(t, e, 2, false)
	e.em.ReleaseSome(emulator.ReleaseLIFO, 1) // the renewal made elsewhere
	if err := <-elsewhere; err != nil {
		t.Fatalf("renewal elsewhere: %v", err)
	}
	apply := p.wait(3 * time.Minute)
	if got := len(e.em.HoldStatus().Held); got != 1 {
		t.Errorf("%d renewals held when the apply ended, want 1: the provider's first, never sent again", got)
	}
	e.em.Release(emulator.ReleaseLIFO) // the Console makes the provider's renewal last
	tokens := stateTokens(c.state())
	logOnFailure(t, "apply: exit %d after %s, errors %v; token in state: null %v, dead %v", apply.code,
		apply.took.Round(100*time.Millisecond), apply.errorSummaries(), tokens[id] == "", len(deadNonNull(e, tokens)) > 0)
	if apply.code != 1 {
		t.Fatalf("an apply whose lost renewal was not proved made must fail:\n%s", apply)
	}
	expectOutput(t, apply, "Error: Token Renewal Not Confirmed",
		fmt.Sprintf("Could not confirm the renewal of the token of service account %s (1 attempt); apply again once the "+
			"Console answers. The answer to a renewal sent at", id),
		"was lost; the account then held a token (id ",
		") renewed elsewhere (its expiry is not the one asked for), so this renewal may still be made.")
	if tokens[id] != "" {
		t.Errorf("state holds a token after the failed apply (working: %v); want null", e.tokenStatus(tokens[id]) == http.StatusOK)
	}
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after an unconfirmed renewal must renew:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Token Will Be Renewed",
		fmt.Sprintf("This apply renews the token of service account %s because the answer to a renewal sent at", id))
	c.must("apply", "-auto-approve")
	checkOnlyStateTokensWork(t, e, stateTokens(c.state()))
	expectEmptyPlans(t, c, "after recovery")
}

// The same stall when the tokens are created (the accounts exist): the account's token
// id before the renewal comes from the listing the provider makes anyway, and the
// creates succeed with working tokens, and only those.
func TestAccRenewalOutcome_createDuringStall(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its hold and release")
	const n = 2
	accounts := fmt.Sprintf(`
resource "platformer_service_account" "fleet" {
  count       = %d
  name        = format("fleet-%%02d", count.index)
  permissions = ["organization.viewer"]
}
`, n)
	c := initCLI(e, outcomeProvider(e)+accounts)
	c.must("apply", "-auto-approve")
	c.write(outcomeProvider(e) + expiringFleetConfig(n, "1"))
	e.em.ResetStats()
	apply, released := heldApply(t, e, c, 2*n, true)
	tokens := stateTokens(c.state())
	logOnFailure(t, "stalled create: exit %d after %s; %s; renewals made %d; tokens in state not working: %v", apply.code,
		apply.took.Round(100*time.Millisecond), released, routeCount(e.em.Stats(), http.MethodPost, routeRenew, http.StatusOK),
		deadTokens(e, tokens))
	if apply.code != 0 {
		t.Fatalf("the stalled create failed:\n%s", apply)
	}
	checkOnlyStateTokensWork(t, e, tokens)
	expectEmptyPlans(t, c, "after the stalled create")
}

// A rotation whose renewal is held until the apply ended: the apply fails naming the
// account, the active token in state is untouched and still works, and once the
// Console has made the held renewal, the next plan rotates again without taking it for
// a renewal made outside Terraform; after it, the new and the previous token work.
func TestAccRenewalOutcome_unconfirmedRotation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its hold and release")
	c := initCLI(e, rotatingOutcomeConfig(e, "1"))
	c.must("apply", "-auto-approve")
	before := rotState(t, c)
	next := before.str("previous_service_account_id")

	c.write(rotatingOutcomeConfig(e, "2"))
	apply, released := heldApply(t, e, c, 0, false)
	after := rotState(t, c)
	logOnFailure(t, "stalled rotation: exit %d after %s; %s; errors %v; active token answers %d", apply.code,
		apply.took.Round(100*time.Millisecond), released, apply.errorSummaries(), e.tokenStatus(after.str("token")))
	if apply.code != 1 {
		t.Fatalf("a rotation whose renewal could not be confirmed must fail:\n%s", apply)
	}
	expectOutput(t, apply, "Error: Token Renewal Not Confirmed",
		fmt.Sprintf("Could not confirm the renewal of the token of service account %s (1 attempt)", next),
		"The token received (if any) is not stored: state keeps the active token it held, which still works, and the "+
			"next apply rotates again.")
	if after.str("token") != before.str("token") || after.str("active_service_account_id") != before.str("active_service_account_id") {
		t.Errorf("a failed rotation changed the active token in state")
	}
	e.statusIs(t, after.str("token"), http.StatusOK, "the active token after the failed rotation")

	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after a failed rotation must rotate:\n%s", plan)
	}
	if ws := plan.warningSummaries(); len(ws) > 0 {
		t.Errorf("the plan warns %v; a renewal of the failed apply is not one made outside Terraform:\n%s", ws, plan)
	}
	c.must("apply", "-auto-approve")
	done := rotState(t, c)
	if done.str("active_service_account_id") != next {
		t.Errorf("active account %s after the rotation, want %s", done.str("active_service_account_id"), next)
	}
	e.statusIs(t, done.str("token"), http.StatusOK, "the new active token")
	e.statusIs(t, before.str("token"), http.StatusOK, "the previous token")
	expectEmptyPlans(t, c, "after recovery")
}
