package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// stateAccounts maps the ids of the service accounts in state to their names.
func stateAccounts(insts []cliInstance) map[string]string {
	out := map[string]string{}
	for _, in := range insts {
		if in.Type == "platformer_service_account" {
			out[in.str("id")] = in.str("name")
		}
	}
	return out
}

// stateTokens maps service account ids to the token held in state ("" when null).
func stateTokens(insts []cliInstance) map[string]string {
	out := map[string]string{}
	for _, in := range insts {
		if in.Type == "platformer_service_account_token" {
			out[in.str("service_account_id")] = in.str("token")
		}
	}
	return out
}

// ---- configurations --------------------------------------------------------------------

// relProvider is the provider block of e with extra arguments (e.config's is fixed).
func relProvider(e *accEnv, extra string) string { return e.providerBlock(extra) }

// fleetConfig is n organization-level accounts, each with a token.
func fleetConfig(n int, trigger string) string { return namedFleetConfig("fleet", n, trigger) }

// expiringFleetConfig is fleetConfig with tokens that expire in 30 days: a renewal then
// asks for an expiry, which marks it as ours on the account when its answer is lost.
func expiringFleetConfig(n int, trigger string) string {
	return strings.Replace(fleetConfig(n, trigger), "  rotation_trigger", "  expires_in         = \"30d\"\n  rotation_trigger", 1)
}

// namedFleetConfig is n organization-level accounts named "<name>-NN", each with a token
// (resources platformer_service_account.<name> and platformer_service_account_token.<name>).
func namedFleetConfig(name string, n int, trigger string) string {
	return fmt.Sprintf(`
resource "platformer_service_account" %[1]q {
  count       = %[2]d
  name        = format("%[1]s-%%02d", count.index)
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" %[1]q {
  count              = %[2]d
  service_account_id = platformer_service_account.%[1]s[count.index].id
  rotation_trigger   = %[3]q
}
`, name, n, trigger)
}

// ---- checks against the emulator -------------------------------------------------------

// emulatorAccounts maps the ids of the accounts of the organization to their names.
func emulatorAccounts(t *testing.T, e *accEnv) map[string]string {
	t.Helper()
	list, err := e.client().ListServiceAccounts(context.Background(), client.Scope{OrganizationID: e.OrgID})
	if err != nil {
		t.Fatalf("list the emulator's accounts: %v", err)
	}
	out := map[string]string{}
	for _, sa := range list {
		out[sa.ID] = sa.Name
	}
	return out
}

// checkStateMatchesEmulator asserts that state and the emulator hold the same accounts:
// no duplicate, no orphan, nothing in state that does not exist.
func checkStateMatchesEmulator(t *testing.T, e *accEnv, c *cliDir, when string) map[string]string {
	t.Helper()
	inState := stateAccounts(c.state())
	inConsole := emulatorAccounts(t, e)
	names := map[string]int{}
	for id, name := range inConsole {
		names[name]++
		if _, ok := inState[id]; !ok {
			t.Errorf("%s: account %s (%q) exists in the emulator but not in state: an orphan", when, id, name)
		}
	}
	for name, n := range names {
		if n > 1 {
			t.Errorf("%s: %d accounts named %q in the emulator: a duplicate", when, n, name)
		}
	}
	for id, name := range inState {
		if _, ok := inConsole[id]; !ok {
			t.Errorf("%s: account %s (%q) is in state but not in the emulator", when, id, name)
		}
	}
	if n := e.em.ServiceAccountCount(); n != len(inConsole) {
		t.Errorf("%s: the emulator holds %d accounts, %d of them in the organization", when, n, len(inConsole))
	}
	return inState
}

// checkOnlyStateTokensWork asserts that every token in state works, and that no other
// token the emulator ever issued does (the admin token, the test's own, aside). It
// returns how many tokens it tried.
func checkOnlyStateTokensWork(t *testing.T, e *accEnv, tokens map[string]string) int {
	t.Helper()
	live := map[string]bool{}
	for id, tok := range tokens {
		if tok == "" {
			t.Errorf("the token of service account %s is null in state", id)
			continue
		}
		live[tok] = true
		if got := e.tokenStatus(tok); got != http.StatusOK {
			t.Errorf("the token in state for service account %s answers HTTP %d, want 200", id, got)
		}
	}
	scanned := len(live)
	for _, tok := range e.em.IssuedTokens() {
		if tok == e.Token || live[tok] {
			continue
		}
		scanned++
		if got := e.tokenStatus(tok); got != http.StatusUnauthorized {
			t.Errorf("a token that is not in state still answers HTTP %d (want 401): issued token #%d", got, scanned)
		}
	}
	return scanned
}

// statusCount counts the API answers of a status (every route and method).
func statusCount(s emulator.Stats, status int) int {
	n := 0
	for _, r := range s.Requests {
		if r.Status == status {
			n += r.Count
		}
	}
	return n
}

// Route patterns of the emulator's statistics.
const (
	routeCreate  = "/auth/api/v1/serviceaccount/token/create"
	routeList    = "/auth/api/v1/serviceaccount/list"
	routeAccount = "/auth/api/v1/serviceaccount/{id}"
	routeRenew   = "/auth/api/v1/serviceaccount/{id}/token/renew"
)

// routeCount counts the answers of a status to a method and route.
func routeCount(s emulator.Stats, method, route string, status int) int {
	n := 0
	for _, r := range s.Requests {
		if r.Method == method && r.Route == route && r.Status == status {
			n += r.Count
		}
	}
	return n
}

// runUntilDone runs a terraform command until it succeeds, at most maxRuns times. A run
// may fail only if Terraform reported why, and only with an error summary that allowed
// matches. It returns every run.
func runUntilDone(t *testing.T, c *cliDir, maxRuns int, allowed *regexp.Regexp, args ...string) []cliResult {
	t.Helper()
	var runs []cliResult
	for len(runs) < maxRuns {
		r := c.run(args...)
		runs = append(runs, r)
		if r.code == 0 {
			return runs
		}
		errs := r.errorSummaries()
		if r.code != 1 || len(errs) == 0 {
			t.Fatalf("run %d failed without Terraform reporting an error:\n%s", len(runs), r)
		}
		for _, s := range errs {
			if !allowed.MatchString(s) {
				t.Fatalf("run %d reported an error of an unexpected kind (%q):\n%s", len(runs), s, r)
			}
		}
		t.Logf("run %d of terraform %s reported %d error(s) (%s); running it again", len(runs), args[0], len(errs),
			strings.Join(uniqueSorted(errs), ", "))
	}
	t.Fatalf("terraform %s did not succeed in %d runs:\n%s", args[0], maxRuns, runs[len(runs)-1])
	return runs
}

func uniqueSorted(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// initCLI writes main.tf and runs terraform init.
func initCLI(e *accEnv, config string) *cliDir {
	e.t.Helper()
	c := newCLIDir(e)
	c.write(config)
	c.must("init")
	return c
}

// Issue 5, faults: 20% of requests refused with 503 before processing, 10% of writes
// committed with their answer lost (502). An apply of 25 accounts with tokens converges:
// a run may fail only with Terraform reporting an "Outcome Unknown" error (a renewal
// whose answer was lost, which the provider never repeats blindly), and the second run
// must finish the job. Afterwards state and the Console agree exactly (no duplicate, no
// orphan), only the tokens in state work, and the plan (still under faults) is empty.
// Destroy under the same faults converges too and leaves no account and no working token.
//
// The emulator's faults are seeded, and Terraform creates every account before it
// renews any token, so a seed fixes how many creates and renewals lose their answer:
// seed 13 loses 2 creates and 4 renewals in the first run; seed 7 loses 2-3 creates and
// 2-3 renewals, and then one more renewal in each of the next two runs. Seed 7 fails
// today: a renewal lost again in the second run is left to a third (see the report in
// the test's log).
func TestAccReliability_faultsConverge(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{13, 7} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			t.Parallel()
			faultsConverge(t, seed)
		})
	}
}

func faultsConverge(t *testing.T, seed int64) {
	const accounts = 25
	e := newAccEnv(t, func(o *emulator.Options) { o.Seed = seed })
	e.needEmulator("its fault knobs")
	c := initCLI(e, relProvider(e, "")+expiringFleetConfig(accounts, "1"))
	outcomeUnknown := regexp.MustCompile(`^(Outcome Unknown|Token Renewal Not Confirmed)$`)

	faultsOn := func() { e.em.SetFaults(0.2, 0.1) }
	faultsOff := func() { e.em.SetFaults(0, 0) }
	faultsOn()
	applies := runUntilDone(t, c, 5, outcomeUnknown, "apply", "-auto-approve")
	applyStats := e.em.Stats()
	faultsOff()
	if len(applies) > 2 {
		t.Errorf("the apply needed %d runs; the second run must finish the job. Each run after the first lost the "+
			"answer of a renewal again, and a lost renewal is only renewed again by the next run", len(applies))
	}

	inState := checkStateMatchesEmulator(t, e, c, "after apply")
	if len(inState) != accounts {
		t.Errorf("%d accounts in state, want %d", len(inState), accounts)
	}
	names := map[string]bool{}
	for _, name := range inState {
		names[name] = true
	}
	for i := range accounts {
		if want := fmt.Sprintf("fleet-%02d", i); !names[want] {
			t.Errorf("no account %q in state", want)
		}
	}
	tokens := stateTokens(c.state())
	if len(tokens) != accounts {
		t.Errorf("%d tokens in state, want %d", len(tokens), accounts)
	}
	scanned := checkOnlyStateTokensWork(t, e, tokens)

	faultsOn()
	e.em.ResetStats()
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 0 || !strings.Contains(plan.stdout, "No changes.") {
		t.Errorf("the plan after convergence is not empty:\n%s", plan)
	}
	planStats := e.em.Stats()

	e.em.ResetStats()
	destroys := runUntilDone(t, c, 3, outcomeUnknown, "destroy", "-auto-approve")
	destroyStats := e.em.Stats()
	faultsOff()
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left in the emulator after destroy", n)
	}
	if left := c.state(); len(left) != 0 {
		t.Errorf("%d resources left in state after destroy", len(left))
	}
	afterDestroy := checkOnlyStateTokensWork(t, e, nil)

	logOnFailure(t, "seed %d, apply: %d run(s); %d accounts and %d tokens in state; %d API calls, %d answered 503 (retried), "+
		"%d answered 502 (answer lost): %d creates (adopted), %d renewals", seed, len(applies), len(inState), len(tokens), applyStats.Total, statusCount(applyStats, 503),
		statusCount(applyStats, 502), routeCount(applyStats, http.MethodPost, routeCreate, 502),
		routeCount(applyStats, http.MethodPost, routeRenew, 502))
	logOnFailure(t, "seed %d, plan under faults: %d API calls (%d answered 503), no changes", seed, planStats.Total,
		statusCount(planStats, 503))
	logOnFailure(t, "seed %d, destroy: %d run(s); %d API calls, %d answered 503, %d answered 502 (%d of them "+
		"renewals on destroy)", seed, len(destroys), destroyStats.Total,
		statusCount(destroyStats, 503), statusCount(destroyStats, 502),
		routeCount(destroyStats, http.MethodPost, routeRenew, 502))
	logOnFailure(t, "seed %d, tokens scanned: %d after apply (the %d in state work, the rest answer 401), %d after destroy "+
		"(all 401)", seed, scanned, len(tokens), afterDestroy)
}

// Issue 5, rate limiting: the Console allows 5 requests per second per token. The same
// apply of 25 accounts with tokens finishes without an error. The provider block asks
// for 6 requests per second, a little more than allowed, so the Console does answer 429
// (with Retry-After: 1) and the provider has to honour it: were it to retry at once, six
// attempts (max_retries) would be spent within the same second and the apply would fail.
func TestAccReliability_rateLimited(t *testing.T) {
	t.Parallel()
	const accounts = 25
	e := newAccEnv(t, func(o *emulator.Options) { o.RateLimit = 5 })
	e.needEmulator("its rate limit")
	c := initCLI(e, relProvider(e, "requests_per_second = 6")+fleetConfig(accounts, "1"))
	e.em.ResetStats()
	apply := c.run("apply", "-auto-approve")
	stats := e.em.Stats()
	if apply.code != 0 {
		t.Fatalf("apply under a rate limit failed:\n%s", apply)
	}
	if w := apply.warningSummaries(); len(w) != 0 {
		t.Errorf("unexpected warnings: %v", w)
	}
	plan := c.run("plan", "-detailed-exitcode")
	e.em.SetRateLimit(0) // the checks below use the same token
	if plan.code != 0 {
		t.Errorf("the plan after apply is not empty:\n%s", plan)
	}
	inState := checkStateMatchesEmulator(t, e, c, "after apply")
	if len(inState) != accounts {
		t.Errorf("%d accounts in state, want %d", len(inState), accounts)
	}
	tokens := stateTokens(c.state())
	scanned := checkOnlyStateTokensWork(t, e, tokens)
	limited := statusCount(stats, http.StatusTooManyRequests)
	// Every call is made once, plus one attempt per 429: the answered calls are exactly
	// 25 creates, 25 renewals and the listings.
	if got := routeCount(stats, http.MethodPost, routeCreate, http.StatusCreated); got != accounts {
		t.Errorf("%d creates answered 201, want %d", got, accounts)
	}
	if got := routeCount(stats, http.MethodPost, routeRenew, http.StatusOK); got != accounts {
		t.Errorf("%d renewals answered 200, want %d", got, accounts)
	}
	logOnFailure(t, "rate limit 5/s, provider at 6/s: apply took %s for %d API calls, of which %d answered 429 and were retried after "+
		"Retry-After; %d accounts, %d tokens scanned; the plan after it took %s and is empty",
		apply.took.Round(time.Millisecond), stats.Total, limited, len(inState), scanned, plan.took.Round(time.Millisecond))
}

// Issue 5, a renewal whose answer was lost: the Console renewed the token (so the one in
// state stopped working) but the provider never saw the new one. Each lost renewal asks
// for an expiry, which the account then shows: proof that it is ours, so it is sent
// again, three times in all. The apply reports it; state says the token in state is
// dead; the next plan says why it renews; the next apply ends with a working token in
// state and only that one working.
func TestAccReliability_lostRenewal(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its drop-rate knob")
	c := initCLI(e, relProvider(e, "")+expiringFleetConfig(1, "1"))
	c.must("apply", "-auto-approve")
	id, token1 := onlyEntry(t, stateTokens(c.state()))

	c.write(relProvider(e, "") + expiringFleetConfig(1, "2"))
	e.em.SetFaults(0, 1) // every write is committed and its answer lost
	lost := c.run("apply", "-auto-approve")
	e.em.SetFaults(0, 0)
	if lost.code != 1 {
		t.Fatalf("an apply whose renewal answer was lost must fail:\n%s", lost)
	}
	expectOutput(t, lost, "Error: Token Renewal Not Confirmed",
		fmt.Sprintf("Could not confirm the renewal of the token of service account %s (3 attempts); apply again once the "+
			"Console answers. The answer to a renewal sent at", id),
		"was lost (3 attempts), so it may have been made, or may still be, which stops the token in state from working. "+
			"State records that the token in state does not work, and the next apply renews it again.")
	if got := e.tokenStatus(token1); got != http.StatusUnauthorized {
		t.Errorf("the previous token answers %d after the lost renewal, want 401", got)
	}
	// Each lost renewal was seen made on the account before the next was sent: three in
	// all (a literal, not maxLostRenewals, so that a change of it fails here).
	if got := routeCount(e.em.Stats(), http.MethodPost, routeRenew, http.StatusBadGateway); got != 3 {
		t.Errorf("%d renewals sent and lost, want 3", got)
	}
	if tok := stateTokens(c.state())[id]; tok != "" {
		t.Errorf("after the lost renewal, state still holds a token (working: %v); want null, as the token is dead",
			e.tokenStatus(tok) == http.StatusOK)
	}

	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after a lost renewal must renew:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Token Will Be Renewed",
		fmt.Sprintf("This apply renews the token of service account %s because the answer to a renewal sent at", id),
		"platformer_service_account_token.fleet[0] will be updated in-place")

	c.must("apply", "-auto-approve")
	after := stateTokens(c.state())
	scanned := checkOnlyStateTokensWork(t, e, after)
	expectEmptyPlans(t, c, "after recovery")
	stats := e.em.Stats()
	logOnFailure(t, "3 renewals lost (502 after commit), reported as not confirmed; the plan warned and renewed; %d API "+
		"calls, %d tokens scanned (1 in state works, %d dead)", stats.Total, scanned, scanned-1)
}

// The same for a token that never expires: its renewal asks for no expiry, so nothing on
// the account tells a lost renewal of ours from one made elsewhere. It is not sent
// again (a second renewal could be overtaken by the first): one attempt, and the token
// is marked as not working.
func TestAccReliability_lostRenewalNeverExpiring(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its drop-rate knob")
	c := initCLI(e, relProvider(e, "")+fleetConfig(1, "1"))
	c.must("apply", "-auto-approve")
	id, _ := onlyEntry(t, stateTokens(c.state()))
	c.write(relProvider(e, "") + fleetConfig(1, "2"))
	e.em.SetFaults(0, 1)
	lost := c.run("apply", "-auto-approve")
	e.em.SetFaults(0, 0)
	expectOutput(t, lost, "Error: Token Renewal Not Confirmed",
		fmt.Sprintf("Could not confirm the renewal of the token of service account %s (1 attempt)", id),
		"a token that never expires carries no mark of who renewed it, so this renewal may still be made.")
	if got := routeCount(e.em.Stats(), http.MethodPost, routeRenew, http.StatusBadGateway); got != 1 {
		t.Errorf("%d renewals sent and lost, want 1", got)
	}
	c.must("apply", "-auto-approve")
	checkOnlyStateTokensWork(t, e, stateTokens(c.state()))
	expectEmptyPlans(t, c, "after recovery")
}

// expectText matches text exactly, whatever white space Terraform wraps its lines with.
func expectText(text string) *regexp.Regexp { return regexp.MustCompile(wrapTolerant(text)) }

// onlyEntry is the one entry of a map.
func onlyEntry(t *testing.T, m map[string]string) (key, value string) {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("expected one entry, got %d", len(m))
	}
	for k, v := range m {
		key, value = k, v
	}
	return key, value
}

// Issue 5, interrupting an apply: Ctrl-C (SIGINT to terraform) while the Console is
// stalled (it holds every write until released), with three creates and three renewals
// in flight. Terraform asks the provider to stop; the provider's requests are cancelled
// with their context, so the run ends at once rather than when the Console answers. The Console must
// not process the cancelled requests (it answers them 499), so state matches what the
// Console holds: no account that state does not know, the tokens in state still work.
// The next apply finishes the job.
//
// Done through the CLI rather than a direct call with a deadline because it covers the
// whole chain: Terraform's StopProvider, the provider's request contexts, the client's
// cancellation of a request in flight. (internal/client's TestCancelStopsRetriesPromptly
// covers the client alone.)
//
// It runs against both kinds of Console (emulator.Options.DepartedWrites). With cancel,
// the Console drops what it had not processed (it answers 499), so state matches what
// the Console holds: each token in state still works, or is marked as not working (the
// provider cannot know that the Console dropped its renewal: issue 24), and the next
// apply finishes the job. With commit (the default, and what a real server usually does) the Console
// finishes the six writes after terraform has gone: three accounts exist that state
// does not know, and the three tokens in state are dead. The next apply then stops with
// Name Already Used for each new account, and its import steps, pasted from the
// errors, let the apply after it converge, renewing the dead tokens with a warning
// that says why (issue 15).
func TestAccReliability_interruptedApply(t *testing.T) {
	t.Parallel()
	for _, mode := range []emulator.DepartedWrites{emulator.DepartedWritesCancel, emulator.DepartedWritesCommit} {
		t.Run("departed writes "+string(mode), func(t *testing.T) {
			t.Parallel()
			interruptedApply(t, mode)
		})
	}
}

func interruptedApply(t *testing.T, mode emulator.DepartedWrites) {
	// stall bounds how long the apply may take to stop after the interrupt. The Console
	// holds the writes until the release, after it: an apply whose requests in flight
	// were not cancelled would not stop at all.
	const stall = 4 * time.Second
	e := newAccEnv(t, func(o *emulator.Options) { o.DepartedWrites = mode })
	e.needEmulator("its hold")
	c := initCLI(e, relProvider(e, "")+namedFleetConfig("old", 3, "1"))
	c.must("apply", "-auto-approve")
	before := stateTokens(c.state())

	// Three new accounts, and a rotation of the three tokens, planned against a quick
	// Console and applied against a stalled one.
	next := relProvider(e, "") + namedFleetConfig("old", 3, "2") + namedFleetConfig("new", 3, "1")
	c.write(next)
	c.must("plan", "-out=tfplan")
	e.em.ResetStats()
	pending, r, stopped := interruptHeldApply(t, e, c, 6)
	if !strings.Contains(r.stdout, "Interrupt received") {
		t.Errorf("terraform did not see the interrupt:\n%s", r)
	}
	if stopped > stall {
		t.Errorf("the apply took %s to stop after the interrupt; the Console held its requests, so the requests in "+
			"flight were not cancelled:\n%s", stopped, r)
	}

	// The Console catches up. With cancel, every request in flight is dropped unprocessed:
	// answered 499, its client having gone. With commit, every write in flight is carried
	// out.
	done := func(s emulator.Stats) int {
		if mode == emulator.DepartedWritesCancel {
			return statusCount(s, 499)
		}
		return routeCount(s, http.MethodPost, routeCreate, http.StatusCreated) +
			routeCount(s, http.MethodPost, routeRenew, http.StatusOK)
	}
	e.em.Release(emulator.ReleaseFIFO)
	finished := awaitCount(e.em.Stats, done, pending, 10*time.Second)
	if finished < pending {
		t.Errorf("%d requests were in flight when terraform was interrupted, but the emulator (departed writes %s) "+
			"finished only %d of them as it should (%s)", pending, mode, finished, statsLine(e.em.Stats()))
	}

	var inState map[string]string
	var scanned, imports int
	recoveredBy := "next apply"
	if mode == emulator.DepartedWritesCancel {
		inState = checkStateMatchesEmulator(t, e, c, "after the interrupt")
		after := stateTokens(c.state())
		for id, tok := range before {
			switch after[id] {
			case tok: // kept
			case "": // marked as not working: the interrupted renewal's outcome is unknown to the provider
			default:
				t.Errorf("the token of %s in state changed although its renewal was interrupted", id)
			}
			if after[id] != "" && e.tokenStatus(after[id]) != http.StatusOK {
				t.Errorf("the token of %s in state does not work after its renewal was dropped", id)
			}
		}
		scanned = len(after)
	} else {
		inState = stateAccounts(c.state())
		if n, want := len(emulatorAccounts(t, e)), len(inState)+3; n != want {
			t.Errorf("the emulator holds %d accounts after the interrupt, want %d (the 3 in state and the 3 created "+
				"after terraform had gone)", n, want)
		}
		for id, tok := range before {
			if got := e.tokenStatus(tok); got != http.StatusUnauthorized {
				t.Errorf("the token of %s in state answers %d after its renewal was carried out, want 401", id, got)
			}
		}
		// The next apply stops at the accounts whose names are taken, giving the import
		// steps; the user pastes them, and applies again.
		taken := c.run("apply", "-auto-approve")
		if errs := taken.errorSummaries(); taken.code != 1 || len(errs) != 3 || len(uniqueSorted(errs)) != 1 ||
			errs[0] != "Name Already Used" {
			t.Fatalf("expected the apply after the interrupt to stop with 3 Name Already Used errors:\n%s", taken)
		}
		// The renewals it could make, it made: the dead tokens, with a warning saying why
		// (Terraform prints warnings of one summary once, "and 2 more similar warnings").
		if !strings.Contains(taken.stdout, "Warning: Token Will Be Renewed") ||
			!(expectText("an earlier apply that was interrupted").MatchString(taken.stdout) ||
				expectText("because the answer to a renewal sent at").MatchString(taken.stdout)) ||
			routeCount(e.em.Stats(), http.MethodPost, routeRenew, http.StatusOK) != 6 {
			t.Errorf("the apply after the interrupt must renew the 3 dead tokens, warning that an earlier apply may "+
				"have been interrupted (%s):\n%s", statsLine(e.em.Stats()), taken)
		}
		steps, err := parseImportSteps(taken.stdout + taken.stderr)
		if err != nil || len(steps) != 3 {
			t.Fatalf("3 import steps expected in the errors (%v):\n%s", err, taken)
		}
		var blocks strings.Builder
		for _, s := range steps {
			blocks.WriteString(s.block + "\n")
		}
		if err := os.WriteFile(filepath.Join(c.dir, "imports.tf"), []byte(blocks.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		imports = len(steps)
		recoveredBy = "apply after importing"
	}
	if t.Failed() {
		t.Logf("interrupted run:\n%s", r)
		return // what follows would only repeat the damage found above
	}

	c.must("apply", "-auto-approve")
	if mode == emulator.DepartedWritesCommit {
		if err := os.Remove(filepath.Join(c.dir, "imports.tf")); err != nil {
			t.Fatal(err)
		}
	}
	final := checkStateMatchesEmulator(t, e, c, "after the next apply")
	if len(final) != 6 {
		t.Errorf("%d accounts after the next apply, want 6", len(final))
	}
	scanned += checkOnlyStateTokensWork(t, e, stateTokens(c.state()))
	if plan := c.run("plan", "-detailed-exitcode"); plan.code != 0 {
		t.Errorf("the plan after recovery is not empty:\n%s", plan)
	}
	logOnFailure(t, "interrupt, departed writes %s: %d operations in flight (3 creates, 3 renewals); terraform stopped %s after "+
		"SIGINT (exit %d) against a Console that held them; the emulator finished %d of them as %s; state then held %d "+
		"accounts; %d import step(s) taken from the errors; the %s converged to %d accounts; %d tokens scanned", mode,
		pending, stopped.Round(time.Millisecond), r.code, finished, mode, len(inState), imports, recoveredBy,
		len(final), scanned)
}

// interruptHeldApply applies the saved plan tfplan with the Console holding every
// write, interrupts terraform (SIGINT) once n writes are held, and waits for it to
// stop. It returns the operations terraform had in flight, its result, and how long it
// took to stop. The writes stay held, for the test to release.
func interruptHeldApply(t *testing.T, e *accEnv, c *cliDir, n int) (int, cliResult, time.Duration) {
	t.Helper()
	e.em.SetHold(emulator.Hold{Writes: true})
	p := c.start("apply", "tfplan")
	inFlight := func() int {
		out := p.stdout.String()
		return strings.Count(out, ": Creating...") + strings.Count(out, ": Modifying...") -
			strings.Count(out, ": Creation complete") - strings.Count(out, ": Modifications complete")
	}
	// Interrupt once the writes have reached the Console and wait there.
	held, _ := awaitHeld(e.em.HoldStatus, n, 30*time.Second)
	for deadline := time.Now().Add(5 * time.Second); inFlight() < n && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // terraform's output, read through a pipe
	}
	pending := inFlight()
	interrupted := time.Now()
	p.interrupt()
	r := p.wait(time.Minute)
	stopped := time.Since(interrupted)
	if len(held.Held) != n || pending != n || r.code == 0 {
		e.em.Release(emulator.ReleaseFIFO)
		t.Fatalf("expected %d writes held by the Console (found %d), %d operations in flight (found %d) and a failed "+
			"apply:\n%s", n, len(held.Held), n, pending, r)
	}
	return pending, r, stopped
}

// statsLine is a one-line summary of the emulator's counters.
func statsLine(s emulator.Stats) string {
	parts := make([]string, 0, len(s.Requests))
	for _, r := range s.Requests {
		parts = append(parts, fmt.Sprintf("%s %s %d x%d", r.Method, r.Route, r.Status, r.Count))
	}
	return strings.Join(parts, "; ")
}

// resetConfig is accounts a and b, and c when withC, each with a token.
func resetConfig(e *accEnv, description, trigger string, withC bool) string {
	cfg := relProvider(e, "") + fmt.Sprintf(`
resource "platformer_service_account" "a" {
  name        = "reset-a"
  description = %[1]q
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "a" {
  service_account_id = platformer_service_account.a.id
  rotation_trigger   = %[2]q
}

resource "platformer_service_account" "b" {
  name = "reset-b"
}

resource "platformer_service_account_token" "b" {
  service_account_id = platformer_service_account.b.id
}
`, description, trigger)
	if withC {
		cfg += `
resource "platformer_service_account" "c" {
  name = "reset-c"
}

resource "platformer_service_account_token" "c" {
  service_account_id = platformer_service_account.c.id
}
`
	}
	return cfg
}

// Issue 5, the Console restarted between plan and apply and lost its data: a saved plan
// that updates account a, rotates its token and creates account c is applied after
// em.Reset(). The apply fails with clear errors naming what is gone, without a panic;
// state records what does exist (c) and claims no change to what is gone; the next plan
// sees that a and b are gone and plans to create them again; the apply after it
// converges. A saved destroy plan applied after a reset succeeds: what is gone is gone.
func TestAccReliability_consoleResetBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its Reset")
	c := initCLI(e, resetConfig(e, "one", "1", false))
	c.must("apply", "-auto-approve")
	ids := map[string]string{}
	for id, name := range stateAccounts(c.state()) {
		ids[name] = id
	}

	c.write(resetConfig(e, "two", "2", true))
	if plan := c.run("plan", "-detailed-exitcode", "-out=tfplan"); plan.code != 2 {
		t.Fatalf("expected a plan with changes:\n%s", plan)
	}
	e.em.Reset()
	r := c.run("apply", "tfplan")
	if r.code != 1 {
		t.Fatalf("applying a plan whose objects are gone must fail:\n%s", r)
	}
	for _, want := range []string{
		"Error: Not Found",
		fmt.Sprintf("Could not update service account %[1]s: PUT /auth/api/v1/serviceaccount/%[1]s: 404 Not Found: "+
			"service account not found", ids["reset-a"]),
		"Check the id and the organization (and project) it is looked up in.",
	} {
		if !expectText(want).MatchString(r.stderr) {
			t.Errorf("the failed apply does not say %q:\n%s", want, r)
		}
	}
	if errs := r.errorSummaries(); len(errs) != 1 {
		t.Errorf("expected exactly one error (the update of reset-a), got %q:\n%s", errs, r)
	}
	afterApply := c.state()
	for _, in := range afterApply {
		if in.Addr == "platformer_service_account.a" && in.str("description") != "one" {
			t.Errorf("state claims the failed update: description %q", in.str("description"))
		}
	}
	inState := stateAccounts(afterApply)
	inConsole := emulatorAccounts(t, e)
	for id, name := range inConsole {
		if inState[id] != name {
			t.Errorf("account %s (%q) exists but state does not record it", id, name)
		}
	}
	if len(inConsole) != 1 {
		t.Errorf("the emulator holds %d accounts after the apply, want 1 (reset-c)", len(inConsole))
	}

	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("expected the plan to recreate what is gone:\n%s", plan)
	}
	for _, addr := range []string{"platformer_service_account.a", "platformer_service_account_token.a",
		"platformer_service_account.b", "platformer_service_account_token.b"} {
		if !strings.Contains(plan.stdout, "# "+addr+" will be created") {
			t.Errorf("the plan does not recreate %s:\n%s", addr, plan)
		}
	}
	if !strings.Contains(plan.stdout, "Plan: 4 to add, 0 to change, 0 to destroy.") {
		t.Errorf("unexpected plan:\n%s", plan)
	}
	c.must("apply", "-auto-approve")
	final := checkStateMatchesEmulator(t, e, c, "after recovery")
	scanned := checkOnlyStateTokensWork(t, e, stateTokens(c.state()))
	if again := c.run("plan", "-detailed-exitcode"); again.code != 0 {
		t.Errorf("the plan after recovery is not empty:\n%s", again)
	}

	c.must("plan", "-destroy", "-out=destroy.tfplan")
	e.em.Reset()
	destroy := c.run("apply", "destroy.tfplan")
	if destroy.code != 0 {
		t.Errorf("a destroy whose objects are already gone must succeed:\n%s", destroy)
	}
	if left := c.state(); len(left) != 0 {
		t.Errorf("%d resources left in state after the destroy", len(left))
	}
	logOnFailure(t, "reset between plan and apply: 1 error (Not Found, update of reset-a), reset-c "+
		"and its token created and recorded, the next plan recreated 4 resources; %d accounts after recovery; %d tokens scanned; a destroy plan applied "+
		"after a second reset succeeded; %d API calls in all", len(final), scanned, e.em.Stats().Total)
}
