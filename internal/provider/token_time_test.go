package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 10, items 4 and 5: time must not break a configuration, and expiry is judged
// on the Console's clock.

// renewCount is how many token renewals the emulator received, whatever its answer.
func renewCount(e *accEnv) int {
	n := 0
	for _, r := range e.em.Stats().Requests {
		if r.Method == http.MethodPost && r.Route == routeRenew {
			n += r.Count
		}
	}
	return n
}

// timeConfig is an organization-level account with a token; extra goes in the token.
func timeConfig(e *accEnv, extra string) string {
	return e.config(`
resource "platformer_service_account" "test" {
  name        = "timely"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  ` + extra + `
}
`)
}

// A fixed expires_at that has passed: validate, plan and destroy still work; the plan
// warns that the token expired and how to renew it; only a renewal actually planned
// checks the instant, and then fails at plan time naming expires_at, sending nothing.
func TestAccServiceAccountToken_passedExpiresAt(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	at := e.clock.Now().Add(48 * time.Hour).Format(time.RFC3339)
	cfg := func(trigger string) string {
		return timeConfig(e, fmt.Sprintf("expires_at = %q\n  rotation_trigger = %q", at, trigger))
	}
	c := initCLI(e, cfg("1"))
	c.must("apply", "-auto-approve")

	e.clock.Advance(72 * time.Hour)
	e.em.ResetStats()
	if r := c.run("validate"); r.code != 0 {
		t.Errorf("terraform validate fails once expires_at has passed:\n%s", r)
	}
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 0 {
		t.Errorf("terraform plan with a passed expires_at: expected no changes (exit 0), got exit %d:\n%s", plan.code, plan)
	}
	if want := expectText(fmt.Sprintf("expired at %s, the expires_at of its configuration", at)); !want.MatchString(plan.stdout) {
		t.Errorf("the plan does not warn that the token expired at %s:\n%s", at, plan)
	}
	if want := expectText("set expires_at to a later instant"); !want.MatchString(plan.stdout) {
		t.Errorf("the plan does not say how to renew:\n%s", plan)
	}

	// A renewal planned for another reason checks the instant: a plan-time error.
	c.write(cfg("2"))
	rotate := c.run("plan")
	if rotate.code != 1 || !regexp.MustCompile(`Error: Expiry in the Past`).MatchString(rotate.stdout+rotate.stderr) ||
		!expectText(fmt.Sprintf("expires_at: %s has passed", at)).MatchString(rotate.stdout+rotate.stderr) {
		t.Errorf("a renewal to a passed expires_at: expected a plan-time error naming expires_at:\n%s", rotate)
	}
	if apply := c.run("apply", "-auto-approve"); apply.code == 0 {
		t.Errorf("a renewal to a passed expires_at was applied:\n%s", apply)
	}
	if n := renewCount(e); n != 0 {
		t.Errorf("%d renewals were sent with a passed expires_at", n)
	}

	// destroy works, and renews nothing: the token in state is dead already.
	c.write(cfg("1"))
	if r := c.run("destroy", "-auto-approve"); r.code != 0 {
		t.Errorf("terraform destroy fails once expires_at has passed:\n%s", r)
	}
	if n := renewCount(e); n != 0 {
		t.Errorf("destroy of an expired token sent %d renewals", n)
	}
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left after destroy", n)
	}
}

// validate never depends on the date; a new token whose expires_at has passed is an
// error at plan time, naming the attribute.
func TestAccServiceAccountToken_validateIgnoresTheDate(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, timeConfig(e, `expires_at = "2001-01-01T00:00:00Z"`))
	if r := c.run("validate"); r.code != 0 {
		t.Errorf("terraform validate depends on the date:\n%s", r)
	}
	e.em.ResetStats()
	r := c.run("apply", "-auto-approve")
	if r.code != 1 || !expectText("expires_at: 2001-01-01T00:00:00Z has passed").MatchString(r.stdout+r.stderr) {
		t.Errorf("creating a token with a passed expires_at: expected a plan-time error naming expires_at:\n%s", r)
	}
	if n := e.em.Stats().Total; n != 0 {
		t.Errorf("the refused plan made %d API calls", n)
	}
}

// Adding a rotation_trigger to a token that had none, or removing it, renews nothing;
// changing it from one value to another renews.
func TestAccServiceAccountToken_rotationTriggerAddedOrRemoved(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("trigger-set")
	var token1, token2, tokenX string
	same := func(what string) resource.TestCheckFunc {
		return resource.ComposeTestCheckFunc(
			captureAttr(tokenAddr, "token", &tokenX),
			e.expectStatus(&token1, http.StatusOK, what+": the token"),
			func(*terraform.State) error {
				if tokenX != token1 {
					return fmt.Errorf("%s renewed the token", what)
				}
				return nil
			},
		)
	}
	noRenewal := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
		plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("token_id"), knownvalue.NotNull()),
		plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("renewed_at"), knownvalue.NotNull()),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token2),
		Steps: []resource.TestStep{
			{Config: e.tokenConfig(name, ""), Check: captureAttr(tokenAddr, "token", &token1)},
			{Config: e.tokenConfig(name, `rotation_trigger = "1"`), ConfigPlanChecks: noRenewal, Check: same("adding rotation_trigger")},
			{Config: e.tokenConfig(name, ""), ConfigPlanChecks: noRenewal, Check: same("removing rotation_trigger")},
			{Config: e.tokenConfig(name, `rotation_trigger = { v = 1 }`), ConfigPlanChecks: noRenewal, Check: same("adding rotation_trigger again")},
			{
				Config: e.tokenConfig(name, `rotation_trigger = { v = 2 }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
				}},
				Check: e.checkRenewed(&token1, &token2, "changing rotation_trigger"),
			},
		},
	})
}

// consoleAheadFactories serve the provider on this machine's clock while the emulator
// keeps its own: the provider learns the Console's clock from its Date headers only.
func consoleAheadFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"platformer": NewServer(newWithClock("test", "acc", realClock{})),
	}
}

// The emulator's clock moves ahead of this machine's: into the renew_before window,
// then past the expiry. Each plan renews, and says why and on which clock.
func TestAccServiceAccountToken_consoleClock(t *testing.T) {
	t.Parallel()
	console := emulator.NewManualClock(time.Now().UTC().Truncate(time.Second))
	e := newAccEnv(t, func(o *emulator.Options) { o.Clock = console })
	e.needEmulator("its clock")
	cfg := timeConfig(e, "expires_in   = \"720h\"\n  renew_before = \"168h\"")
	var token1, token2, token3 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: consoleAheadFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: captureAttr(tokenAddr, "token", &token1)},
			{
				// 600 hours on the Console: 120 hours left, within renew_before.
				PreConfig: func() { console.Advance(600 * time.Hour) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
				}},
				Check: e.checkRenewed(&token1, &token2, "within renew_before on the Console's clock"),
			},
			{
				// Past the expiry on the Console: the refresh says so.
				PreConfig:          func() { console.Advance(721 * time.Hour) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr(tokenAddr, "has_expired", "true"),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
				}},
				Check: e.checkRenewed(&token2, &token3, "expired on the Console's clock"),
			},
		},
	})
}

// The same through the built provider binary and the emulator's control route, as a
// user would see it: terraform plan renews, and its warning says why and which clock.
func TestAccServiceAccountToken_consoleClockBuiltBinary(t *testing.T) {
	t.Parallel()
	console := emulator.NewManualClock(time.Now().UTC().Truncate(time.Second))
	e := newAccEnv(t, func(o *emulator.Options) { o.Clock = console })
	e.needEmulator("its clock")
	c := newBuiltCLIDir(e, envAPIURL+"=", envToken+"=", envOrganizationID+"=")
	c.write(timeConfig(e, "expires_in   = \"720h\"\n  renew_before = \"168h\""))
	c.must("apply", "-auto-approve")
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Fatalf("expected an empty plan right after apply:\n%s", r)
	}

	moveClock(t, e, `{"advance": "600h"}`)
	r := c.run("plan", "-detailed-exitcode")
	if r.code != 2 || !expectText("within renew_before (168h) of now").MatchString(r.stdout) ||
		!expectText("on the Console's clock").MatchString(r.stdout) {
		t.Errorf("600h on, within renew_before on the Console's clock: expected a plan that renews and says why:\n%s", r)
	}
	c.must("apply", "-auto-approve")

	moveClock(t, e, `{"advance": "721h"}`)
	r = c.run("plan", "-detailed-exitcode")
	if r.code != 2 || !expectText("because the token expired at").MatchString(r.stdout) ||
		!expectText("on the Console's clock").MatchString(r.stdout) {
		t.Errorf("past the expiry on the Console's clock: expected a plan that renews and says why:\n%s", r)
	}
	c.must("apply", "-auto-approve")
	c.must("destroy", "-auto-approve")
}

// moveClock posts body to the emulator's clock control route.
func moveClock(t *testing.T, e *accEnv, body string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, strings.TrimRight(e.URL, "/")+"/_emulator/clock", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_emulator/clock %s: %s", body, resp.Status)
	}
}
