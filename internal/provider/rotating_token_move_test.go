package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// `moved` from platformer_service_account_token to platformer_service_account_rotating_token
// (rotating_token_move.go), through the CLI.

const (
	movedTokenAddr = "platformer_service_account_token.x"
	movedRotAddr   = "platformer_service_account_rotating_token.x"
)

// moveAccounts is blue and green (the rotating token's two accounts) and red (another).
func (e *accEnv) moveAccounts() string {
	return e.rotatingAccounts() + fmt.Sprintf(`
resource "platformer_service_account" "red" {
  name        = %q
  permissions = ["organization.viewer"]
}
`, e.uniqueName("ci-red"))
}

// plainTokenBlock is a plain token of blue.
const plainTokenBlock = `
resource "platformer_service_account_token" "x" {
  service_account_id = platformer_service_account.blue.id
  expires_in         = "90d"
}
`

// moveTokenConfig is the three accounts and a plain token of blue.
func (e *accEnv) moveTokenConfig() string {
	return e.config(e.moveAccounts() + plainTokenBlock)
}

// movedConfig moves from (the token, by default) into a rotating token over ids, beside
// accounts.
func (e *accEnv) movedConfig(accounts, from, ids string) string {
	return e.config(accounts + fmt.Sprintf(`
moved {
  from = %s
  to   = platformer_service_account_rotating_token.x
}

resource "platformer_service_account_rotating_token" "x" {
  service_account_ids = %s
  rotate_every        = "30d"
  expires_in          = "90d"
}
`, from, ids))
}

// plannedAttr checks that the plan gives addr's attr the value *want (captured by an
// earlier step), without printing it.
type plannedAttr struct {
	addr, attr string
	want       *string
}

func (p plannedAttr) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != p.addr {
			continue
		}
		after, _ := rc.Change.After.(map[string]any)
		if got, ok := after[p.attr].(string); !ok || got != *p.want {
			resp.Error = fmt.Errorf("%s.%s: the plan does not keep the value captured before the move", p.addr, p.attr)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", p.addr)
}

// consoleTokenID checks that attr of addr is the Console's token id of the account whose
// id is accountAttr of account.
func (e *accEnv) consoleTokenID(addr, attr, account string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, sa := s.RootModule().Resources[addr], s.RootModule().Resources[account]
		if rs == nil || sa == nil {
			return fmt.Errorf("%s or %s not in state", addr, account)
		}
		got, err := e.client().GetServiceAccount(context.Background(),
			client.Scope{OrganizationID: sa.Primary.Attributes["organization_id"]}, sa.Primary.ID)
		if err != nil {
			return err
		}
		if rs.Primary.Attributes[attr] != got.TokenID {
			return fmt.Errorf("%s.%s is %q, the Console's token id of %s is %q", addr, attr,
				rs.Primary.Attributes[attr], account, got.TokenID)
		}
		return nil
	}
}

// noResource checks that addr is not in state.
func noResource(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if _, ok := s.RootModule().Resources[addr]; ok {
			return fmt.Errorf("%s is still in state", addr)
		}
		return nil
	}
}

// openTofuMoveError is what OpenTofu (1.12.6) answers a move between two resource types
// whose identities differ: it keeps the token's identity on the moved object, and fails
// to send it with the rotating token's identity schema, before the provider sees the
// state. Nothing is changed.
var openTofuMoveError = regexp.MustCompile(`attribute "service_account_ids" is required`)

func TestAccServiceAccountRotatingToken_movedFromToken(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock, to make the rotations after the move due")
	if testCLI.isTofu() {
		e.moveFailsOnOpenTofu(t, e.moveTokenConfig(), e.movedConfig(e.moveAccounts(), movedTokenAddr,
			"[platformer_service_account.blue.id, platformer_service_account.green.id]"), movedTokenAddr)
		return
	}
	var t1, t1ID, t2 string
	snap := map[string]string{}
	moved := e.movedConfig(e.moveAccounts(), movedTokenAddr,
		"[platformer_service_account.blue.id, platformer_service_account.green.id]")
	sameAsAccount := func(attr, account string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(movedRotAddr, tfjsonpath.New(attr), account, tfjsonpath.New("id"), compareEqual{})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: e.moveTokenConfig(),
				Check: resource.ComposeTestCheckFunc(
					captureAttr(movedTokenAddr, "token", &t1),
					captureAttr(movedTokenAddr, "token_id", &t1ID),
					e.expectStatus(&t1, http.StatusOK, "the plain token"),
				),
			},
			e.moveStep(moved, &t1, &t1ID, snap),
			{RefreshState: true, Check: sameAttrs(movedRotAddr, snap)},
			{
				// 31 days on, the next rotation renews green, the second account; blue's
				// token, the one moved, keeps working as the previous token.
				PreConfig: func() { e.clock.Advance(31 * 24 * time.Hour) },
				Config:    moved,
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(movedRotAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(movedRotAddr, tfjsonpath.New("token")),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					sameAsAccount("active_service_account_id", greenAddr),
					sameAsAccount("previous_service_account_id", blueAddr),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(movedRotAddr, "token", &t2),
					notEqual(&t1, &t2, "token"),
					resource.TestCheckResourceAttrPtr(movedRotAddr, "previous_token_id", &t1ID),
					e.expectStatuses(&t2, http.StatusOK, "the new token", &t1, http.StatusOK, "the moved token, now previous"),
				),
			},
			{
				// The rotation after renews blue: only then does the moved token stop working.
				PreConfig: func() { e.clock.Advance(31 * 24 * time.Hour) },
				Config:    moved,
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(movedRotAddr, plancheck.ResourceActionUpdate),
				),
				ConfigStateChecks: []statecheck.StateCheck{sameAsAccount("active_service_account_id", blueAddr)},
				Check: e.expectStatuses(&t2, http.StatusOK, "the previous token",
					&t1, http.StatusUnauthorized, "the moved token, two rotations on"),
			},
		},
	})
}

// moveStep applies moved, the configuration that moves the token (captured as *t1 and
// *t1ID) into the rotating token: blue's token, kept as is, is the active token; green
// is recorded as the other account. No renewal, no replacement: an update of state only.
func (e *accEnv) moveStep(moved string, t1, t1ID *string, snap map[string]string) resource.TestStep {
	sameAsAccount := func(attr, account string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(movedRotAddr, tfjsonpath.New(attr), account, tfjsonpath.New("id"), compareEqual{})
	}
	return resource.TestStep{
		Config: moved,
		ConfigPlanChecks: thenEmptyPlans(
			plancheck.ExpectResourceAction(movedRotAddr, plancheck.ResourceActionUpdate),
			plancheck.ExpectResourceAction(blueAddr, plancheck.ResourceActionNoop),
			plancheck.ExpectResourceAction(greenAddr, plancheck.ResourceActionNoop),
			plannedAttr{movedRotAddr, "token", t1},
			plannedAttr{movedRotAddr, "token_id", t1ID},
			plancheck.ExpectKnownValue(movedRotAddr, tfjsonpath.New("renewed_at"),
				knownvalue.StringExact("2026-11-26T12:00:00Z")),
			plancheck.ExpectKnownValue(movedRotAddr, tfjsonpath.New("next_rotation_at"),
				knownvalue.StringExact("2026-12-26T12:00:00Z")),
		),
		ConfigStateChecks: append([]statecheck.StateCheck{
			sameAsAccount("active_service_account_id", blueAddr),
			sameAsAccount("previous_service_account_id", greenAddr),
			statecheck.ExpectSensitiveValue(movedRotAddr, tfjsonpath.New("token")),
			statecheck.ExpectKnownValue(movedRotAddr, tfjsonpath.New("rotation_due"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue(movedRotAddr, tfjsonpath.New("expires_at"),
				markedExpiryOf(time.Date(2027, 2, 24, 12, 0, 0, 0, time.UTC))),
		}, ifIdentity(statecheck.ExpectIdentityValueMatchesState(movedRotAddr,
			tfjsonpath.New("service_account_ids")))...),
		Check: resource.ComposeTestCheckFunc(
			noResource(movedTokenAddr),
			resource.TestCheckResourceAttrPtr(movedRotAddr, "token", t1),
			resource.TestCheckResourceAttrPtr(movedRotAddr, "token_id", t1ID),
			e.consoleTokenID(movedRotAddr, "token_id", blueAddr),
			e.consoleTokenID(movedRotAddr, "previous_token_id", greenAddr),
			e.expectStatus(t1, http.StatusOK, "the moved token"),
			snapshotAttrs(movedRotAddr, snap),
		),
	}
}

// ifIdentity is checks on a CLI with resource identity; none on another.
func ifIdentity(checks ...statecheck.StateCheck) []statecheck.StateCheck {
	if ok, _ := testCLI.supports(capIdentity); ok {
		return checks
	}
	return nil
}

// moveFailsOnOpenTofu: OpenTofu refuses the move of tokenAddr from before to after at
// plan (openTofuMoveError); the token is left as it was, working, and its plan is empty.
func (e *accEnv) moveFailsOnOpenTofu(t *testing.T, before, after, tokenAddr string) {
	var t1 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: before, Check: captureAttr(tokenAddr, "token", &t1)},
			{Config: after, ExpectError: openTofuMoveError},
			{
				Config:           before,
				ConfigPlanChecks: thenEmptyPlans(plancheck.ExpectEmptyPlan()),
				Check:            e.expectStatus(&t1, http.StatusOK, "the token after OpenTofu refused the move"),
			},
		},
	})
}

// The guide's example (examples/guides/token-to-rotation): a token moved into a rotating
// token whose second account the same apply creates.
func TestAccServiceAccountRotatingToken_moveExample(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	read := func(parts ...string) string {
		body, err := os.ReadFile(examplePath(append([]string{"guides", "token-to-rotation"}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return e.config(string(body))
	}
	before, after := read("before", "main.tf"), read("main.tf")
	const tokenAddr, rotAddr = "platformer_service_account_token.deployer",
		"platformer_service_account_rotating_token.deployer"
	if testCLI.isTofu() {
		e.moveFailsOnOpenTofu(t, before, after, tokenAddr)
		return
	}
	var t1, t1ID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: before,
				Check: resource.ComposeTestCheckFunc(captureAttr(tokenAddr, "token", &t1),
					captureAttr(tokenAddr, "token_id", &t1ID)),
			},
			{
				Config: after,
				ConfigPlanChecks: thenEmptyPlans(
					plancheck.ExpectResourceAction(rotAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("platformer_service_account.deployer_green", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("platformer_service_account.deployer_blue", plancheck.ResourceActionNoop),
					plannedAttr{rotAddr, "token", &t1},
					plannedAttr{rotAddr, "token_id", &t1ID},
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(rotAddr, tfjsonpath.New("active_service_account_id"),
						"platformer_service_account.deployer_blue", tfjsonpath.New("id"), compareEqual{}),
					statecheck.CompareValuePairs(rotAddr, tfjsonpath.New("previous_service_account_id"),
						"platformer_service_account.deployer_green", tfjsonpath.New("id"), compareEqual{}),
				},
				Check: resource.ComposeTestCheckFunc(
					noResource(tokenAddr),
					resource.TestCheckResourceAttrPtr(rotAddr, "token", &t1),
					e.consoleTokenID(rotAddr, "token_id", "platformer_service_account.deployer_blue"),
					e.consoleTokenID(rotAddr, "previous_token_id", "platformer_service_account.deployer_green"),
					e.expectStatus(&t1, http.StatusOK, "the moved token"),
				),
			},
		},
	})
}

// A move that would lose the token is refused at plan, before anything is changed: one
// from another resource type, and one whose account is not one of service_account_ids.
func TestAccServiceAccountRotatingToken_moveRefused(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	var t1 string
	both := "[platformer_service_account.blue.id, platformer_service_account.green.id]"
	notListed := regexp.MustCompile(`(?s)Moved Token's Account Not Listed.*service_account_ids`)
	if testCLI.isTofu() {
		notListed = openTofuMoveError
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: e.moveTokenConfig(),
				Check:  captureAttr(movedTokenAddr, "token", &t1),
			},
			{
				// red's block is gone, moved to the rotating token.
				Config: e.movedConfig(e.rotatingAccounts()+plainTokenBlock, "platformer_service_account.red", both),
				ExpectError: regexp.MustCompile(`(?s)Cannot Move platformer_service_account\s.*` +
					`can be moved only from\s+platformer_service_account_token`),
			},
			{
				Config: e.movedConfig(e.moveAccounts(), movedTokenAddr,
					"[platformer_service_account.red.id, platformer_service_account.green.id]"),
				ExpectError: notListed,
			},
			{
				// Nothing was changed: the token still works, and the plain token's plan is empty.
				Config:           e.moveTokenConfig(),
				ConfigPlanChecks: thenEmptyPlans(plancheck.ExpectEmptyPlan()),
				Check:            e.expectStatus(&t1, http.StatusOK, "the token after the refused moves"),
			},
		},
	})
}

// A token already rotate_every old is moved as any other, renewing nothing; the plan
// after the move's apply rotates, renewing the second account, and the moved token keeps
// working as the previous one.
func TestAccServiceAccountRotatingToken_movedTokenAlreadyDue(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	requireCLI(t, capCrossTypeMove)
	var t1, t2 string
	moved := e.movedConfig(e.moveAccounts(), movedTokenAddr,
		"[platformer_service_account.blue.id, platformer_service_account.green.id]")
	rotates := []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(movedRotAddr, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(movedRotAddr, tfjsonpath.New("token")),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: e.moveTokenConfig(), Check: captureAttr(movedTokenAddr, "token", &t1)},
			{
				PreConfig: func() { e.clock.Advance(31 * 24 * time.Hour) },
				Config:    moved,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(movedRotAddr, plancheck.ResourceActionUpdate),
						plannedAttr{movedRotAddr, "token", &t1},
					},
					PostApplyPreRefresh:  rotates,
					PostApplyPostRefresh: rotates,
				},
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(movedRotAddr, tfjsonpath.New("rotation_due"), knownvalue.Bool(true)),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(movedRotAddr, "token", &t1),
					e.expectStatus(&t1, http.StatusOK, "the moved token"),
				),
			},
			{
				Config:           moved,
				ConfigPlanChecks: thenEmptyPlans(rotates...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(movedRotAddr, tfjsonpath.New("active_service_account_id"), greenAddr,
						tfjsonpath.New("id"), compareEqual{}),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(movedRotAddr, "token", &t2),
					e.expectStatuses(&t2, http.StatusOK, "the new token", &t1, http.StatusOK, "the moved token, now previous"),
				),
			},
		},
	})
}
