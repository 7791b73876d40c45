package provider

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"pgregory.net/rapid"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// The generative checker of the token lifecycle (issue 24): rapid draws schedules of
// what users and the world do — apply with and without a trigger change, a saved plan
// applied after the clock moved, refresh-only, import, revoke, destroy and recreate, a
// renewal in the Console by someone else, the Console's clock jumping either way, a
// stall whose queued writes are released in any order, a lost answer, a write
// committed but its answer dropped, the provider killed mid-call — runs them against
// the real provider through lifecycle_checker_core_test.go's small Terraform, and
// checks the invariants after every step:
//
//	working    an operation reported successful leaves only working tokens in state
//	           (each token in state authenticates, unless it expired by time);
//	converges  after anything, a clean apply succeeds, leaves working tokens, one
//	           account per name, and then plans no change;
//	no harm    no account is deleted but by destroy; no renewal is sent by a refresh,
//	           an import, a plan, or for a resource whose plan changed nothing;
//	warnings   every warning's stated condition is true: "Managed Elsewhere Too" only
//	           when someone else renewed that account; "Previous Token No Longer Works"
//	           only when it does not; "keeps working as the previous token" only when
//	           it does;
//	revoke     a revoke reported done leaves the leaked token dead; one reported failed
//	           leaves it working.
//
// Budget: `make test` runs checkerDefaultChecks schedules, in parallel parts of
// checkerBatch schedules, each from its own seed; -rapid.checks=N runs one batch of two
// parallel runs of N instead. `make soak SOAK=10m` sets PLATFORMER_SOAK and
// runs batches until the time is up. A failure prints rapid's seed and the shrunk
// schedule, one log line per step.
//
// Before the fixes of issue 24 it found two violations in the lifecycle core, since
// fixed: a lost renewal taken for ours when a manager elsewhere with the same
// expires_in renewed in the same second (the token in state then died: the expiry mark,
// markedExpiry), and "Managed Elsewhere Too" after our own renewal by a killed apply
// (the warning now names that cause).

// checkerDefaultChecks is how many schedules `make test` runs.
const checkerDefaultChecks = 2000

// checkerBatch is how many schedules each part of the budget checks.
const checkerBatch = 100

// checkerDeadlineMargin is the time left for the package's other tests: no part starts
// after the test timeout is this close.
const checkerDeadlineMargin = 5 * time.Minute

// checkerSteps is the average number of steps of a schedule (rapid.steps).
const checkerSteps = 4

// checkerStats counts what the checker did, for its summary line.
var checkerStats struct {
	schedules, steps, checks atomic.Int64
}

// TestLifecycleChecker runs the generative checker on its budget, or for
// PLATFORMER_SOAK (a duration) when set.
func TestLifecycleChecker(t *testing.T) {
	t.Parallel() // most of the package's other tests wait on terraform: run beside them
	// As the served provider does (serve.go): a third less CPU on garbage collection.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	setRapidDefault("rapid.steps", fmt.Sprint(checkerSteps))
	start := time.Now()
	if soak := os.Getenv("PLATFORMER_SOAK"); soak != "" {
		d, err := time.ParseDuration(soak)
		if err != nil {
			t.Fatalf("PLATFORMER_SOAK=%q: %v (use a Go duration such as 10m)", soak, err)
		}
		setRapidDefault("rapid.checks", "50") // per run and batch: a soak ends within a batch of its time
		for i := 0; time.Since(start) < d && !t.Failed(); i++ {
			checkBatch(t, fmt.Sprintf("soak-%d", i))
		}
	} else if isFlagSet("rapid.checks") {
		checkBatch(t, "budget")
	} else {
		// checkerDefaultChecks in parallel parts of checkerBatch, which share the cores
		// with the package's other tests (all of them are parallel) rather than running
		// after them. A part that would start too close to the package's -timeout is
		// skipped (saying so), so that a machine too loaded to run them all does not fail
		// every test that comes after.
		setRapidDefault("rapid.checks", fmt.Sprint(checkerBatch))
		deadline, hasDeadline := t.Deadline()
		t.Run("budget", func(t *testing.T) {
			for i := range checkerDefaultChecks / checkerBatch {
				t.Run(fmt.Sprintf("part-%d", i), func(t *testing.T) {
					t.Parallel()
					if hasDeadline && time.Until(deadline) < checkerDeadlineMargin {
						t.Skipf("less than %s is left before the test timeout", checkerDeadlineMargin)
					}
					rapid.Check(t, runSchedule)
				})
			}
		})
	}
	t.Logf("lifecycle checker: %d schedules, %d steps, %d invariant checks, in %s",
		checkerStats.schedules.Load(), checkerStats.steps.Load(), checkerStats.checks.Load(),
		time.Since(start).Round(time.Millisecond))
}

// checkBatch runs rapid.checks schedules on each of two parallel runs (two cores),
// each from its own seed.
func checkBatch(t *testing.T, name string) {
	t.Run(name, func(t *testing.T) {
		for i := range 2 {
			t.Run(fmt.Sprintf("run-%d", i), func(t *testing.T) {
				t.Parallel()
				rapid.Check(t, runSchedule)
			})
		}
	})
}

// setRapidDefault sets a rapid flag unless the command line set it.
func setRapidDefault(name, value string) {
	if !isFlagSet(name) {
		_ = flag.Set(name, value)
	}
}

// isFlagSet reports whether the command line set the flag.
func isFlagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkerRenewalTiming is the checker's provider's renewalTiming: the front loses answers
// at once, so no wait needs to be long.
var checkerRenewalTiming = renewalTiming{minWait: 100 * time.Millisecond, pollFirst: time.Millisecond,
	pollMax: 5 * time.Millisecond}

// ---- one schedule ---------------------------------------------------------------------

// machine is one schedule's world: the Terraform, the Console seen directly, and what
// the invariants need to know of the past.
type machine struct {
	t      *rapid.T
	core   *tfCore
	direct *httptest.Server
	api    *client.Client // the admin, straight to the emulator
	cfg    coreConfig
	step   int
	// external: accounts (lower-case id) renewed by someone else in this schedule;
	// ours: accounts a killed or failed operation may have renewed unseen.
	external, ours map[string]bool
	// stepExternal: token ids that someone else's renewals issued during this step, and
	// the accounts (lower-case ids) they renewed.
	stepExternal map[string]bool
}

var checkerStart = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func runSchedule(t *rapid.T) {
	m := newMachine(t)
	defer m.close()
	checkerStats.schedules.Add(1)
	m.do("setup: apply", func(ctx context.Context) stepResult { return m.applyStep(ctx, "") })
	t.Repeat(map[string]func(*rapid.T){
		"Apply":            m.Apply,
		"ApplyFaulty":      m.ApplyFaulty,
		"SavedPlanLater":   m.SavedPlanLater,
		"RefreshOnly":      m.RefreshOnly,
		"Import":           m.Import,
		"Revoke":           m.Revoke,
		"DestroyRecreate":  m.DestroyRecreate,
		"RenewElsewhere":   m.RenewElsewhere,
		"ClockJump":        m.ClockJump,
		"Kill":             m.Kill,
		"RenewDuringApply": m.RenewDuringApply,
		"Ephemeral":        m.Ephemeral,
		"":                 func(*rapid.T) {},
	})
	m.converges()
}

func newMachine(t *rapid.T) *machine {
	core, err := newTFCore(checkerStart)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	direct := httptest.NewServer(core.em)
	api, err := client.New(client.Config{BaseURL: direct.URL, Token: emulator.DefaultAdminToken, UserAgent: "checker",
		RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	core.premade = map[string]string{}
	for _, addr := range []string{addrAcctA, addrAcctB} {
		made, err := api.CreateServiceAccount(context.Background(), emulator.OrganizationID,
			client.CreateServiceAccountInput{Name: accountNames[addr]})
		if err != nil {
			t.Fatalf("make %s: %v", addr, err)
		}
		core.premade[addr] = strings.ToLower(made.ServiceAccount.ID)
	}
	return &machine{t: t, core: core, direct: direct, api: api, cfg: coreConfig{Trigger: 1, RotTrigger: 1},
		external: map[string]bool{}, ours: map[string]bool{}}
}

// accountID is the lower-case id of an account of the configuration ("" when not in
// state).
func (m *machine) accountID(addr string) string {
	if id := m.core.premade[addr]; id != "" {
		return id
	}
	if in := m.core.state[addr]; in != nil {
		return strings.ToLower(str(in.state, "id"))
	}
	return ""
}

func (m *machine) close() {
	m.core.close()
	m.direct.Close()
}

// stepResult is what a step did, for the invariants.
type stepResult struct {
	kind     string // apply, read (refresh, import, plan), revoke, world
	failed   bool
	killed   bool
	noop     map[string]bool // apply: resources whose plan changed nothing
	released int             // stalled writes released after the operation
	progress []string
	revoked  string // revoke: the account
	only     string // a read of one resource (import): its address
	moved    bool   // the clocks moved during the step
	took     time.Duration
}

// do runs one step: the operation, then the stall's end (writes still queued are
// released), then the invariants.
func (m *machine) do(what string, op func(ctx context.Context) stepResult) {
	m.step++
	checkerStats.steps.Add(1)
	m.core.diags = nil
	m.stepExternal = map[string]bool{}
	before := m.snapshot()
	began := time.Now()
	res := op(context.Background())
	res.took = time.Since(began)
	renewals := m.core.front.disarm()
	res.released = m.core.front.releaseAll()
	res.failed = res.failed || m.core.failed()
	m.logStep(what, res, renewals)
	m.checkStep(before, res, renewals)
}

func (m *machine) logStep(what string, res stepResult, renewals map[string]int) {
	outcome := "ok"
	switch {
	case res.killed:
		outcome = "killed"
	case res.failed:
		outcome = "failed"
	}
	m.t.Logf("step %d: %s -> %s (released %d stalled writes after it)", m.step, what, outcome, res.released)
	if os.Getenv("PLATFORMER_CHECKER_TIMING") != "" {
		fmt.Printf("TIMING %s %s %s\n", res.took.Round(time.Millisecond), outcome, what)
	}
	for _, addr := range []string{addrAcctT, addrAcctA, addrAcctB} {
		if n := renewals[m.accountID(addr)]; n > 0 {
			m.t.Logf("    the provider sent %d renewals of %s (%s)", n, addr, m.accountID(addr))
		}
	}
	for _, d := range m.core.diags {
		m.t.Logf("    %s %s: %s", d.Addr, d.Severity, d.Summary)
	}
	for _, p := range res.progress {
		m.t.Logf("    progress: %s", firstSentence(p))
	}
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

// ---- the operations --------------------------------------------------------------------

// applyStep plans and applies the configuration (a `terraform apply`).
func (m *machine) applyStep(ctx context.Context, mode string) stepResult {
	p, err := m.core.plan(ctx, m.cfg, mode, false)
	res := stepResult{kind: "apply", noop: map[string]bool{}}
	if mode == "refresh-only" {
		res.kind = "read"
	}
	if err != nil || p == nil || m.core.failed() {
		res.failed, res.killed = true, errors.Is(err, context.Canceled)
		return res
	}
	for _, ch := range p.changes {
		res.noop[ch.addr] = ch.action == "noop"
	}
	if err := m.core.apply(ctx, p, m.cfg); err != nil {
		res.failed, res.killed = true, errors.Is(err, context.Canceled)
	}
	return res
}

// Apply: `terraform apply`, with or without a change of a trigger or of the expiry.
func (m *machine) Apply(t *rapid.T) {
	m.t = t
	what := m.changeConfig(t)
	m.do("apply"+what, func(ctx context.Context) stepResult { return m.applyStep(ctx, "") })
}

// changeConfig may change the configuration; it says how.
func (m *machine) changeConfig(t *rapid.T) string {
	switch rapid.IntRange(0, 4).Draw(t, "change") {
	case 1:
		m.cfg.Trigger++
		return " (token trigger changed)"
	case 2:
		m.cfg.RotTrigger++
		return " (rotating trigger changed)"
	case 3:
		m.cfg.TokenExpires = !m.cfg.TokenExpires
		return fmt.Sprintf(" (token expires_in set: %v)", m.cfg.TokenExpires)
	}
	return ""
}

// ApplyFaulty: an apply with a trigger change whose renewals meet faults: lost answers,
// dropped answers, stalls released after a number of requests in a chosen order.
func (m *machine) ApplyFaulty(t *rapid.T) {
	m.t = t
	what := m.changeConfig(t)
	faults := rapid.SliceOfN(rapid.SampledFrom([]frontFault{faultLost, faultDrop, faultStall, faultNone}), 1, 3).
		Draw(t, "faults")
	// 0: released after the operation (it waits out renewalWait); else after n requests.
	releaseAfter := rapid.SampledFrom([]int{1, 2, 3, 5, 8, 1, 2, 0}).Draw(t, "releaseAfter")
	order := rapid.Permutation([]int{0, 1, 2}).Draw(t, "releaseOrder")
	m.core.front.arm(faults, releaseAfter, order, 0, nil)
	m.do(fmt.Sprintf("apply%s with renewal faults %v, stalls released after %d requests in order %v", what,
		faultNames(faults), releaseAfter, order), func(ctx context.Context) stepResult {
		res := m.applyStep(ctx, "")
		if res.failed {
			m.markOurs()
		}
		return res
	})
}

func faultNames(fs []frontFault) []string {
	names := []string{"none", "lost", "drop", "stall"}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = names[f]
	}
	return out
}

// markOurs notes that every account in state may have been renewed unseen by us.
func (m *machine) markOurs() {
	for _, addr := range []string{addrAcctT, addrAcctA, addrAcctB} {
		if id := m.accountID(addr); id != "" {
			m.ours[id] = true
		}
	}
}

// SavedPlanLater: `terraform plan -out`, time passes (both clocks), `terraform apply plan`.
func (m *machine) SavedPlanLater(t *rapid.T) {
	m.t = t
	what := m.changeConfig(t)
	later := time.Duration(rapid.IntRange(0, 240).Draw(t, "minutesLater")) * time.Minute
	m.do(fmt.Sprintf("plan -out%s; %s later, apply the saved plan", what, later), func(ctx context.Context) stepResult {
		res := stepResult{kind: "apply", noop: map[string]bool{}}
		p, err := m.core.plan(ctx, m.cfg, "", false)
		if err != nil || m.core.failed() {
			res.failed = true
			return res
		}
		for _, ch := range p.changes {
			res.noop[ch.addr] = ch.action == "noop"
		}
		m.core.console.Advance(later)
		m.core.local.Advance(later)
		res.moved = later > 0
		if err := m.core.apply(ctx, p, m.cfg); err != nil {
			res.failed = true
		}
		return res
	})
}

// RefreshOnly: `terraform apply -refresh-only`.
func (m *machine) RefreshOnly(t *rapid.T) {
	m.t = t
	m.do("apply -refresh-only", func(ctx context.Context) stepResult { return m.applyStep(ctx, "refresh-only") })
}

// Import: a token resource is removed from state (state rm) and imported again.
func (m *machine) Import(t *rapid.T) {
	m.t = t
	addr := rapid.SampledFrom([]string{addrTok, addrRot}).Draw(t, "import")
	in := m.core.state[addr]
	if in == nil {
		t.Skip("not in state")
	}
	id := str(in.state, "id")
	m.do("state rm + import "+addr, func(ctx context.Context) stepResult {
		delete(m.core.state, addr)
		if err := m.core.importOne(ctx, addr, id); err != nil {
			return stepResult{kind: "read", failed: true, only: addr}
		}
		return stepResult{kind: "read", only: addr}
	})
}

// Revoke: the revoke action on one account, its renewal perhaps meeting a fault.
func (m *machine) Revoke(t *rapid.T) {
	m.t = t
	addr := rapid.SampledFrom([]string{addrAcctT, addrAcctA, addrAcctB}).Draw(t, "account")
	fault := rapid.SampledFrom([]frontFault{faultNone, faultNone, faultLost, faultDrop, faultStall}).Draw(t, "fault")
	id := m.accountID(addr)
	if id == "" {
		t.Skip("account not in state")
	}
	m.core.front.arm([]frontFault{fault}, 3, nil, 0, nil)
	m.do(fmt.Sprintf("revoke action on %s (renewal fault %s)", addr, faultNames([]frontFault{fault})[0]),
		func(ctx context.Context) stepResult {
			leaked, err := m.api.GetServiceAccount(ctx, m.scope(), id)
			if err != nil {
				m.t.Fatalf("read account before the revoke: %v", err)
			}
			progress, err := m.core.revoke(ctx, id)
			res := stepResult{kind: "revoke", progress: progress, failed: err != nil, revoked: id}
			m.checkRevoke(leaked, progress) // before the stall ends
			return res
		})
}

// DestroyRecreate: `terraform destroy`, then `terraform apply`.
func (m *machine) DestroyRecreate(t *rapid.T) {
	m.t = t
	m.do("destroy", func(ctx context.Context) stepResult {
		res := m.applyStep(ctx, "destroy")
		res.kind = "destroy"
		return res
	})
	m.do("apply (recreate)", func(ctx context.Context) stepResult { return m.applyStep(ctx, "") })
}

// RenewElsewhere: someone renews an account's token in the Console.
func (m *machine) RenewElsewhere(t *rapid.T) {
	m.t = t
	addr := rapid.SampledFrom([]string{addrAcctT, addrAcctA, addrAcctB}).Draw(t, "account")
	expiry := rapid.SampledFrom(renewalExpiries).Draw(t, "expiry")
	id := m.accountID(addr)
	if id == "" {
		t.Skip("account not in state")
	}
	m.do(fmt.Sprintf("someone renews %s in the Console (expiry %s)", addr, expiry), func(ctx context.Context) stepResult {
		return stepResult{kind: "world", failed: m.renewElsewhere(id, expiry) != nil}
	})
}

// renewalExpiries are the expiries someone else asks for: never, a month, the ones this
// configuration asks for (2h, 3h), and a revoke's (1h).
var renewalExpiries = []string{"never", "30d", "2h", "3h", "1h"}

// renewElsewhere renews account id's token in the Console, as someone else would.
func (m *machine) renewElsewhere(id, expiry string) error {
	var at *time.Time
	if expiry != "never" {
		d, _ := parseDuration(expiry)
		e := m.core.console.Now().Add(d).Truncate(time.Second)
		at = &e
	}
	m.external[id] = true
	issued, err := m.api.RenewServiceAccountToken(context.Background(), m.scope(), id, at)
	m.stepExternal[id] = true
	if err == nil {
		m.stepExternal[issued.ServiceAccount.TokenID] = true
	}
	return err
}

// RenewDuringApply: an apply that renews, whose renewal meets a fault, while someone
// renews an account in the Console at a chosen request; stalled writes are released
// after a chosen number of requests, or after the apply.
func (m *machine) RenewDuringApply(t *rapid.T) {
	m.t = t
	what := m.changeConfig(t)
	fault := rapid.SampledFrom([]frontFault{faultStall, faultLost, faultDrop, faultStall}).Draw(t, "fault")
	addr := rapid.SampledFrom([]string{addrAcctT, addrAcctA, addrAcctB}).Draw(t, "account")
	expiry := rapid.SampledFrom(renewalExpiries).Draw(t, "expiry")
	at := rapid.IntRange(1, 12).Draw(t, "renewAtRequest")
	releaseAfter := rapid.SampledFrom([]int{1, 3, 6, 12, 0}).Draw(t, "releaseAfter")
	id := m.accountID(addr)
	if id == "" {
		t.Skip("account not in state")
	}
	m.core.front.arm([]frontFault{fault}, releaseAfter, nil, at, func() { _ = m.renewElsewhere(id, expiry) })
	m.do(fmt.Sprintf("apply%s, first renewal %s; someone renews %s (expiry %s) at request %d; stalls released after %d requests",
		what, faultNames([]frontFault{fault})[0], addr, expiry, at, releaseAfter), func(ctx context.Context) stepResult {
		res := m.applyStep(ctx, "")
		if res.failed {
			m.markOurs()
		}
		return res
	})
}

// ClockJump: the Console's clock jumps (this machine's does not), or time passes.
func (m *machine) ClockJump(t *rapid.T) {
	m.t = t
	minutes := rapid.SampledFrom([]int{-360, -61, -5, 5, 31, 61, 119, 181, 600}).Draw(t, "minutes")
	both := rapid.Bool().Draw(t, "timePasses")
	d := time.Duration(minutes) * time.Minute
	what := fmt.Sprintf("the Console's clock jumps %s", d)
	if both && d > 0 {
		what = fmt.Sprintf("%s pass", d)
	}
	m.do(what, func(context.Context) stepResult {
		m.core.console.Advance(d)
		if both && d > 0 {
			m.core.local.Advance(d)
		}
		return stepResult{kind: "world"}
	})
}

// Kill: an apply with a trigger change, killed after a number of requests (the
// context is cancelled; nothing the provider returns is saved).
func (m *machine) Kill(t *rapid.T) {
	m.t = t
	what := m.changeConfig(t)
	after := rapid.IntRange(1, 10).Draw(t, "killAfterRequests")
	m.do(fmt.Sprintf("apply%s, killed at request %d", what, after), func(ctx context.Context) stepResult {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		m.core.front.arm(nil, 0, nil, after, cancel)
		res := m.applyStep(ctx, "")
		if ctx.Err() != nil {
			res.failed, res.killed = true, true
			m.markOurs()
		}
		return res
	})
}

// Ephemeral: the ephemeral account is opened (its creation perhaps meeting a fault),
// its token used, and closed.
func (m *machine) Ephemeral(t *rapid.T) {
	m.t = t
	fault := rapid.SampledFrom([]frontFault{faultNone, faultLost, faultDrop}).Draw(t, "fault")
	m.core.front.arm([]frontFault{fault}, 0, nil, 0, nil)
	m.do(fmt.Sprintf("ephemeral account opened (creation fault %s), used, closed", faultNames([]frontFault{fault})[0]),
		func(ctx context.Context) stepResult {
			res := stepResult{kind: "ephemeral"}
			err := m.core.ephemeral(ctx, func(id, token string) {
				invariant()
				if !m.authenticates(token) {
					m.t.Fatalf("INVARIANT working: the ephemeral account %s was opened with a token that does not work", id)
				}
				res.only = strings.ToLower(id)
			})
			res.failed = err != nil
			return res
		})
}

func (m *machine) scope() client.Scope { return client.Scope{OrganizationID: emulator.OrganizationID} }

// ---- the Console, seen directly ---------------------------------------------------------

// consoleView is what the Console holds: accounts by lower-case id, and how many
// accounts have each configured name.
type consoleView struct {
	byID   map[string]client.ServiceAccount
	byName map[string]int
	now    time.Time
	state  map[string]tftypes.Value
}

func (m *machine) snapshot() consoleView {
	v := consoleView{byID: map[string]client.ServiceAccount{}, byName: map[string]int{}, now: m.core.console.Now(),
		state: map[string]tftypes.Value{}}
	list, err := m.api.ListServiceAccounts(context.Background(), m.scope())
	if err != nil {
		m.t.Fatalf("list accounts: %v", err)
	}
	for _, sa := range list {
		v.byID[strings.ToLower(sa.ID)] = sa
		v.byName[sa.Name]++
	}
	for addr, in := range m.core.state {
		v.state[addr] = in.state
	}
	return v
}

// authenticates reports whether token works on the Console now.
func (m *machine) authenticates(token string) bool {
	req := httptest.NewRequest(http.MethodGet, "/auth/api/v1/organization/list", nil)
	req.Header.Set("Authorization", token)
	rec := httptest.NewRecorder()
	m.core.em.ServeHTTP(rec, req)
	_, _ = io.Copy(io.Discard, rec.Body)
	return rec.Code == http.StatusOK
}
