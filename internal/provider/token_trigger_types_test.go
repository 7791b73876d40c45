package provider

import (
	"fmt"
	"testing"
)

// Issue 18, item 4: rotation_trigger of any type. After an apply, plan and
// plan -refresh-only are both empty (exit 0 with -detailed-exitcode) for a trigger of
// every type, on both token resources. Terraform before 1.15 compares the refreshed
// state with the previous run's with reflect.DeepEqual, which sees a number decoded
// from the state file and the same number decoded from the provider's answer as
// different (canonical_numbers.go); a number anywhere in the trigger (a number, a list
// or object holding one) made every drift job alert.
func TestAccTokenTriggers_anyType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value, changed string }{
		{"number", "1", "2"},
		{"fraction", "0.1", "0.25"},
		{"bool", "true", "false"},
		{"string", `"2026-12"`, `"2027-01"`},
		{"list", `[1, "a", true]`, `[2, "a", true]`},
		{"map", `tomap({ a = 1, b = 2 })`, `tomap({ a = 1, b = 3 })`},
		{"object", `{ n = 1, s = "x", l = [1.5, 2] }`, `{ n = 1, s = "x", l = [1.5, 3] }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newAccEnv(t)
			c := initCLI(e, triggerTypesConfig(e, tc.value))
			c.must("apply", "-auto-approve")
			expectEmptyPlans(t, c, "after create with rotation_trigger = "+tc.value)
			before := triggerTokens(t, c)

			// A change of value (same type) rotates both, then the plans are empty again.
			c.write(triggerTypesConfig(e, tc.changed))
			if r := c.run("plan", "-detailed-exitcode"); r.code != 2 {
				t.Fatalf("rotation_trigger %s -> %s must plan a rotation:\n%s", tc.value, tc.changed, r)
			}
			c.must("apply", "-auto-approve")
			after := triggerTokens(t, c)
			for addr, tok := range before {
				if after[addr] == tok {
					t.Errorf("%s: rotation_trigger %s -> %s did not renew the token", addr, tc.value, tc.changed)
				}
			}
			expectEmptyPlans(t, c, "after rotation_trigger changed to "+tc.changed)
		})
	}
}

// triggerTypesConfig is a token and a rotating token, both with rotation_trigger = value.
func triggerTypesConfig(e *accEnv, value string) string {
	return e.config(e.rotatingAccounts() + fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = %[2]q
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  rotation_trigger   = %[1]s
}

resource "platformer_service_account_rotating_token" "test" {
  service_account_ids = [platformer_service_account.blue.id, platformer_service_account.green.id]
  rotate_every        = "30d"
  rotation_trigger    = %[1]s
}
`, value, e.uniqueName("triggered")))
}

// triggerTokens is the token of each token resource in state, by address.
func triggerTokens(t *testing.T, c *cliDir) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, in := range c.state() {
		if in.Type == "platformer_service_account_token" || in.Type == "platformer_service_account_rotating_token" {
			out[in.Addr] = in.str("token")
		}
	}
	if len(out) != 2 {
		t.Fatalf("expected two tokens in state, found %d", len(out))
	}
	return out
}
