package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// Issue 10, item 2: renewing a token changes the account's token fields in the Console,
// so an account resource that held them drifted on every rotation and failed with
// "inconsistent result after apply" when applied without a refresh. They live on the
// token resource and the data sources only.

// driftConfig is an organization-level account with description desc and, when
// trigger is not empty, a token resource with that rotation_trigger.
func driftConfig(e *accEnv, desc, trigger string) string {
	cfg := e.config(fmt.Sprintf(`
resource "platformer_service_account" "test" {
  name        = "drifter"
  description = %q
  permissions = ["organization.viewer"]
}
`, desc))
	if trigger != "" {
		cfg += fmt.Sprintf(`
resource "platformer_service_account_token" "test" {
  service_account_id = platformer_service_account.test.id
  expires_in         = "720h"
  rotation_trigger   = %q
}
`, trigger)
	}
	return cfg
}

// After create, after a rotation and after the token resource is removed (destroy
// renews the token), terraform plan -refresh-only and terraform plan are empty.
func TestAccServiceAccount_noDriftWhenTheTokenChanges(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, driftConfig(e, "", "1"))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after create")

	e.clock.Advance(time.Hour) // renewed_at moves with the renewal
	c.write(driftConfig(e, "", "2"))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after a rotation")

	e.clock.Advance(time.Hour)
	c.write(driftConfig(e, "", ""))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the token resource was removed")
}

// renewElsewhere renews the account's token outside Terraform, with another expiry, an
// hour later on the Console's clock.
func renewElsewhere(t *testing.T, e *accEnv, id string) {
	t.Helper()
	e.clock.Advance(time.Hour)
	expiry := e.clock.Now().Add(48 * time.Hour)
	if _, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID}, id, &expiry); err != nil {
		t.Fatalf("renewal outside Terraform: %v", err)
	}
}

// accountID is the id of platformer_service_account.test in c's state.
func accountID(t *testing.T, c *cliDir) string {
	t.Helper()
	for _, in := range c.state() {
		if in.Addr == saAddr {
			return in.str("id")
		}
	}
	t.Fatalf("%s is not in state", saAddr)
	return ""
}

// A description change applied with -refresh=false, and a saved plan applied, after the
// token was renewed elsewhere, succeed (no "inconsistent result after apply").
func TestAccServiceAccount_applyAfterRenewalElsewhere(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, driftConfig(e, "first", "1"))
	c.must("apply", "-auto-approve")
	id := accountID(t, c)
	checkDescription := func(want string) {
		t.Helper()
		sa, err := e.client().GetServiceAccount(context.Background(), client.Scope{OrganizationID: e.OrgID}, id)
		if err != nil {
			t.Fatal(err)
		}
		if sa.Description != want {
			t.Errorf("the Console holds description %q, want %q", sa.Description, want)
		}
	}

	// apply -refresh=false
	renewElsewhere(t, e, id)
	c.write(driftConfig(e, "second", "1"))
	if r := c.run("apply", "-refresh=false", "-auto-approve"); r.code != 0 {
		t.Errorf("terraform apply -refresh=false after a renewal elsewhere failed:\n%s", r)
	}
	checkDescription("second")
	c.must("apply", "-auto-approve") // renews the token renewed away
	expectEmptyPlans(t, c, "after apply -refresh=false and an apply")

	// a saved plan
	c.write(driftConfig(e, "third", "1"))
	if r := c.run("plan", "-detailed-exitcode", "-out=tfplan"); r.code != 2 {
		t.Fatalf("expected a plan with changes (exit 2):\n%s", r)
	}
	renewElsewhere(t, e, id)
	if r := c.run("apply", "tfplan"); r.code != 0 {
		t.Errorf("applying a saved plan after a renewal elsewhere failed:\n%s", r)
	}
	checkDescription("third")
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the saved plan and an apply")
}

// The state upgrader takes a state written by schema version 0 (which had
// token_expires_at and token_renewed_at) to the current schema: the two attributes
// go, everything else stays as it was.
func TestServiceAccountResource_upgradeStateFromV0(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "service_account_state_v0.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	server, err := NewServer(New("test", "none"))()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schema := schemas.ResourceSchemas["platformer_service_account"]
	if schema.Version < 1 {
		t.Fatalf("platformer_service_account schema version %d: expected 1 or more", schema.Version)
	}
	resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "platformer_service_account",
		Version:  0,
		RawState: &tfprotov6.RawState{JSON: raw},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("UpgradeResourceState: %s: %s: %s", d.Severity, d.Summary, d.Detail)
	}
	if resp.UpgradedState == nil {
		t.Fatal("no upgraded state")
	}
	typ := schema.ValueType()
	val, err := resp.UpgradedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := val.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"token_expires_at", "token_renewed_at"} {
		if _, ok := attrs[gone]; ok {
			t.Errorf("%s is still in the upgraded state", gone)
		}
		delete(want, gone)
	}
	if len(attrs) != len(want) {
		t.Errorf("the upgraded state has %d attributes, the old one %d other than the token's", len(attrs), len(want))
	}
	for name, w := range want {
		got, err := tfValueJSON(attrs[name])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		wb, _ := json.Marshal(w)
		if got != string(wb) {
			t.Errorf("%s: upgraded to %s, was %s", name, got, wb)
		}
	}
}

// tfValueJSON renders a state value of the account's schema as the JSON Terraform
// writes for it (strings, sets of strings, maps of sets of strings).
func tfValueJSON(v tftypes.Value) (string, error) {
	var conv func(tftypes.Value) (any, error)
	conv = func(v tftypes.Value) (any, error) {
		if v.IsNull() {
			return nil, nil
		}
		switch {
		case v.Type().Is(tftypes.String):
			var s string
			err := v.As(&s)
			return s, err
		case v.Type().Is(tftypes.Set{}) || v.Type().Is(tftypes.List{}):
			var elems []tftypes.Value
			if err := v.As(&elems); err != nil {
				return nil, err
			}
			out := []any{}
			for _, e := range elems {
				c, err := conv(e)
				if err != nil {
					return nil, err
				}
				out = append(out, c)
			}
			return out, nil
		case v.Type().Is(tftypes.Map{}):
			var elems map[string]tftypes.Value
			if err := v.As(&elems); err != nil {
				return nil, err
			}
			out := map[string]any{}
			for k, e := range elems {
				c, err := conv(e)
				if err != nil {
					return nil, err
				}
				out[k] = c
			}
			return out, nil
		}
		return nil, fmt.Errorf("unexpected type %s", v.Type())
	}
	c, err := conv(v)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(c)
	return string(b), err
}

// A working directory whose state was written by schema version 0 plans nothing after
// the upgrade, and its refresh-only plan is empty.
func TestAccServiceAccount_stateFromV0PlansNothing(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, driftConfig(e, "legacy", "1"))
	c.must("apply", "-auto-approve")
	// Rewrite the account's state as version 0 wrote it.
	file := filepath.Join(c.dir, "terraform.tfstate")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	rewritten := false
	for _, r := range st["resources"].([]any) {
		res := r.(map[string]any)
		if res["type"] != "platformer_service_account" {
			continue
		}
		for _, in := range res["instances"].([]any) {
			inst := in.(map[string]any)
			inst["schema_version"] = 0
			attrs := inst["attributes"].(map[string]any)
			attrs["token_expires_at"] = "2026-11-26T13:00:00Z"
			attrs["token_renewed_at"] = "2026-11-26T12:00:00Z"
			rewritten = true
		}
	}
	if !rewritten {
		t.Fatal("no account in state")
	}
	st["serial"] = st["serial"].(float64) + 1
	if b, err = json.MarshalIndent(st, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("a state of schema version 0 does not plan empty (exit %d):\n%s", r.code, r.stdout+r.stderr)
	}
	c.must("apply", "-refresh-only", "-auto-approve")
	expectEmptyPlans(t, c, "after the upgraded state was refreshed")
	for _, in := range c.state() {
		if in.Addr == saAddr {
			if _, ok := in.Attrs["token_expires_at"]; ok {
				t.Errorf("token_expires_at is still in the account's state: %v", in.Attrs)
			}
		}
	}
}

// Issue 10, item 7: one unknown permission code is one warning, printed once by each
// command (it was printed by validation in every graph walk: twice by a plan, three
// times by an apply).
func TestAccServiceAccount_unknownPermissionWarnedOnce(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its counters")
	c := initCLI(e, e.config(`
resource "platformer_service_account" "test" {
  name        = "typo"
  permissions = ["organization.veiwer", "organization.viewer"]
}
`))
	count := func(r cliResult) int { return strings.Count(r.stdout+r.stderr, "Unknown Permission Code") }
	similar := regexp.MustCompile(`more similar warning`)
	plan := c.run("plan")
	if n := count(plan); n != 1 || similar.MatchString(plan.stdout) {
		t.Errorf("terraform plan printed the unknown-permission warning %d times (want once):\n%s", n, plan)
	}
	if !expectText(`permissions: "organization.veiwer" is not a known organization-level permission code. Did you mean "organization.viewer"?`).MatchString(plan.stdout) {
		t.Errorf("the warning does not name the code and the suggestion:\n%s", plan)
	}
	apply := c.run("apply", "-auto-approve")
	logOnFailure(t, "terraform apply printed the warning %d time(s), similar: %v", count(apply), similar.MatchString(apply.stdout))
	if n := count(apply); n < 1 || n > 2 {
		t.Errorf("terraform apply printed the unknown-permission warning %d times:\n%s", n, apply)
	}
}
