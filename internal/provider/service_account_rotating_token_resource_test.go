package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

const (
	rotAddr   = "platformer_service_account_rotating_token.test"
	blueAddr  = "platformer_service_account.blue"
	greenAddr = "platformer_service_account.green"
)

// rotatingAccounts is two organization-level accounts, blue and green, with the same
// permissions.
func (e *accEnv) rotatingAccounts() string {
	return fmt.Sprintf(`
resource "platformer_service_account" "blue" {
  name        = %q
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "green" {
  name        = %q
  permissions = ["organization.viewer"]
}
`, e.uniqueName("ci-blue"), e.uniqueName("ci-green"))
}

// rotatingConfig is blue and green with a rotating token over them; extra goes in its block.
func (e *accEnv) rotatingConfig(extra string) string {
	return e.config(e.rotatingAccounts() + fmt.Sprintf(`
resource "platformer_service_account_rotating_token" "test" {
  service_account_ids = [platformer_service_account.blue.id, platformer_service_account.green.id]
  %s
}
`, extra))
}

// snapshotAttrs copies every attribute of a resource in state into dst.
func snapshotAttrs(addr string, dst map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		clear(dst)
		for k, v := range rs.Primary.Attributes {
			dst[k] = v
		}
		return nil
	}
}

// sameAttrs checks that a refresh changed no attribute of a resource: an empty
// refresh-only plan.
func sameAttrs(addr string, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state after refresh", addr)
		}
		if len(want) == 0 {
			return fmt.Errorf("no snapshot of %s was taken", addr)
		}
		for k, v := range want {
			if got := rs.Primary.Attributes[k]; got != v {
				if k == "token" {
					return fmt.Errorf("the refresh changed %s.token", addr)
				}
				return fmt.Errorf("the refresh changed %s.%s from %q to %q", addr, k, v, got)
			}
		}
		if len(rs.Primary.Attributes) != len(want) {
			return fmt.Errorf("the refresh changed the attributes of %s", addr)
		}
		return nil
	}
}

// refreshStep is a refresh whose result must equal the state after the previous apply.
func refreshStep(snap map[string]string) resource.TestStep {
	return resource.TestStep{RefreshState: true, Check: sameAttrs(rotAddr, snap)}
}

// emptyPlanChecks asserts that the plans after an apply, before and after refresh, are empty.
var emptyPlanChecks = []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}

// thenEmptyPlans checks the plan before the apply with preApply, and that the plans
// after it, before and after refresh, are empty.
func thenEmptyPlans(preApply ...plancheck.PlanCheck) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: preApply, PostApplyPreRefresh: emptyPlanChecks, PostApplyPostRefresh: emptyPlanChecks}
}

// expectStatuses checks tokens by plain HTTP calls: each must answer its status.
func (e *accEnv) expectStatuses(checks ...any) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for i := 0; i+2 < len(checks); i += 3 {
			tok, want, what := checks[i].(*string), checks[i+1].(int), checks[i+2].(string)
			if *tok == "" {
				return fmt.Errorf("%s: no token was captured", what)
			}
			if got := e.tokenStatus(*tok); got != want {
				return fmt.Errorf("%s: expected HTTP %d, got %d", what, want, got)
			}
		}
		return nil
	}
}

func TestAccServiceAccountRotatingToken_rotationByTrigger(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	var t1, t2, t3 string
	snap := map[string]string{}
	sameAsAccount := func(attr, account string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(rotAddr, tfjsonpath.New(attr), account, tfjsonpath.New("id"), compareEqual{})
	}
	withAccounts := e.config(e.rotatingAccounts())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: e.rotatingConfig(`
  rotate_every     = "30d"
  expires_in       = "90d"
  rotation_trigger = "1"`),
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(rotAddr, tfjsonpath.New("token")),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(rotAddr, tfjsonpath.New("token")),
					sameAsAccount("active_service_account_id", greenAddr),
					sameAsAccount("previous_service_account_id", blueAddr),
					statecheck.ExpectKnownValue(rotAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact("2026-11-26T12:00:00Z")),
					statecheck.ExpectKnownValue(rotAddr, tfjsonpath.New("expires_at"), markedExpiryOf(time.Date(2027, 2, 24, 12, 0, 0, 0, time.UTC))),
					statecheck.ExpectKnownValue(rotAddr, tfjsonpath.New("next_rotation_at"), knownvalue.StringExact("2026-12-26T12:00:00Z")),
					statecheck.ExpectKnownValue(rotAddr, tfjsonpath.New("previous_token_id"), knownvalue.NotNull()),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(rotAddr, "token", &t1),
					e.expectStatuses(&t1, http.StatusOK, "the token in state"),
					snapshotAttrs(rotAddr, snap),
				),
			},
			refreshStep(snap),
			{
				// A new trigger value rotates in place: blue is renewed and becomes active;
				// green's token, active until now, keeps working.
				Config: e.rotatingConfig(`
  rotate_every     = "30d"
  expires_in       = "90d"
  rotation_trigger = "2"`),
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(blueAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectUnknownValue(rotAddr, tfjsonpath.New("token")),
					plancheck.ExpectUnknownValue(rotAddr, tfjsonpath.New("token_id")),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					sameAsAccount("active_service_account_id", blueAddr),
					sameAsAccount("previous_service_account_id", greenAddr),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(rotAddr, "token", &t2),
					notEqual(&t1, &t2, "token"),
					e.expectStatuses(&t2, http.StatusOK, "the new token", &t1, http.StatusOK, "the previous token"),
					snapshotAttrs(rotAddr, snap),
				),
			},
			refreshStep(snap),
			{
				// Any type works as a trigger. Green is renewed: the token before the
				// previous one stops working.
				Config: e.rotatingConfig(`
  rotate_every     = "30d"
  expires_in       = "90d"
  rotation_trigger = { version = 3 }`),
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(rotAddr, tfjsonpath.New("token")),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					sameAsAccount("active_service_account_id", greenAddr),
					sameAsAccount("previous_service_account_id", blueAddr),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(rotAddr, "token", &t3),
					e.expectStatuses(&t3, http.StatusOK, "the new token", &t2, http.StatusOK, "the previous token",
						&t1, http.StatusUnauthorized, "the token before the previous one"),
					snapshotAttrs(rotAddr, snap),
				),
			},
			refreshStep(snap),
			{
				// Removing the trigger, and setting it again, rotates nothing.
				Config: e.rotatingConfig(`
  rotate_every     = "30d"
  expires_in       = "90d"`),
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(rotAddr, tfjsonpath.New("token_id"), knownvalue.NotNull()),
				),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(rotAddr, "token", &t3),
					snapshotAttrs(rotAddr, snap),
				),
			},
			refreshStep(snap),
			{
				Config: e.rotatingConfig(`
  rotate_every     = "30d"
  expires_in       = "90d"
  rotation_trigger = 4`),
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(rotAddr, tfjsonpath.New("token_id"), knownvalue.NotNull()),
				),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(rotAddr, "token", &t3),
					e.expectStatuses(&t3, http.StatusOK, "the active token", &t2, http.StatusOK, "the previous token"),
				),
			},
			{
				// "720h" is "30d" (and "2160h" is "90d"): the plan is empty, and state keeps
				// the spelling it has (issue 18, item 5).
				Config: e.rotatingConfig(`
  rotate_every     = "720h"
  expires_in       = "2160h"
  rotation_trigger = 4`),
				ConfigPlanChecks: thenEmptyPlans(plancheck.ExpectEmptyPlan()),
				Check:            resource.TestCheckResourceAttrPtr(rotAddr, "token", &t3),
			},
			{
				// A new rotate_every only moves next_rotation_at.
				Config: e.rotatingConfig(`
  rotate_every     = "40d"
  expires_in       = "90d"
  rotation_trigger = 4`),
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(rotAddr, tfjsonpath.New("next_rotation_at"), knownvalue.StringExact("2027-01-05T12:00:00Z")),
				),
				Check: resource.TestCheckResourceAttrPtr(rotAddr, "token", &t3),
			},
			{
				// Destroying the rotating token (the accounts stay) kills both tokens.
				Config: withAccounts,
				Check: e.expectStatuses(&t3, http.StatusUnauthorized, "the active token after destroy",
					&t2, http.StatusUnauthorized, "the previous token after destroy"),
			},
		},
	})
}

// ---- through the terraform CLI, to see warnings and plan -refresh-only -------------------

// rotState is the rotating token in the state file.
func rotState(t *testing.T, c *cliDir) cliInstance {
	t.Helper()
	for _, in := range c.state() {
		if in.Addr == rotAddr {
			return in
		}
	}
	t.Fatalf("%s not in state", rotAddr)
	return cliInstance{}
}

// expectOutput checks that a run printed every text (white space as Terraform wraps it).
func expectOutput(t *testing.T, r cliResult, texts ...string) {
	t.Helper()
	for _, want := range texts {
		if !expectText(want).MatchString(r.stdout + r.stderr) {
			t.Errorf("terraform %s does not say %q:\n%s", strings.Join(r.args, " "), want, r)
		}
	}
}

func (e *accEnv) statusIs(t *testing.T, token string, want int, what string) {
	t.Helper()
	if token == "" {
		t.Errorf("%s: no token", what)
		return
	}
	if got := e.tokenStatus(token); got != want {
		t.Errorf("%s: expected HTTP %d, got %d", what, want, got)
	}
}

func TestAccServiceAccountRotatingToken_rotationByAge(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, e.rotatingConfig(`
  rotate_every = "30d"
  expires_in   = "70d"`))
	c.must("apply", "-auto-approve")
	first := rotState(t, c)
	t1 := first.str("token")
	e.statusIs(t, t1, http.StatusOK, "the first token")
	expectEmptyPlans(t, c, "after create")

	// 29 days on, the active token is not rotate_every old yet: nothing to do.
	e.clock.Advance(29 * 24 * time.Hour)
	expectEmptyPlans(t, c, "29 days after create")

	// One more day: the plan rotates, and says why.
	e.clock.Advance(24 * time.Hour)
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("30 days after create the plan must rotate:\n%s", plan)
	}
	expectOutput(t, plan,
		"Warning: Token Will Be Rotated",
		fmt.Sprintf("This apply rotates the token: it renews the token of service account %s, which becomes active, "+
			"because the active token (service account %s) was issued at 2026-11-26T12:00:00Z, rotate_every (30d) or more "+
			"before now (2026-12-26T12:00:00Z). The token of service account %s keeps working as the previous token until "+
			"the rotation after this one.", first.str("previous_service_account_id"), first.str("active_service_account_id"),
			first.str("active_service_account_id")),
		rotAddr+" will be updated in-place",
	)
	c.must("apply", "-auto-approve")
	second := rotState(t, c)
	t2 := second.str("token")
	if second.str("active_service_account_id") != first.str("previous_service_account_id") {
		t.Errorf("the rotation made %s active, want %s", second.str("active_service_account_id"), first.str("previous_service_account_id"))
	}
	if got, want := second.str("next_rotation_at"), "2027-01-25T12:00:00Z"; got != want {
		t.Errorf("next_rotation_at = %s, want %s", got, want)
	}
	if err := markedExpiryOf(time.Date(2027, 3, 6, 12, 0, 0, 0, time.UTC)).CheckValue(second.str("expires_at")); err != nil {
		t.Error(err)
	}
	e.statusIs(t, t2, http.StatusOK, "the new token")
	e.statusIs(t, t1, http.StatusOK, "the previous token, one rotation later")
	expectEmptyPlans(t, c, "after the first rotation")

	// 30 days more: the second rotation renews the first account again.
	e.clock.Advance(30 * 24 * time.Hour)
	c.must("apply", "-auto-approve")
	t3 := rotState(t, c).str("token")
	e.statusIs(t, t3, http.StatusOK, "the newest token")
	e.statusIs(t, t2, http.StatusOK, "the previous token")
	e.statusIs(t, t1, http.StatusUnauthorized, "the token before the previous one")
	expectEmptyPlans(t, c, "after the second rotation")

	// Nobody applied for 80 days: the active token has expired; the plan says so.
	e.clock.Advance(80 * 24 * time.Hour)
	e.statusIs(t, t3, http.StatusUnauthorized, "the expired token")
	plan = c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan must rotate an expired token:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Token Will Be Rotated", "expired at 2027-04-05T11:5",
		"does not work any more: consumers that hold it get the new token from this apply.")
	c.must("apply", "-auto-approve")
	t4 := rotState(t, c).str("token")
	e.statusIs(t, t4, http.StatusOK, "the token after the expiry")
	expectEmptyPlans(t, c, "after the rotation of an expired token")

	c.must("destroy", "-auto-approve")
	e.statusIs(t, t4, http.StatusUnauthorized, "the token after destroy")
}

func TestAccServiceAccountRotatingToken_outOfBand(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	c := initCLI(e, e.rotatingConfig(`rotate_every = "30d"`))
	c.must("apply", "-auto-approve")
	first := rotState(t, c)
	active, inactive := first.str("active_service_account_id"), first.str("previous_service_account_id")
	t1 := first.str("token")
	scope := client.Scope{OrganizationID: e.OrgID}
	ctx := context.Background()

	// Someone renews the active account's token: it is dead, and the plan rotates.
	elsewhere, err := e.client().RenewServiceAccountToken(ctx, scope, active, nil)
	if err != nil {
		t.Fatalf("out-of-band renewal: %v", err)
	}
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan must rotate after the active token was renewed elsewhere:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Token Will Be Rotated",
		fmt.Sprintf("it renews the token of service account %s, which becomes active, because the active token "+
			"(service account %s) was renewed outside Terraform at", inactive, active),
		"so the token in state no longer works.",
		rotAddr+" will be updated in-place")
	c.must("apply", "-auto-approve")
	second := rotState(t, c)
	t2 := second.str("token")
	if second.str("active_service_account_id") != inactive {
		t.Errorf("active account %s, want %s", second.str("active_service_account_id"), inactive)
	}
	e.statusIs(t, t2, http.StatusOK, "the new token")
	e.statusIs(t, t1, http.StatusUnauthorized, "the token renewed away")
	e.statusIs(t, elsewhere.Token, http.StatusOK, "the token issued elsewhere (now the previous account's)")
	expectEmptyPlans(t, c, "after the rotation")

	// Someone renews the inactive account: the previous token is gone. The plan warns,
	// and rotates nothing: the active token still works.
	if _, err := e.client().RenewServiceAccountToken(ctx, scope, active, nil); err != nil {
		t.Fatalf("out-of-band renewal: %v", err)
	}
	plan = c.run("plan", "-detailed-exitcode")
	if plan.code != 0 {
		t.Errorf("a renewal of the inactive account must not rotate:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Previous Token No Longer Works",
		fmt.Sprintf("The token of service account %s, this rotating token's previous token, was renewed outside", active),
		"the overlap is gone until the next rotation,",
		fmt.Sprintf("the active token (service account %s), which is not affected;", inactive), "nothing is rotated because of this.")
	e.statusIs(t, elsewhere.Token, http.StatusUnauthorized, "the previous token renewed away")
	if r := c.run("plan", "-refresh-only", "-detailed-exitcode"); r.code != 2 {
		t.Errorf("the refresh-only plan must show the previous token's new id:\n%s", r)
	}
	c.must("apply", "-auto-approve")
	if got := rotState(t, c).str("token"); got != t2 {
		t.Error("the apply after a renewal of the inactive account changed the token")
	}
	e.statusIs(t, t2, http.StatusOK, "the active token")
	expectEmptyPlans(t, c, "after the renewal of the inactive account was recorded")

	// The active account is deleted: the rotating token leaves state with a warning,
	// and the next apply creates the account and the rotating token anew.
	if err := e.client().DeleteServiceAccount(ctx, scope, inactive); err != nil {
		t.Fatalf("out-of-band delete: %v", err)
	}
	plan = c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan must create what was deleted:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Service Account Deleted Outside Terraform",
		fmt.Sprintf("Service account %s, one of the two accounts of the rotating token", inactive),
		rotAddr+" will be created")
	c.must("apply", "-auto-approve")
	third := rotState(t, c)
	e.statusIs(t, third.str("token"), http.StatusOK, "the token after the account was created again")
	e.statusIs(t, t2, http.StatusUnauthorized, "the deleted account's token")
	expectEmptyPlans(t, c, "after recreation")
	c.must("destroy", "-auto-approve")
	e.statusIs(t, third.str("token"), http.StatusUnauthorized, "the token after destroy")
}

func TestAccServiceAccountRotatingToken_import(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	accounts := e.config(e.rotatingAccounts())
	var blue, green, blueToken, imported string
	withToken := e.rotatingConfig(`rotate_every = "30d"`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: accounts,
				Check: resource.ComposeTestCheckFunc(
					captureAttr(blueAddr, "id", &blue),
					captureAttr(greenAddr, "id", &green),
					func(*terraform.State) error {
						// Blue's token is renewed last, by hand: blue is the active account.
						e.clock.Advance(time.Hour)
						issued, err := e.client().RenewServiceAccountToken(context.Background(),
							client.Scope{OrganizationID: e.OrgID}, blue, nil)
						if err != nil {
							return err
						}
						blueToken = issued.Token
						return nil
					},
				),
			},
			{
				// The import takes blue, renewed last, as active; the secret cannot be read
				// back, so the plan rotates: green is renewed, and blue's token keeps working.
				Config: withToken + `
import {
  to = platformer_service_account_rotating_token.test
  id = "${platformer_service_account.blue.id},${platformer_service_account.green.id}"
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(rotAddr, tfjsonpath.New("token")),
					},
					PostApplyPostRefresh: emptyPlanChecks,
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(rotAddr, tfjsonpath.New("active_service_account_id"), greenAddr, tfjsonpath.New("id"), compareEqual{}),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(rotAddr, "token", &imported),
					e.expectStatuses(&imported, http.StatusOK, "the token after import", &blueToken, http.StatusOK,
						"the token of the account renewed last"),
				),
			},
			{
				ResourceName:      rotAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return e.OrgID + "/" + blue + "," + green, nil },
				// The secret and the configuration-only arguments cannot be read back.
				ImportStateVerifyIgnore: []string{"token", "rotate_every", "next_rotation_at"},
			},
		},
	})
}

func TestAccServiceAccountRotatingToken_validation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	const a, b = "0b6f1c52-5a3e-4d7e-9c3a-6a1f0e2d7c01", "0b6f1c52-5a3e-4d7e-9c3a-6a1f0e2d7c02"
	cases := map[string]struct{ body, want string }{
		"one id": {fmt.Sprintf(`service_account_ids = [%q]
  rotate_every = "30d"`, a), `service_account_ids: exactly two service account ids are required, got 1.`},
		"three ids": {fmt.Sprintf(`service_account_ids = [%q, %q, %q]
  rotate_every = "30d"`, a, b, a), `service_account_ids: exactly two service account ids are required, got 3.`},
		"same id twice": {fmt.Sprintf(`service_account_ids = [%q, %q]
  rotate_every = "30d"`, a, strings.ToUpper(a)), `service_account_ids: both entries are ` + a + `. Give two different accounts`},
		"not a uuid": {fmt.Sprintf(`service_account_ids = ["nope", %q]
  rotate_every = "30d"`, b), `service_account_ids[0]: "nope" is not a UUID.`},
		"expires_in too short": {fmt.Sprintf(`service_account_ids = [%q, %q]
  rotate_every = "30d"
  expires_in = "50d"`, a, b), `expires_in (50d) must be at least twice rotate_every (30d), that is 60d or more`},
		"expires_in in hours": {fmt.Sprintf(`service_account_ids = [%q, %q]
  rotate_every = "36h"
  expires_in = "3d"`, a, b), ``},
		"bad rotate_every": {fmt.Sprintf(`service_account_ids = [%q, %q]
  rotate_every = "30x"`, a, b), `rotate_every: "30x" is not a duration: unknown unit "x".`},
		"rotate_every too short": {fmt.Sprintf(`service_account_ids = [%q, %q]
  rotate_every = "30s"`, a, b), `rotate_every: "30s" is shorter than 1m, the shortest accepted`},
		"missing rotate_every": {fmt.Sprintf(`service_account_ids = [%q, %q]`, a, b), `The argument "rotate_every" is required`},
		"no such account": {fmt.Sprintf(`service_account_ids = [%q, %q]
  rotate_every = "30d"`, a, b), `service_account_ids[0]: there is no service account ` + a + ` in organization ` + e.OrgID},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		step := resource.TestStep{
			Config: e.config(fmt.Sprintf(`
resource "platformer_service_account_rotating_token" "test" {
  %s
}`, tc.body)),
			PlanOnly:    true,
			ExpectError: expectMessage(tc.want),
		}
		if tc.want == "" {
			// 3d is exactly twice 36h: accepted (the accounts do not exist, which is the error).
			step.ExpectError = regexp.MustCompile(`there is no service account`)
		}
		steps = append(steps, step)
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
}

// Two resources may not manage one account's token; the plan names the account.
func TestAccServiceAccountRotatingToken_managedTwice(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	accounts := e.config(e.rotatingAccounts() + fmt.Sprintf(`
resource "platformer_service_account" "red" {
  name        = %q
  permissions = ["organization.viewer"]
}`, e.uniqueName("ci-red")))
	var blue string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: accounts, Check: captureAttr(blueAddr, "id", &blue)},
			{
				Config: accounts + `
resource "platformer_service_account_rotating_token" "one" {
  service_account_ids = [platformer_service_account.blue.id, platformer_service_account.green.id]
  rotate_every        = "30d"
}
resource "platformer_service_account_rotating_token" "two" {
  service_account_ids = [platformer_service_account.red.id, platformer_service_account.blue.id]
  rotate_every        = "30d"
}`,
				PlanOnly:    true,
				ExpectError: expectMessage(`Service Account Token Managed Twice`),
			},
			{
				// A platformer_service_account_token on one of the accounts is refused too.
				Config: accounts + `
resource "platformer_service_account_rotating_token" "one" {
  service_account_ids = [platformer_service_account.blue.id, platformer_service_account.green.id]
  rotate_every        = "30d"
}
resource "platformer_service_account_token" "green" {
  service_account_id = platformer_service_account.green.id
}`,
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`the\s+token\s+of\s+service\s+account\s+[0-9a-f-]{36}\s+is\s+already\s+managed\s+` +
					`by\s+another\s+platformer_service_account_(rotating_)?token`),
			},
		},
	})
}

// Accounts with different permissions: the plan warns (seen through the CLI).
func TestAccServiceAccountRotatingToken_differentPermissions(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	cfg := e.config(fmt.Sprintf(`
resource "platformer_service_account" "blue" {
  name        = %q
  permissions = ["organization.viewer"]
}
resource "platformer_service_account" "green" {
  name        = %q
  permissions = ["organization.admin"]
}
resource "platformer_service_account_rotating_token" "test" {
  service_account_ids = [platformer_service_account.blue.id, platformer_service_account.green.id]
  rotate_every        = "30d"
}`, e.uniqueName("ci-blue"), e.uniqueName("ci-green")))
	c := initCLI(e, cfg)
	c.must("apply", "-auto-approve")
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 0 {
		t.Errorf("the plan after apply is not empty:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Service Accounts Have Different Permissions",
		"do not hold the same permissions (permissions), as the Console holds them now.")
	c.must("destroy", "-auto-approve")
}

// The faults scenario of the reliability suite, for rotating tokens: 20 % of requests
// refused with 503, 10 % of writes committed with their answer lost. Create, a rotation
// and destroy converge; afterwards every rotating token has exactly one working active
// token in state, the previous tokens work, no other token does, and the plan is empty.
func TestAccServiceAccountRotatingToken_faults(t *testing.T) {
	faultSeed := int64(11)
	if s, err := strconv.ParseInt(os.Getenv("ROT_SEED"), 10, 64); err == nil {
		faultSeed = s
	}
	t.Parallel()
	const pairs = 10
	e := newAccEnv(t, func(o *emulator.Options) { o.Seed = faultSeed })
	e.needEmulator("its fault knobs")
	config := func(trigger string) string {
		return relProvider(e, "") + fmt.Sprintf(`
resource "platformer_service_account" "pair" {
  count       = %[1]d * 2
  name        = format("pair-%%02d", count.index)
  permissions = ["organization.viewer"]
}

locals {
  ids = platformer_service_account.pair[*].id
}

resource "platformer_service_account_rotating_token" "pair" {
  count               = %[1]d
  service_account_ids = [local.ids[2 * count.index], local.ids[2 * count.index + 1]]
  rotate_every        = "30d"
  expires_in          = "60d"
  rotation_trigger    = %[2]q
}
`, pairs, trigger)
	}
	c := initCLI(e, config("1"))
	outcomeUnknown := regexp.MustCompile(`^Outcome Unknown$`)
	faultsOn := func() { e.em.SetFaults(0.2, 0.1) }
	faultsOff := func() { e.em.SetFaults(0, 0) }

	check := func(when string) map[string]string {
		t.Helper()
		checkStateMatchesEmulator(t, e, c, when)
		active := map[string]string{} // token => rotating token address
		for _, in := range c.state() {
			if in.Type != "platformer_service_account_rotating_token" {
				continue
			}
			tok := in.str("token")
			if tok == "" {
				t.Errorf("%s: %s holds no token", when, in.Addr)
				continue
			}
			active[tok] = in.Addr
			if got := e.tokenStatus(tok); got != http.StatusOK {
				t.Errorf("%s: the active token of %s answers %d", when, in.Addr, got)
			}
			sa, err := e.client().GetServiceAccount(context.Background(), client.Scope{OrganizationID: e.OrgID},
				in.str("active_service_account_id"))
			if err != nil || sa.TokenID != in.str("token_id") {
				t.Errorf("%s: %s: the active account's token id on the Console is not the one in state (%v)", when, in.Addr, err)
			}
		}
		if len(active) != pairs {
			t.Errorf("%s: %d active tokens in state, want %d", when, len(active), pairs)
		}
		working := 0
		for _, tok := range e.em.IssuedTokens() {
			if tok != e.Token && e.tokenStatus(tok) == http.StatusOK {
				working++
			}
		}
		// Each pair: the active token and the previous one, nothing else.
		if working != 2*pairs {
			t.Errorf("%s: %d issued tokens work, want %d (an active and a previous one per pair)", when, working, 2*pairs)
		}
		return active
	}

	lost := func() string {
		st := e.em.Stats()
		return fmt.Sprintf("%d calls, %d answered 503, %d renewals and %d creates answered 502 (answer lost)", st.Total,
			statusCount(st, 503), routeCount(st, http.MethodPost, routeRenew, 502), routeCount(st, http.MethodPost, routeCreate, 502))
	}
	faultsOn()
	e.em.ResetStats()
	applies := runUntilDone(t, c, 4, outcomeUnknown, "apply", "-auto-approve")
	createStats := lost()
	faultsOff()
	before := check("after create")
	faultsOn()
	if plan := c.run("plan", "-detailed-exitcode"); plan.code != 0 {
		t.Errorf("the plan after create is not empty:\n%s", plan)
	}

	c.write(config("2"))
	e.em.ResetStats()
	rotations := runUntilDone(t, c, 4, outcomeUnknown, "apply", "-auto-approve")
	rotationStats := lost()
	faultsOff()
	after := check("after the rotation")
	for tok, addr := range before {
		if _, still := after[tok]; still {
			t.Errorf("%s did not rotate", addr)
		}
		if got := e.tokenStatus(tok); got != http.StatusOK {
			t.Errorf("the previous token of %s answers %d after the rotation, want 200", addr, got)
		}
	}
	faultsOn()
	if plan := c.run("plan", "-detailed-exitcode"); plan.code != 0 {
		t.Errorf("the plan after the rotation is not empty:\n%s", plan)
	}
	e.em.ResetStats()
	destroys := runUntilDone(t, c, 4, outcomeUnknown, "destroy", "-auto-approve")
	destroyStats := lost()
	faultsOff()
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Errorf("%d accounts left after destroy", n)
	}
	checkOnlyStateTokensWork(t, e, nil)
	logOnFailure(t, "create: %d run(s), %s", len(applies), createStats)
	logOnFailure(t, "rotation: %d run(s), %s", len(rotations), rotationStats)
	logOnFailure(t, "destroy: %d run(s), %s", len(destroys), destroyStats)
}

// A rotation whose every renewal answer is lost (each seen made: the account shows the
// expiry it asked for): the apply fails, the active token in state is untouched and
// still works, state records that the inactive account's token changed, and the next
// apply rotates without calling its own renewals ones made outside Terraform (issue 24,
// defect 5).
func TestAccServiceAccountRotatingToken_lostRotation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its drop-rate knob")
	c := initCLI(e, e.rotatingConfig(`
  rotate_every     = "30d"
  expires_in       = "90d"
  rotation_trigger = "1"`))
	c.must("apply", "-auto-approve")
	before := rotState(t, c)

	c.write(e.rotatingConfig(`
  rotate_every     = "30d"
  expires_in       = "90d"
  rotation_trigger = "2"`))
	e.em.SetFaults(0, 1) // every write is committed and its answer lost
	failed := c.run("apply", "-auto-approve")
	e.em.SetFaults(0, 0)
	if failed.code != 1 {
		t.Fatalf("an apply whose renewal answers were all lost must fail:\n%s", failed)
	}
	next := before.str("previous_service_account_id")
	expectOutput(t, failed, "Error: Token Renewal Not Confirmed",
		fmt.Sprintf("Could not confirm the renewal of the token of service account %s (3 attempts); apply again once "+
			"the Console answers.", next),
		"The token received (if any) is not stored: state keeps the active token it held, which still works, and the "+
			"next apply rotates again.")
	// Each lost renewal was seen made on the account before the next was sent: three in
	// all (a literal, not maxLostRenewals, so that a change of it fails here).
	if got := routeCount(e.em.Stats(), http.MethodPost, routeRenew, http.StatusBadGateway); got != 3 {
		t.Errorf("%d renewals sent and lost, want 3", got)
	}
	after := rotState(t, c)
	if after.str("token") != before.str("token") || after.str("active_service_account_id") != before.str("active_service_account_id") {
		t.Errorf("a failed rotation changed the active token in state")
	}
	e.statusIs(t, after.str("token"), http.StatusOK, "the active token after a failed rotation")
	if after.str("previous_token_id") == before.str("previous_token_id") {
		t.Errorf("state does not record that the inactive account's token was renewed")
	}

	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after a failed rotation must rotate:\n%s", plan)
	}
	if ws := plan.warningSummaries(); len(ws) > 0 {
		t.Errorf("the plan warns %v; the renewals of the failed apply were not made outside Terraform:\n%s", ws, plan)
	}
	c.must("apply", "-auto-approve")
	done := rotState(t, c)
	if done.str("active_service_account_id") != next {
		t.Errorf("active account %s after the rotation, want %s", done.str("active_service_account_id"), next)
	}
	e.statusIs(t, done.str("token"), http.StatusOK, "the new token")
	e.statusIs(t, before.str("token"), http.StatusOK, "the previous token")
	expectEmptyPlans(t, c, "after recovery")
	c.must("destroy", "-auto-approve")
	e.statusIs(t, done.str("token"), http.StatusUnauthorized, "the token after destroy")
	e.statusIs(t, before.str("token"), http.StatusUnauthorized, "the previous token after destroy")
}

// Importing a pair in use: the import warns, the plan rotates and says why, and the
// token that was active before keeps working (no gap for the consumers that hold it).
func TestAccServiceAccountRotatingToken_importKeepsActiveToken(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, e.rotatingConfig(`rotate_every = "30d"`))
	c.must("apply", "-auto-approve")
	before := rotState(t, c)
	c.must("state", "rm", rotAddr)
	e.clock.Advance(time.Hour)

	imported := c.must("import", rotAddr, before.str("id"))
	expectOutput(t, imported, "Warning: Token Cannot Be Imported", "The account renewed last is taken as active")
	active := before.str("active_service_account_id")
	if got := rotState(t, c).str("active_service_account_id"); got != active {
		t.Errorf("the import took %s as active, want %s (renewed last)", got, active)
	}
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after an import must rotate:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Token Will Be Rotated",
		fmt.Sprintf("it renews the token of service account %s, which becomes active, because it was imported, and "+
			"the Console never shows a token again after issuing it. Service account %s keeps the token it holds now "+
			"on the Console, which keeps working as the previous token until the rotation after this one.",
			before.str("previous_service_account_id"), active))
	c.must("apply", "-auto-approve")
	after := rotState(t, c)
	e.statusIs(t, after.str("token"), http.StatusOK, "the token after the import's rotation")
	e.statusIs(t, before.str("token"), http.StatusOK, "the token active before the import")
	expectEmptyPlans(t, c, "after the import's rotation")
	c.must("destroy", "-auto-approve")
}

// Destroy kills the tokens this resource issued, and leaves alone a token that someone
// issued outside Terraform for the inactive account.
func TestAccServiceAccountRotatingToken_destroyLeavesOthersToken(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	c := initCLI(e, e.rotatingConfig(`rotate_every = "30d"`))
	c.must("apply", "-auto-approve")
	st := rotState(t, c)
	other, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID},
		st.str("previous_service_account_id"), nil)
	if err != nil {
		t.Fatalf("out-of-band renewal: %v", err)
	}
	c.must("apply", "-auto-approve") // records the previous account's new token id
	c.write(e.config(e.rotatingAccounts()))
	c.must("apply", "-auto-approve") // destroys the rotating token only
	e.statusIs(t, st.str("token"), http.StatusUnauthorized, "the active token after destroy")
	e.statusIs(t, other.Token, http.StatusOK, "the token issued outside Terraform")
	c.must("destroy", "-auto-approve")
}

// Issue 24, defect 6: the active account's token revoked (renewed to a replacement that
// expires within the hour, as platformer_service_account_revoke_token does). The plan
// rotates and says the replacement works as the previous token only until it expires;
// e509c32 said it "keeps working as the previous token until the rotation after this
// one". (Terraform 1.11 has no actions: the test renews as the action does.)
func TestAccServiceAccountRotatingToken_revokedActiveSaysWhenPreviousStops(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	cfg := e.rotatingConfig(`rotate_every = "30d"`)
	c := initCLI(e, cfg)
	c.must("apply", "-auto-approve")
	before := rotState(t, c)
	active := before.str("active_service_account_id")
	expiry := e.clock.Now().Add(time.Hour).UTC().Truncate(time.Second)
	if _, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID},
		active, &expiry); err != nil {
		t.Fatal(err)
	}
	plan := c.run("plan", "-detailed-exitcode")
	if plan.code != 2 {
		t.Fatalf("the plan after a revoke must rotate:\n%s", plan)
	}
	expectOutput(t, plan, "Warning: Token Will Be Rotated",
		fmt.Sprintf("Service account %s keeps the token it holds now on the Console, which works as the previous "+
			"token only until it expires at %s.", active, expiry.Format(time.RFC3339)))
	if strings.Contains(plan.stdout, "until the rotation after this one") || strings.Contains(plan.stdout, managedElsewhere) {
		t.Errorf("the plan promises the revoked token works until the next rotation, or calls the revoke a manager:\n%s", plan)
	}
	c.must("apply", "-auto-approve")
	e.statusIs(t, rotState(t, c).str("token"), http.StatusOK, "the new active token")
	expectEmptyPlans(t, c, "after the rotation")
}
