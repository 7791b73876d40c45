package provider

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Issue 18, item 3: a saved plan never fails because time passed. A renewal that
// becomes due (renew_before, or the expiry) between `terraform plan -out` and
// `terraform apply tfplan` made the apply fail with "Provider produced inconsistent
// final plan": Terraform plans again when it applies, and that plan decided on the
// time it ran. Now both decide on what the refresh recorded; what became due after it
// is renewed by the next plan.

// renewalDueChange is how plan -refresh-only shows that the refresh found the token due.
var renewalDueChange = regexp.MustCompile(`~ renewal_due\s+= false -> true`)

// savedPlanConfig is timeConfig's token with a 720h lifetime, renewed within 168h of
// its expiry; extra goes in the token.
func savedPlanConfig(e *accEnv, extra string) string {
	return timeConfig(e, "expires_in   = \"720h\"\n  renew_before = \"168h\"\n  "+extra)
}

// savedPlanOverTime applies a plan saved before the clock moves by d, and checks that
// the apply succeeds and renews nothing, that the next plan renews (saying why: want),
// and that plan and plan -refresh-only are empty after that. The saved plan changes the
// token in place without renewing it (rotation_trigger added), so that Terraform plans
// it again at apply.
func savedPlanOverTime(t *testing.T, c *cliDir, move func(), want string) {
	t.Helper()
	c.write(savedPlanConfig(c.e, `rotation_trigger = "1"`))
	plan := c.must("plan", "-out=tfplan")
	if !strings.Contains(plan.stdout, "1 to change") {
		t.Fatalf("expected the saved plan to change the token in place:\n%s", plan)
	}
	before := tokenOf(c, tokenAddr)
	move()
	if r := c.run("apply", "tfplan"); r.code != 0 {
		t.Fatalf("the saved plan fails once time has passed:\n%s", r)
	}
	if tokenOf(c, tokenAddr) != before {
		t.Errorf("applying the saved plan renewed the token, which the plan did not say")
	}
	// What the refresh finds due shows, in plan -refresh-only too: not an unexplained exit 2.
	refresh := c.run("plan", "-refresh-only", "-detailed-exitcode")
	if refresh.code != 2 || !renewalDueChange.MatchString(refresh.stdout) {
		t.Errorf("plan -refresh-only once the token is due: expected exit 2 showing renewal_due = false -> true:\n%s", refresh)
	}
	r := c.run("plan", "-detailed-exitcode")
	if r.code != 2 || !expectText(want).MatchString(r.stdout) {
		t.Errorf("the plan after the saved one: expected a renewal because %q:\n%s", want, r)
	}
	c.must("apply", "-auto-approve")
	if tokenOf(c, tokenAddr) == before {
		t.Errorf("the apply after the saved plan did not renew the token")
	}
	expectEmptyPlans(t, c, "after the renewal")
}

// In process, on the emulator's clock, which the provider shares: the renew_before
// window opens between plan and apply.
func TestAccServiceAccountToken_savedPlanRenewBeforeOpens(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, savedPlanConfig(e, ""))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the create")
	savedPlanOverTime(t, c, func() { e.clock.Advance(600 * time.Hour) }, "within renew_before (168h) of now")
}

// In process: the token expires between plan and apply.
func TestAccServiceAccountToken_savedPlanTokenExpires(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, savedPlanConfig(e, ""))
	c.must("apply", "-auto-approve")
	savedPlanOverTime(t, c, func() { e.clock.Advance(721 * time.Hour) }, "because the token expired at")
}

// The built provider binary, a process for each command, on the Console's clock only
// (the emulator's, moved through its control route), 2 hours behind this machine's.
func TestAccServiceAccountToken_savedPlanBuiltBinary(t *testing.T) {
	t.Parallel()
	e, _ := skewedEnv(t, -2*time.Hour)
	c := builtSkewCLI(e)
	c.write(savedPlanConfig(e, ""))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the create")
	savedPlanOverTime(t, c, func() { moveClock(t, e, `{"advance": "600h"}`) }, "within renew_before (168h) of now")
}

// A plan made with -refresh=false decides on the state as last refreshed (as
// hashicorp/time's time_rotating does): it renews nothing that became due since, and
// says so; its saved plan applies however late; the next plan that refreshes renews.
func TestAccServiceAccountToken_refreshFalseOverTime(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, savedPlanConfig(e, ""))
	c.must("apply", "-auto-approve")
	first := tokenOf(c, tokenAddr)
	e.clock.Advance(600 * time.Hour)
	plan := c.run("plan", "-refresh=false", "-out=tfplan", "-detailed-exitcode")
	if plan.code != 0 || !strings.Contains(plan.stdout, "Warning: Token Renewal Left to the Next Plan") ||
		!expectText("the plan was made with -refresh=false").MatchString(plan.stdout) {
		t.Errorf("plan -refresh=false within renew_before: expected no changes and a warning that says why:\n%s", plan)
	}
	e.clock.Advance(200 * time.Hour) // expired, now
	if r := c.run("apply", "tfplan"); r.code != 0 {
		t.Errorf("the saved -refresh=false plan fails once time has passed:\n%s", r)
	}
	if tokenOf(c, tokenAddr) != first {
		t.Errorf("the saved -refresh=false plan renewed the token")
	}
	r := c.run("plan", "-detailed-exitcode")
	if r.code != 2 || !expectText("because the token expired at").MatchString(r.stdout) {
		t.Errorf("the plan that refreshes: expected a renewal because the token expired:\n%s", r)
	}
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the renewal")
}

// An interactive apply: the renew_before window opens while Terraform waits for the
// answer to "Do you want to perform these actions?".
func TestAccServiceAccountToken_approvalOutlivesRenewBefore(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, savedPlanConfig(e, ""))
	c.must("apply", "-auto-approve")
	before := tokenOf(c, tokenAddr)
	c.write(savedPlanConfig(e, `rotation_trigger = "1"`))

	reattach, stop := serveInProcess(t, e)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), "apply", "-no-color")
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+reattach)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), "Enter a value:"); {
		if time.Now().After(deadline) {
			t.Fatalf("terraform apply did not ask for approval:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.clock.Advance(600 * time.Hour) // while the question waits
	if _, err := io.WriteString(stdin, "yes\n"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the approved apply fails once time has passed (%v):\n%s", err, out.String())
	}
	if tokenOf(c, tokenAddr) != before {
		t.Errorf("the approved apply renewed the token, which its plan did not say")
	}
	if r := c.run("plan", "-detailed-exitcode"); r.code != 2 || !expectText("within renew_before (168h) of now").MatchString(r.stdout) {
		t.Errorf("the plan after the approved apply: expected a renewal within renew_before:\n%s", r)
	}
}

// A state written before renewal_due existed (the attribute absent) shows no change in
// plan -refresh-only, and plans nothing.
func TestAccServiceAccountToken_renewalDueAbsentFromOlderState(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a state file to edit")
	c := initCLI(e, savedPlanConfig(e, ""))
	c.must("apply", "-auto-approve")
	file := filepath.Join(c.dir, "terraform.tfstate")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := regexp.MustCompile(`\s*"renewal_due": (true|false),`).ReplaceAll(raw, nil)
	if bytes.Equal(edited, raw) {
		t.Fatalf("terraform.tfstate holds no renewal_due to remove")
	}
	if err := os.WriteFile(file, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	expectEmptyPlans(t, c, "with a state written before renewal_due")
}
