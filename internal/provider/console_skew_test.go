package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 18, item 2: one clock, the Console's. The emulator runs on a clock of its own,
// skewed from this machine's, and the provider is the built binary, run by terraform as
// a plugin: a fresh process for every command, which has seen no Date header when it
// starts, on this machine's clock. Every instant sent to the Console, and every
// comparison with one of its instants, must be on the Console's clock.

// skews are how far the Console's clock is from this machine's in these tests.
var skews = []struct {
	name string
	d    time.Duration
}{
	{"ahead2h", 2 * time.Hour},
	{"ahead600h", 600 * time.Hour},
	{"behind2h", -2 * time.Hour},
}

// skewedEnv is an emulator whose clock is skew away from this machine's; it stands
// still unless moved (moveClock, or the returned clock).
func skewedEnv(t *testing.T, skew time.Duration) (*accEnv, *emulator.ManualClock) {
	t.Helper()
	console := emulator.NewManualClock(time.Now().UTC().Add(skew).Truncate(time.Second))
	e := newAccEnv(t, func(o *emulator.Options) { o.Clock = console })
	e.needEmulator("its clock")
	return e, console
}

// builtSkewCLI is a working directory that runs the built provider, configured by its
// provider block only.
func builtSkewCLI(e *accEnv, env ...string) *cliDir {
	return newBuiltCLIDir(e, append([]string{envAPIURL + "=", envToken + "=", envOrganizationID + "="}, env...)...)
}

// Create, with the token that creation issues and the provider discards: its expiry is
// an hour after the creation on the Console's clock (today: on this machine's, so an
// apply fails with "expired_in: must be in the future" once the Console is more than an
// hour ahead, and the discarded token lives 3 hours when it is 2 hours behind). Then the
// token resource is created, renewed within renew_before on the Console's clock, and
// plans stay empty.
func TestAccConsoleSkew_createAndRenew(t *testing.T) {
	t.Parallel()
	for _, s := range skews {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			e, console := skewedEnv(t, s.d)
			c := builtSkewCLI(e)
			c.write(e.config(`
resource "platformer_service_account" "bare" {
  name = "bare"
}
`))
			r := c.run("apply", "-auto-approve")
			if r.code != 0 {
				t.Fatalf("Console %s this machine: creating an account fails:\n%s", s.name, r)
			}
			checkDiscardedExpiry(t, e, console, "bare", "the creation token")
			expectEmptyPlans(t, c, "after the create")

			c.write(timeConfig(e, "expires_in   = \"720h\"\n  renew_before = \"168h\""))
			c.must("apply", "-auto-approve")
			expectEmptyPlans(t, c, "after the token's create")
			first := tokenOf(c, tokenAddr)

			// 600 hours on, on the Console: 120 hours left, within renew_before.
			console.Advance(600 * time.Hour)
			r = c.run("plan", "-detailed-exitcode")
			if r.code != 2 || !expectText("within renew_before (168h) of now").MatchString(r.stdout) {
				t.Errorf("600h on, on the Console's clock: expected a plan that renews and says why:\n%s", r)
			}
			c.must("apply", "-auto-approve")
			if tokenOf(c, tokenAddr) == first {
				t.Errorf("the apply did not renew the token")
			}
			expectEmptyPlans(t, c, "after the renewal")
			c.must("destroy", "-auto-approve")
			if n := e.em.ServiceAccountCount(); n != 0 {
				t.Errorf("%d accounts left after destroy", n)
			}
		})
	}
}

// checkDiscardedExpiry checks that the token the provider discarded last (what it was)
// of the account named name expires an hour after now on the Console's clock.
func checkDiscardedExpiry(t *testing.T, e *accEnv, console *emulator.ManualClock, name, what string) {
	t.Helper()
	accounts := accountsNamed(t, e, name)
	if len(accounts) != 1 || accounts[0].TokenExpiresAt == nil {
		t.Fatalf("expected one account %q whose token expires, found %+v", name, accounts)
	}
	want := console.Now().Add(creationTokenLifetime)
	if got := *accounts[0].TokenExpiresAt; got.Sub(want).Abs() > time.Minute {
		t.Errorf("%s: the discarded token expires at %s, want %s (an hour after now, on the Console's clock; %s off)",
			what, got.Format(time.RFC3339), want.Format(time.RFC3339), got.Sub(want).Round(time.Second))
	}
}

// A create whose answer is lost is adopted when the account was created after the
// request was sent, both instants on the Console's clock (today the start is taken on
// this machine's: 2 hours ahead of the Console, the account looks 2 hours older than the
// request, and is refused).
func TestAccConsoleSkew_adoptLostCreate(t *testing.T) {
	t.Parallel()
	for _, s := range skews {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			e, _ := skewedEnv(t, s.d)
			c := builtSkewCLI(e)
			c.write(e.config(`
resource "platformer_service_account" "bare" {
  name = "lost-answer"
}
`))
			e.em.SetFaults(0, 1) // every write is committed and its answer lost
			r := c.run("apply", "-auto-approve")
			e.em.SetFaults(0, 0)
			if r.code != 0 || !strings.Contains(r.stdout, "Warning: Service Account Adopted After a Lost Response") {
				t.Fatalf("Console %s this machine: a create whose answer was lost is not adopted:\n%s", s.name, r)
			}
			if n := e.em.ServiceAccountCount(); n != 1 {
				t.Errorf("%d accounts after the adoption, want 1", n)
			}
			expectEmptyPlans(t, c, "after the adoption")
		})
	}
}

// The ephemeral account: open issues a token that expires expires_in after now on the
// Console's clock, and the sweep of killed runs' leftovers judges their expiry on it.
// One leftover's token expired a minute ago on the Console, the other's expires in an
// hour: with the Console 2 hours ahead, this machine's clock thinks neither expired;
// 2 hours behind, it thinks both did. Close deletes the account itself: the deletion
// at the provider's exit, for what Terraform did not close, must find nothing to do
// (issue 19, item 6).
func TestAccConsoleSkew_ephemeral(t *testing.T) {
	t.Parallel()
	for _, s := range skews {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			e, console := skewedEnv(t, s.d)
			expired := makeLeftover(t, e, console.Now().Add(time.Minute), "sweep-expired1")
			live := makeLeftover(t, e, console.Now().Add(time.Hour+2*time.Minute), "sweep-liveone1")
			console.Advance(2 * time.Minute)

			logFile := filepath.Join(t.TempDir(), "provider.log")
			c := builtSkewCLI(e, "TF_LOG_PROVIDER=DEBUG", "TF_LOG_PATH="+logFile)
			c.write(ephemeralCLIConfig(e, "sweep-", `expires_in = "30m"`))
			before := len(e.em.IssuedTokens())
			r := c.run("plan")
			if r.code != 0 {
				t.Fatalf("Console %s this machine: a plan that opens the ephemeral account fails:\n%s", s.name, r)
			}
			requireIn(t, "the plan", r.stdout, "Warning: Leftover Temporary Service Accounts Deleted",
				fmt.Sprintf("Deleted 1 temporary service account(s) that earlier runs left behind (killed before they "+
					"could delete them; their tokens had expired): %q (%s", "sweep-expired1", expired))
			after := emulatorAccounts(t, e)
			if _, ok := after[expired]; ok {
				t.Errorf("the leftover whose token expired on the Console's clock was not deleted")
			}
			if _, ok := after[live]; !ok {
				t.Errorf("the leftover whose token is still valid on the Console's clock was deleted")
			}
			if len(after) != 1 {
				t.Errorf("%d accounts after the plan, want 1 (the live leftover): the temporary account is left", len(after))
			}
			if n := len(newTokens(e, before)); n != 1 {
				t.Errorf("the plan issued %d tokens, want 1", n)
			}
			checkClosedByClose(t, logFile)
			checkOpenedExpiry(t, logFile, console.Now().Add(30*time.Minute))
		})
	}
}

// makeLeftover creates, with the admin token, what a killed run of prefix "sweep-"
// leaves behind: a temporary account whose token expires at expiresAt.
func makeLeftover(t *testing.T, e *accEnv, expiresAt time.Time, name string) string {
	t.Helper()
	issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{
		Name: name, Description: temporaryDescription(expiresAt), ExpiresAt: &expiresAt})
	if err != nil {
		t.Fatalf("create the leftover %s: %v", name, err)
	}
	return issued.ServiceAccount.ID
}

// checkClosedByClose reads the provider's log of a run: Close deleted the temporary
// account, and the deletion at exit found nothing left open.
func checkClosedByClose(t *testing.T, logFile string) {
	t.Helper()
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("the provider's log: %v", err)
	}
	log := string(raw)
	if !strings.Contains(log, "deleted the temporary service account of this run") {
		t.Errorf("Close did not delete the temporary account (no such line in the provider's log of %d bytes)", len(log))
	}
	if strings.Contains(log, "that Terraform did not close") {
		t.Errorf("the temporary account was deleted at the provider's exit, not by Close:\n%s", grepLines(log, "did not close"))
	}
}

// openedExpiry matches the expiry the provider logs when it opens a temporary account.
var openedExpiry = regexp.MustCompile(`created a temporary service account for this run.*expires_at=([0-9TZ:+-]+)`)

// checkOpenedExpiry checks, in the provider's log, that the temporary account's token was
// issued to expire at want (the Console's now plus expires_in).
func checkOpenedExpiry(t *testing.T, logFile string, want time.Time) {
	t.Helper()
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("the provider's log: %v", err)
	}
	m := openedExpiry.FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatalf("the provider's log does not say when the temporary account's token expires")
	}
	got, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatalf("the provider's log: expires_at %q: %v", m[1], err)
	}
	if got.Sub(want).Abs() > time.Minute {
		t.Errorf("the temporary account's token expires at %s, want %s (expires_in after the Console's now)",
			got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
}

// grepLines is the lines of text that hold s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// rotatingAddr is the rotating token of rotatingConfig.
const rotatingAddr = "platformer_service_account_rotating_token.test"

// The rotating token: each renewal is sent the expiry expires_in after now on the
// Console's clock, the refresh judges rotate_every on it (rotation_due), and the destroy
// gives the discarded tokens an hour on it. The provider, a fresh process for every
// command on this machine's clock, must not take this machine's clock for the Console's
// before an answer has told it.
func TestAccConsoleSkew_rotate(t *testing.T) {
	t.Parallel()
	for _, s := range skews {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			e, console := skewedEnv(t, s.d)
			c := builtSkewCLI(e)
			// The accounts first: their creation issues tokens of its own (the create test).
			c.write(e.config(e.rotatingAccounts()))
			c.must("apply", "-auto-approve")
			c.write(e.rotatingConfig("rotate_every = \"1d\"\n  expires_in   = \"3d\""))
			before := len(e.em.IssuedTokens())
			if r := c.run("apply", "-auto-approve"); r.code != 0 {
				t.Fatalf("Console %s this machine: creating the rotating token fails:\n%s", s.name, r)
			}
			first := newTokens(e, before) // the previous account's token, then the active one's
			if len(first) != 2 || tokenOf(c, rotatingAddr) != first[1] {
				t.Fatalf("the create issued %d tokens, want 2, the second one active", len(first))
			}
			checkRotatingExpiry(t, c, console, "after the create")
			expectEmptyPlans(t, c, "after the create")

			// A day and a minute on, on the Console: the active token is rotate_every old.
			console.Advance(24*time.Hour + time.Minute)
			checkRotationPlanned(t, c, console)
			before = len(e.em.IssuedTokens())
			c.must("apply", "-auto-approve")
			rotated := newTokens(e, before)
			if len(rotated) != 1 || tokenOf(c, rotatingAddr) != rotated[0] {
				t.Fatalf("the rotation issued %d tokens, want 1, active", len(rotated))
			}
			e.statusIs(t, rotated[0], 200, "the new active token")
			e.statusIs(t, first[1], 200, "the previous token")
			e.statusIs(t, first[0], 401, "the token before the previous one")
			checkRotatingExpiry(t, c, console, "after the rotation")
			expectEmptyPlans(t, c, "after the rotation")

			// Destroy the rotating token only: its accounts stay, to be looked at. The day
			// moved the Console's clock only, so that it is ahead of this machine's in every
			// subtest; it is put back to s.d from this machine's (as if this machine's clock
			// had moved the day too), so that the discard is judged with the Console behind too.
			console.Set(time.Now().UTC().Add(s.d).Truncate(time.Second))
			c.write(e.config(e.rotatingAccounts()))
			c.must("apply", "-auto-approve")
			e.statusIs(t, rotated[0], 401, "the active token after destroy")
			e.statusIs(t, first[1], 401, "the previous token after destroy")
			checkDiscardedExpiry(t, e, console, "ci-blue", "ci-blue after destroy")
			checkDiscardedExpiry(t, e, console, "ci-green", "ci-green after destroy")
			c.must("destroy", "-auto-approve")
		})
	}
}

// checkRotatingExpiry checks that the active token of the rotating token in c's state
// expires 3 days (its expires_in) after now on the Console's clock.
func checkRotatingExpiry(t *testing.T, c *cliDir, console *emulator.ManualClock, when string) {
	t.Helper()
	got, err := time.Parse(time.RFC3339, attrOf(t, c, rotatingAddr, "expires_at"))
	if err != nil {
		t.Fatalf("%s: expires_at: %v", when, err)
	}
	if want := console.Now().Add(72 * time.Hour); got.Sub(want).Abs() > time.Minute {
		t.Errorf("%s: the active token expires at %s, want %s (expires_in after the Console's now; %s off)", when,
			got.Format(time.RFC3339), want.Format(time.RFC3339), got.Sub(want).Round(time.Second))
	}
}

// rotationNow matches the Console's now as the plan that rotates for time states it.
var rotationNow = regexp.MustCompile(`rotate_every \(1d\) or more before now \(([0-9TZ:+-]+)`)

// checkRotationPlanned checks that the next plan rotates, saying why, at the Console's
// now on its clock.
func checkRotationPlanned(t *testing.T, c *cliDir, console *emulator.ManualClock) {
	t.Helper()
	r := c.run("plan", "-detailed-exitcode")
	out := strings.Join(strings.Fields(r.stdout), " ") // as Terraform wraps it, unwrapped
	m := rotationNow.FindStringSubmatch(out)
	if r.code != 2 || !strings.Contains(out, "Warning: Token Will Be Rotated") || m == nil {
		t.Fatalf("a day and a minute on, on the Console's clock: expected a plan that rotates and says why:\n%s", r)
	}
	got, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatalf("the plan's now %q: %v", m[1], err)
	}
	if got.Sub(console.Now()).Abs() > time.Minute {
		t.Errorf("the plan says now is %s, the Console's clock reads %s", m[1], console.Now().Format(time.RFC3339))
	}
	if !strings.Contains(out, "on the Console's clock, which is about") {
		t.Errorf("the plan does not say which clock it read:\n%s", r)
	}
}
