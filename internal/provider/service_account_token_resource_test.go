package provider

import (
	"context"
	"fmt"
	"net/http"
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

const tokenAddr = "platformer_service_account_token.test"

// tokenConfig is an organization-level account with a token; extra goes in the token block.
func (e *accEnv) tokenConfig(name, extra string) string {
	return e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %q
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  %s
}
`, name, extra))
}

// captureAttr copies an attribute of a resource in state into dst.
func captureAttr(addr, attr string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		*dst = rs.Primary.Attributes[attr]
		if *dst == "" {
			return fmt.Errorf("%s.%s is empty", addr, attr)
		}
		return nil
	}
}

// expectStatus checks that a plain HTTP call with *token answers want.
func (e *accEnv) expectStatus(token *string, want int, what string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := e.tokenStatus(*token); got != want {
			return fmt.Errorf("%s: expected HTTP %d, got %d", what, want, got)
		}
		return nil
	}
}

// checkRenewed captures the token now in state into *next and checks that *prev no
// longer works (401) while *next does (200).
func (e *accEnv) checkRenewed(prev, next *string, what string) resource.TestCheckFunc {
	return resource.ComposeTestCheckFunc(
		captureAttr(tokenAddr, "token", next),
		e.expectStatus(prev, http.StatusUnauthorized, what+": the previous token"),
		e.expectStatus(next, http.StatusOK, what+": the token in state"),
	)
}

func notEqual(a, b *string, what string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if *a == *b {
			return fmt.Errorf("%s did not change", what)
		}
		return nil
	}
}

// checkTokenDead asserts after destroy that the last token in state no longer works.
func (e *accEnv) checkTokenDead(token *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if *token == "" {
			return fmt.Errorf("no token was captured")
		}
		if got := e.tokenStatus(*token); got != http.StatusUnauthorized {
			return fmt.Errorf("the token held in state still works after destroy (HTTP %d)", got)
		}
		return e.checkAccountsDestroyed(s)
	}
}

func TestAccServiceAccountToken_rotation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("rotated")
	var token1, token2, token3, tokenID1 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token3),
		Steps: []resource.TestStep{
			{
				Config: e.tokenConfig(name, `rotation_trigger = "1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("token")),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("has_expired"), knownvalue.Bool(false)),
					statecheck.CompareValuePairs(tokenAddr, tfjsonpath.New("id"), saAddr, tfjsonpath.New("id"), compareEqual{}),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(tokenAddr, "token", &token1),
					captureAttr(tokenAddr, "token_id", &tokenID1),
					e.expectStatus(&token1, http.StatusOK, "the token in state"),
				),
			},
			{
				// A new trigger value renews in place: same resource, new secret.
				Config: e.tokenConfig(name, `rotation_trigger = "2"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token_id")),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRenewed(&token1, &token2, "the previous token"),
					notEqual(&token1, &token2, "token"),
				),
			},
			{
				// Any type works as a trigger, and a change of type is a change.
				Config: e.tokenConfig(name, `
  rotation_trigger = { version = 3, reason = "audit" }
  expires_in       = "720h"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("expires_at")),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRenewed(&token2, &token3, "the previous token"),
					notEqual(&token2, &token3, "token"),
				),
			},
			{
				// Changing only renew_before renews nothing.
				Config: e.tokenConfig(name, `
  rotation_trigger = { version = 3, reason = "audit" }
  expires_in       = "720h"
  renew_before     = "24h"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("24h")),
				}},
				Check: e.expectStatus(&token3, http.StatusOK, "the token after a renew_before change"),
			},
		},
	})
}

// compareEqual is a compare.ValueComparer for two equal values.
type compareEqual struct{}

func (compareEqual) CompareValues(values ...any) error {
	for _, v := range values[1:] {
		if fmt.Sprint(v) != fmt.Sprint(values[0]) {
			return fmt.Errorf("values differ: %v and %v", values[0], v)
		}
	}
	return nil
}

func TestAccServiceAccountToken_expiry(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	start := e.clock.Now()
	cfg := e.tokenConfig("expiring", `
  expires_in   = "720h"
  renew_before = "168h"`)
	var token1, token2, token3 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token3),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"),
						markedExpiryOf(start.Add(720*time.Hour))),
				},
				Check: captureAttr(tokenAddr, "token", &token1),
			},
			{
				// 500 hours on, 220 hours are left: outside the window, nothing to do.
				PreConfig: func() { e.clock.Advance(500 * time.Hour) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// 100 hours more: 120 hours left, within renew_before: renewed in place.
				PreConfig: func() { e.clock.Advance(100 * time.Hour) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"),
						markedExpiryOf(start.Add(600*time.Hour+720*time.Hour))),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(tokenAddr, "token", &token2),
					notEqual(&token1, &token2, "token"),
					e.expectStatus(&token2, http.StatusOK, "the renewed token"),
				),
			},
			{
				// Past its expiry the token stops working; a refresh says so.
				PreConfig:          func() { e.clock.Advance(721 * time.Hour) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				// A refresh-only step accepts no state checks; the attribute check is the way here.
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(tokenAddr, "has_expired", "true"),
					e.expectStatus(&token2, http.StatusUnauthorized, "the expired token"),
				),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("has_expired"), knownvalue.Bool(false)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("has_expired"), knownvalue.Bool(false)),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(tokenAddr, "token", &token3),
					e.expectStatus(&token3, http.StatusOK, "the token renewed after expiry"),
				),
			},
		},
	})
}

func TestAccServiceAccountToken_fixedExpiry(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	at := time.Now().UTC().Add(90 * 24 * time.Hour).Truncate(time.Hour)
	if e.clock != nil {
		at = e.clock.Now().Add(90 * 24 * time.Hour)
	}
	local := at.In(time.FixedZone("IST", 5*3600+1800)).Format(time.RFC3339)
	var token string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token),
		Steps: []resource.TestStep{{
			// An expires_at written with an offset is kept as written: no perpetual diff.
			Config: e.tokenConfig(e.uniqueName("fixed"), fmt.Sprintf(`expires_at = %q`, local)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(local)),
				statecheck.ExpectKnownValue(saAddr, tfjsonpath.New("id"), knownvalue.NotNull()),
			},
			Check: captureAttr(tokenAddr, "token", &token),
		}},
	})
}

func TestAccServiceAccountToken_outOfBand(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("elsewhere")
	cfg := e.tokenConfig(name, `expires_in = "720h"`)
	var id, token1, token2, token3 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token3),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					captureAttr(saAddr, "id", &id),
					captureAttr(tokenAddr, "token", &token1),
				),
			},
			{
				// Someone renews the token in the Console: the token in state is dead,
				// and the plan renews it.
				PreConfig: func() {
					if _, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID}, id, nil); err != nil {
						t.Fatalf("out-of-band renewal: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRenewed(&token1, &token2, "the token renewed away"),
				),
			},
			{
				// The account is deleted in the Console: both leave state and are created again.
				PreConfig: func() {
					if err := e.client().DeleteServiceAccount(context.Background(), client.Scope{OrganizationID: e.OrgID}, id); err != nil {
						t.Fatalf("out-of-band delete: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(saAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					e.checkRenewed(&token2, &token3, "the deleted account's token"),
				),
			},
		},
	})
}

// Destroy when the token was already renewed elsewhere must not kill that other token.
func TestAccServiceAccountToken_destroyLeavesOthersToken(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("keeper")
	var id, other string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name = %q
  permissions = ["organization.viewer"]
}
resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
}`, name)),
				Check: captureAttr(saAddr, "id", &id),
			},
			{
				// Only the token leaves the configuration; someone renewed it first.
				PreConfig: func() {
					issued, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID}, id, nil)
					if err != nil {
						t.Fatalf("out-of-band renewal: %v", err)
					}
					other = issued.Token
				},
				Config: e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name = %q
  permissions = ["organization.viewer"]
}`, name)),
				Check: e.expectStatus(&other, http.StatusOK, "the token someone else holds"),
			},
		},
	})
}

func TestAccServiceAccountToken_import(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	name := e.uniqueName("imported")
	var id, token string
	account := e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %q
  permissions = ["organization.viewer"]
}`, name))
	withToken := account + `
resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkTokenDead(&token),
		Steps: []resource.TestStep{
			{Config: account, Check: captureAttr(saAddr, "id", &id)},
			{
				// The import records metadata; the secret cannot be read back, so the
				// plan renews it.
				Config: withToken + `
import {
  to = platformer_service_account_token.test
  id = platformer_service_account.test.id
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
				}},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(tokenAddr, "token", &token),
					e.expectStatus(&token, http.StatusOK, "the token renewed after import"),
				),
			},
			{
				// The import command, then the plan warns and renews.
				ResourceName:            tokenAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"token"},
			},
		},
	})
}

func TestAccServiceAccountToken_validation(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	cases := map[string]struct {
		extra string
		want  string
	}{
		"both expiries":             {`expires_in = "720h"` + "\n" + `expires_at = "2099-01-01T00:00:00Z"`, `Attribute "expires_at" cannot be specified when "expires_in" is specified`},
		"bad duration":              {`expires_in = "30"`, `expires_in: "30" is not a duration`},
		"negative duration":         {`expires_in = "-1h"`, `expires_in: "-1h" is not positive`},
		"zero renew_before":         {`expires_in = "720h"` + "\n" + `renew_before = "0s"`, `renew_before: "0s" is not positive`},
		"malformed expires_at":      {`expires_at = "2027-01-31"`, `Given Value: 2027-01-31`},
		"past expires_at":           {`expires_at = "2001-01-01T00:00:00Z"`, `expires_at: 2001-01-01T00:00:00Z has passed`},
		"renew_before no expiry":    {`renew_before = "1h"`, `Attribute "expires_in" must be specified when "renew_before" is specified`},
		"renew_before too long":     {`expires_in = "24h"` + "\n" + `renew_before = "48h"`, `renew_before \("48h"\) must be shorter than expires_in \("24h"\)`},
		"renew_before fixed expiry": {`expires_at = "2099-01-01T00:00:00Z"` + "\n" + `renew_before = "1h"`, `Attribute "expires_in" must be specified when "renew_before" is specified`},
		"bad service account id":    {``, `service_account_id: "not-a-uuid" is not a UUID`},
	}
	var steps []resource.TestStep
	for name, tc := range cases {
		sa := `platformer_service_account.test.id`
		if name == "bad service account id" {
			sa = `"not-a-uuid"`
		}
		steps = append(steps, resource.TestStep{
			Config: e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name = "validation"
}
resource "platformer_service_account_token" "test" {
  service_account_id = %s
  %s
}`, sa, tc.extra)),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(tc.want),
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
}
