package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 15: a killed terraform never leaves the user stuck. CI runners die by SIGKILL
// (timeouts, preemption, OOM): nothing is written to state, and a real Console finishes
// the writes whose client has gone. These tests reproduce that as in production: the
// provider built with go build and run by terraform as a plugin (dev_overrides), the
// Console emulator built and run as its own process with -departed-writes commit (a
// write whose client has gone is still carried out). Each case applies a change with the
// Console stalled on the route it writes to (a hold), SIGKILLs terraform and the
// provider once the writes are held there, lets the Console catch up (the release), then
// recovers as a user would: apply again and, when the
// apply stops with Name Already Used, apply the import steps the error gives, pasted
// from the error. Afterwards the Console holds exactly what the configuration says,
// every token in state works, and both plan and plan -refresh-only are empty.

// killCase is one kill point.
type killCase struct {
	name string
	// before is applied first (nil: nothing); during is the change whose apply is killed.
	before, during *killFleet
	// watch is the resource whose operations are awaited: kill once inFlight of them are
	// announced with verb and not finished (done).
	watch, verb, done string
	inFlight          int
	// writes counts the Console requests the kill leaves in flight.
	method, route string
	// recoveryWarns are texts the apply after the kill must print.
	recoveryWarns []string
}

// killFleet is a configuration: n organization-level accounts "svc-NN" with a
// description, each with a token; and, when rotation is set, two accounts "rot-N"
// sharing a rotating token whose rotation_trigger is rotation.
type killFleet struct {
	n           int
	description string
	trigger     string
	rotation    string
}

func (f *killFleet) config(url string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

provider "platformer" {
  api_url         = %[1]q
  organization_id = %[2]q
}

resource "platformer_service_account" "svc" {
  count       = %[3]d
  name        = format("svc-%%02d", count.index)
  description = %[4]q
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "svc" {
  count              = %[3]d
  service_account_id = platformer_service_account.svc[count.index].id
  rotation_trigger   = %[5]q
}
`, url, emulator.OrganizationID, f.n, f.description, f.trigger) + f.rotatingConfig()
}

func (f *killFleet) rotatingConfig() string {
	if f.rotation == "" {
		return ""
	}
	return fmt.Sprintf(`
resource "platformer_service_account" "rot" {
  count       = 2
  name        = format("rot-%%d", count.index)
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_rotating_token" "rot" {
  service_account_ids = platformer_service_account.rot[*].id
  rotate_every        = "30d"
  rotation_trigger    = %q
}
`, f.rotation)
}

// accounts maps the names of the accounts of the configuration to their descriptions.
func (f *killFleet) accounts() map[string]string {
	out := map[string]string{}
	for i := range f.n {
		out[fmt.Sprintf("svc-%02d", i)] = f.description
	}
	if f.rotation != "" {
		out["rot-0"], out["rot-1"] = "", ""
	}
	return out
}

func TestAccInterrupted_killedApplyRecovers(t *testing.T) {
	if realConsole {
		t.Skip("needs the stand-alone emulator (latency, departed writes); not run against the real Console at PLATFORMER_API_URL")
	}
	t.Parallel()
	emulatorBin := buildEmulatorBinary(t)
	cases := []killCase{
		{name: "creates", during: &killFleet{3, "one", "1", ""},
			watch: "platformer_service_account.svc", verb: "Creating...", done: "Creation complete", inFlight: 3,
			method: http.MethodPost, route: routeCreate},
		{name: "updates", before: &killFleet{3, "one", "1", ""}, during: &killFleet{3, "two", "1", ""},
			watch: "platformer_service_account.svc", verb: "Modifying...", done: "Modifications complete", inFlight: 3,
			method: http.MethodPut, route: routeAccount},
		{name: "renewals", before: &killFleet{3, "one", "1", ""}, during: &killFleet{3, "one", "2", ""},
			watch: "platformer_service_account_token.svc", verb: "Modifying...", done: "Modifications complete", inFlight: 3,
			method: http.MethodPost, route: routeRenew,
			recoveryWarns: []string{"Warning: Token Will Be Renewed", "an earlier apply that was interrupted"}},
		{name: "deletes", before: &killFleet{3, "one", "1", ""}, during: &killFleet{1, "one", "1", ""},
			watch: "platformer_service_account.svc", verb: "Destroying...", done: "Destruction complete", inFlight: 2,
			method: http.MethodDelete, route: routeAccount},
		{name: "rotation", before: &killFleet{1, "one", "1", "1"}, during: &killFleet{1, "one", "1", "2"},
			watch: "platformer_service_account_rotating_token.rot", verb: "Modifying...", done: "Modifications complete",
			inFlight: 1, method: http.MethodPost, route: routeRenew,
			recoveryWarns: []string{"Warning: Previous Token No Longer Works"}},
	}
	for _, kc := range cases {
		t.Run(kc.name, func(t *testing.T) {
			t.Parallel()
			killAndRecover(t, kc, emulatorBin)
		})
	}
}

func killAndRecover(t *testing.T, kc killCase, emulatorBin string) {
	em := startEmulatorProcess(t, emulatorBin, "-departed-writes", "commit")
	e := &accEnv{t: t, URL: em.url, Token: emulator.DefaultAdminToken, OrgID: emulator.OrganizationID}
	c := newBuiltCLIDir(e, envToken+"="+e.Token, envAPIURL+"=", envOrganizationID+"=")

	if kc.before != nil {
		c.write(kc.before.config(em.url))
		c.must("apply", "-auto-approve")
	}
	c.write(kc.during.config(em.url))
	writesBefore := em.stats(t).Count(kc.method, kc.route)
	em.setHold(t, emulator.Hold{Writes: true, Route: kc.route})
	p := c.startKillable("apply", "-auto-approve")
	pending := p.awaitInFlight(kc.watch, kc.verb, kc.done, kc.inFlight, time.Minute)
	// Kill once the writes have reached the Console and wait there.
	held, _ := awaitHeld(func() emulator.HoldStatus { return em.holdStatus(t) }, kc.inFlight, time.Minute)
	killed := p.killHard()
	if pending < kc.inFlight {
		t.Fatalf("expected %d %s %s in flight before the kill, found %d:\n%s", kc.inFlight, kc.watch, kc.verb, pending, killed)
	}

	// The Console catches up: it carries out the writes whose client has gone.
	arrived := em.release(t)
	if arrived < len(held.Held) {
		t.Errorf("released %d writes, but %d were held at the kill", arrived, len(held.Held))
	}
	count := func(s emulator.Stats) int { return s.Count(kc.method, kc.route) - writesBefore }
	if got := awaitCount(func() emulator.Stats { return em.stats(t) }, count, arrived, 10*time.Second); got < arrived {
		t.Errorf("%d writes were released, but the Console answered %d", arrived, got)
	}
	if arrived == 0 {
		t.Fatalf("none of the %d writes in flight reached the Console before the kill, so nothing was left behind "+
			"to recover from: the case tests nothing", kc.inFlight)
	}
	orphans := 0
	inState := map[string]string{}
	// A first apply killed early leaves an empty state file, which is no state.
	if fi, err := os.Stat(filepath.Join(c.dir, "terraform.tfstate")); err == nil && fi.Size() > 0 {
		inState = stateAccounts(c.state())
	}
	for id := range consoleAccounts(t, e) {
		if _, ok := inState[id]; !ok {
			orphans++
		}
	}

	// Recovery, as a user would: apply; when it stops with Name Already Used, apply the
	// import steps the errors give (the first through the CLI form, the others as import
	// blocks), and apply again.
	recovery := c.run("apply", "-auto-approve")
	var steps []importStep
	if recovery.code != 0 {
		for _, s := range recovery.errorSummaries() {
			if s != "Name Already Used" {
				t.Fatalf("the apply after the kill failed with %q; only Name Already Used (with its import steps) "+
					"is expected:\n%s", s, recovery)
			}
		}
		var err error
		if steps, err = parseImportSteps(recovery.stdout + recovery.stderr); err != nil {
			t.Fatalf("the import steps cannot be taken from the error: %v\n%s", err, recovery)
		}
		if len(steps) != len(recovery.errorSummaries()) {
			t.Fatalf("%d Name Already Used errors, but %d import steps in them:\n%s", len(recovery.errorSummaries()),
				len(steps), recovery)
		}
		for _, want := range []string{"Under 15 minutes old, it is likely from an interrupted apply."} {
			if !expectText(want).MatchString(recovery.stderr) {
				t.Errorf("the Name Already Used error does not say %q:\n%s", want, recovery)
			}
		}
		logOnFailure(t, "the apply after the kill stopped (exit %d) with %d error(s); the first:\n%s", recovery.code,
			len(steps), firstDiagnostic(recovery.stderr, "Error: Name Already Used"))
		imported := c.must(steps[0].cli...)
		logOnFailure(t, "terraform %s: %s", strings.Join(steps[0].cli, " "), lastLine(imported.stdout, "Import successful!"))
		var blocks strings.Builder
		for _, s := range steps[1:] {
			blocks.WriteString(s.block + "\n")
		}
		importsFile := filepath.Join(c.dir, "imports.tf")
		if err := os.WriteFile(importsFile, []byte(blocks.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		recovery = c.must("apply", "-auto-approve")
		logOnFailure(t, "with %d import block(s) written from the errors, terraform apply: %s", len(steps)-1,
			lastLine(recovery.stdout, "Apply complete!"))
		if err := os.Remove(importsFile); err != nil {
			t.Fatal(err)
		}
	}
	if len(steps) != orphans {
		t.Errorf("%d account(s) were left in the Console outside state, and the recovery took %d import step(s); "+
			"every such account, and only those, must need one", orphans, len(steps))
	}
	for _, want := range kc.recoveryWarns {
		if !expectText(want).MatchString(recovery.stdout) {
			t.Errorf("the apply after the kill does not say %q:\n%s", want, recovery)
		}
	}

	// The Console holds exactly what the configuration says; every token in state works;
	// the plans are empty.
	want := kc.during.accounts()
	console := consoleAccounts(t, e)
	got := map[string]string{}
	for _, sa := range console {
		if _, dup := got[sa.Name]; dup {
			t.Errorf("two accounts named %q in the Console", sa.Name)
		}
		got[sa.Name] = sa.Description
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the Console holds accounts (name: description) %v, the configuration says %v", got, want)
	}
	final := c.state()
	if accounts := stateAccounts(final); len(accounts) != len(console) {
		t.Errorf("%d accounts in state, %d in the Console", len(accounts), len(console))
	} else {
		for id := range accounts {
			if _, ok := console[id]; !ok {
				t.Errorf("account %s is in state but not in the Console", id)
			}
		}
	}
	tokens := stateTokens(final)
	if len(tokens) != kc.during.n {
		t.Errorf("%d tokens in state, want %d", len(tokens), kc.during.n)
	}
	if kc.during.rotation != "" {
		for _, in := range final {
			if in.Type == "platformer_service_account_rotating_token" {
				tokens["the active account "+in.str("active_service_account_id")+" of the rotating token"] = in.str("token")
			}
		}
		if len(tokens) != kc.during.n+1 {
			t.Errorf("no rotating token in state")
		}
	}
	for id, tok := range tokens {
		if tok == "" {
			t.Errorf("the token of service account %s is null in state", id)
		} else if status := e.tokenStatus(tok); status != http.StatusOK {
			t.Errorf("the token in state for service account %s answers HTTP %d, want 200", id, status)
		}
	}
	expectEmptyPlans(t, c, "after recovery")
	logOnFailure(t, "killed (SIGKILL, terraform and provider) with %d %s %s in flight; %d of those writes reached the Console "+
		"and were carried out; %d account(s) left outside state; recovered with %d import step(s) and %s; the Console "+
		"then held the %d configured accounts, the %d tokens in state worked, both plans were empty",
		pending, kc.watch, strings.TrimSuffix(kc.verb, "..."), arrived, orphans, len(steps),
		map[bool]string{true: "one apply", false: "two applies"}[len(steps) == 0], len(console), len(tokens))
}

// A name taken by an account created long before, on the Console's clock, is not
// called the sign of an interrupted apply; the error still names the account and gives
// the import steps, and nothing is adopted.
func TestAccServiceAccount_nameTakenByAnOldAccount(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{Name: "taken"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(26 * time.Hour)
	id := issued.ServiceAccount.ID
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(`
resource "platformer_service_account" "test" {
  name = "taken"
}
`),
			ExpectError: regexp.MustCompile(`(?s)Error: Name Already Used.*` + strings.Join([]string{
				wrapTolerant(fmt.Sprintf(`The name "taken" is taken: account %s of organization %s has it, created 26h0m0s ago. 15 minutes old or more, it is probably someone else's.`, id, e.OrgID)),
				regexp.QuoteMeta(fmt.Sprintf(`id = "%s/%s"`, e.OrgID, id)),
			}, ".*")),
		}},
	})
	if n := e.em.ServiceAccountCount(); n != 1 {
		t.Errorf("%d accounts in the emulator, want 1: the one that held the name", n)
	}
}

// The import steps of the error are the ones the test harness reads: what
// importInstructions writes, parseImportSteps finds, with or without Terraform's boxes.
func TestImportInstructionsParse(t *testing.T) {
	const org, id = "a1c3e000-0000-4000-8000-000000000001", "7d3f6a2e-1c4b-4f5a-9e8d-2b6c0a9f1e37"
	diagText := "Error: Name Already Used\n\n  with platformer_service_account.fleet[2],\n  on main.tf line 3:\n\n" +
		"Could not create ...\n\n" + importInstructions(org, id) + "\n\nOtherwise, choose another name.\n"
	boxed := "╷\n│ " + strings.ReplaceAll(strings.TrimSuffix(diagText, "\n"), "\n", "\n│ ") + "\n╵\n"
	for name, out := range map[string]string{"no-color": diagText + "\nWarning: Other\n\n  with x.y,\n", "boxed": boxed} {
		steps, err := parseImportSteps(out)
		if err != nil || len(steps) != 1 {
			t.Fatalf("%s: %d steps, %v", name, len(steps), err)
		}
		want := importStep{address: "platformer_service_account.fleet[2]", id: org + "/" + id,
			block: "import {\n  to = platformer_service_account.fleet[2]\n  id = \"" + org + "/" + id + "\"\n}",
			cli:   []string{"import", "platformer_service_account.fleet[2]", org + "/" + id}}
		if fmt.Sprintf("%q", steps[0]) != fmt.Sprintf("%q", want) {
			t.Errorf("%s: got %q, want %q", name, steps[0], want)
		}
	}
	if _, err := parseImportSteps(strings.Replace(diagText, importAddressPlaceholder+"\n", "platformer_service_account.x\n", 1)); err == nil {
		t.Error("an import block whose to is not the placeholder was accepted")
	}
}

// ---- the import steps of a Name Already Used error --------------------------------------

// importStep is what one Name Already Used error tells to run, with the address (which
// the provider cannot know, so the error holds a placeholder) taken from Terraform's
// "with" line of that error, as a user would.
type importStep struct {
	address, id string
	block       string   // the import block, ready to write to a .tf file
	cli         []string // the arguments of the terraform import command
}

var (
	diagWithLine  = regexp.MustCompile(`^\s*with (\S+),$`)
	importToLine  = regexp.MustCompile(`^\s*to\s*=\s*(\S+)\s*$`)
	importIDLine  = regexp.MustCompile(`^\s*id\s*=\s*"([^"]+)"\s*$`)
	importCLILine = regexp.MustCompile(`^\s*terraform import '([^']+)' (\S+)\s*$`)
)

// parseImportSteps reads the import steps out of Terraform's output: each Name Already
// Used error must carry an import block and a terraform import command for the same id,
// with the placeholder address importAddressPlaceholder.
func parseImportSteps(out string) ([]importStep, error) {
	var steps []importStep
	var cur *importStep
	var block []string
	inBlock := false
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimPrefix(strings.TrimPrefix(raw, "│"), " ")
		switch {
		case strings.HasPrefix(raw, "╷"):
			cur = nil
		case strings.TrimSpace(line) == "Error: Name Already Used":
			steps = append(steps, importStep{})
			cur = &steps[len(steps)-1]
		case strings.HasPrefix(line, "Error: ") || strings.HasPrefix(line, "Warning: "):
			cur = nil // another diagnostic (-no-color output has no boxes)
		case cur == nil:
		case strings.HasPrefix(raw, "╵"):
			cur = nil
		case diagWithLine.MatchString(line) && cur.address == "":
			cur.address = diagWithLine.FindStringSubmatch(line)[1]
		case strings.TrimSpace(line) == "import {":
			inBlock, block = true, []string{"import {"}
		case inBlock:
			s := strings.TrimSpace(line)
			switch {
			case importToLine.MatchString(s):
				if to := importToLine.FindStringSubmatch(s)[1]; to != importAddressPlaceholder {
					return nil, fmt.Errorf("the import block's to = %s is not the placeholder %s", to, importAddressPlaceholder)
				}
				s = "to = " + cur.address
			case importIDLine.MatchString(s):
				cur.id = importIDLine.FindStringSubmatch(s)[1]
			}
			if s == "}" {
				inBlock = false
				block = append(block, "}")
				cur.block = strings.Join(block, "\n")
				cur.cli = []string{"import", cur.address, cur.id} // the same step, as a command
			} else {
				block = append(block, "  "+s)
			}
		case importCLILine.MatchString(line):
			m := importCLILine.FindStringSubmatch(line)
			if m[1] != importAddressPlaceholder || m[2] != cur.id {
				return nil, fmt.Errorf("the command %q does not import %s into the placeholder %s", strings.TrimSpace(line),
					cur.id, importAddressPlaceholder)
			}
			cur.cli = []string{"import", cur.address, m[2]}
		}
	}
	for i, s := range steps {
		if s.address == "" || s.block == "" || s.cli == nil || s.id == "" {
			return nil, fmt.Errorf("the Name Already Used error %d lacks its address, its import block or its command: %+v", i+1, s)
		}
		if _, _, problem := parseImportID(s.id, nil); problem != "" {
			return nil, fmt.Errorf("error %d: the importer would refuse its id: %s", i+1, problem)
		}
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].address < steps[j].address })
	return steps, nil
}

// firstDiagnostic is the first diagnostic in Terraform's -no-color output that starts
// with header ("Error: Name Already Used"), up to the next diagnostic.
func firstDiagnostic(out, header string) string {
	_, rest, found := strings.Cut(out, header)
	if !found {
		return ""
	}
	end := len(rest)
	for _, next := range []string{"\nError: ", "\nWarning: "} {
		if i := strings.Index(rest, next); i >= 0 && i < end {
			end = i
		}
	}
	return strings.TrimSpace(header + rest[:end])
}

// lastLine is the last line of out that starts with prefix, or "".
func lastLine(out, prefix string) string {
	found := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), prefix) {
			found = strings.TrimSpace(line)
		}
	}
	return found
}

// consoleAccounts lists the organization's accounts with the admin token, by id.
func consoleAccounts(t *testing.T, e *accEnv) map[string]client.ServiceAccount {
	t.Helper()
	list, err := e.client().ListServiceAccounts(context.Background(), client.Scope{OrganizationID: e.OrgID})
	if err != nil {
		t.Fatalf("list the Console's accounts: %v", err)
	}
	out := map[string]client.ServiceAccount{}
	for _, sa := range list {
		out[sa.ID] = sa
	}
	return out
}

// awaitInFlight waits until Terraform has announced n operations (verb) on resource
// instances of addr that have not finished, and returns how many there are.
func (p *cliProc) awaitInFlight(addr, verb, done string, n int, timeout time.Duration) int {
	count := func() int {
		started, finished := 0, 0
		for _, line := range strings.Split(p.stdout.String(), "\n") {
			if !strings.HasPrefix(line, addr+"[") && !strings.HasPrefix(line, addr+":") {
				continue
			}
			switch {
			case strings.Contains(line, ": "+verb):
				started++
			case strings.Contains(line, ": "+done):
				finished++
			}
		}
		return started - finished
	}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case <-p.done:
			return count()
		default:
		}
		if got := count(); got >= n {
			return got
		}
	}
	return count()
}

// killHard SIGKILLs terraform, its process group (the provider), and any descendant
// that left the group, and returns what terraform had printed.
func (p *cliProc) killHard() cliResult {
	p.c.t.Helper()
	pids := descendants(p.cmd.Process.Pid)
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	r := p.wait(30 * time.Second)
	if r.code == 0 {
		p.c.t.Fatalf("terraform finished before it was killed:\n%s", r)
	}
	return r
}

// descendants lists the processes below pid, from /proc (empty where there is none).
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after its last ')'.
		i := strings.LastIndexByte(string(stat), ')')
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(fields[1]); err == nil {
			children[ppid] = append(children[ppid], child)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, c := range children[next] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}
