package provider

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// State compatibility from release to release. testdata/states/<release>/ keeps what a
// release wrote, for every resource in the shapes it can take (a token with and without
// expiry, renewed in place, imported, renewed elsewhere and answered; rotating tokens
// created, rotated, imported, and with a previous token renewed elsewhere; accounts at
// both levels, created and imported), each with its private state:
//
//	main.tf            the configuration, without its provider block
//	terraform.tfstate  the state, as Terraform wrote it after the last apply
//	console.json       the emulator's accounts and time then (emulator.Snapshot)
//	outside.json       tokens issued outside Terraform that a destroy must leave alone
//
// TestAccGoldenStates loads every release's states with this build, against an
// emulator restored from console.json at its time: `plan` and `plan -refresh-only` must
// find nothing to do (so no token is renewed and nothing replaced), and every token in
// state must still work. Then `destroy` must kill every token in state and leave those
// of outside.json working: what private state remembers is read too.
//
// `make golden-states` (go test -run TestAccGoldenStatesGenerate -update-golden-states)
// writes testdata/states/<goldenRelease>/ with this build, driving the terraform CLI on
// PATH (the oldest the provider supports, so that every newer CLI reads the states)
// against an emulator on a fixed clock. Ids and tokens are random; everything else is
// the same at every run. See CONTRIBUTING.md, "State compatibility".

// goldenRelease is the release whose states `make golden-states` writes: the one being
// prepared.
const goldenRelease = "0.1.0"

var updateGoldenStates = flag.Bool("update-golden-states", false,
	"write testdata/states/"+goldenRelease+" with this build (make golden-states)")

// goldenStatesDir is where the releases' states are kept.
var goldenStatesDir = filepath.Join("testdata", "states")

// goldenAccounts are the accounts made outside Terraform before the first apply: those
// the configuration imports, and the two of previous_elsewhere (which a destroy of the
// configuration does not delete, so that their tokens outlive it).
type goldenAccounts struct {
	Account, TokenOf, RotatingA, RotatingB, Left, Right string
}

// goldenConfigFormat is the configuration of the golden states: %[1]s to %[4]s and
// %[7]s, %[8]s are goldenAccounts' ids, %[5]s the trigger, %[6]s a custom role.
const goldenConfigFormat = `
data "platformer_project" "shop" {
  name = "shop"
}

resource "platformer_service_account" "org" {
  name        = "golden-org"
  description = "Organization level"
  permissions = ["organization.viewer"]
  project_permissions = {
    (data.platformer_project.shop.id) = ["rudder.app.admin", "rudder.env.viewer"]
  }
}

resource "platformer_service_account" "project" {
  name            = "golden-project"
  project_id      = data.platformer_project.shop.id
  permissions     = ["rudder.app.viewer", "project.operator.view"]
  custom_role_ids = [%[6]q]
}

resource "platformer_service_account" "imported" {
  name        = "golden-imported"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "a" {
  for_each    = toset(["plain", "expiring", "renewed", "elsewhere", "blue", "green", "moved", "second"])
  name        = "golden-${each.key}"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "plain" {
  service_account_id = platformer_service_account.a["plain"].id
}

resource "platformer_service_account_token" "expiring" {
  service_account_id = platformer_service_account.a["expiring"].id
  expires_in         = "90d"
  renew_before       = "7d"
}

resource "platformer_service_account_token" "renewed" {
  service_account_id = platformer_service_account.a["renewed"].id
  expires_in         = "30d"
  rotation_trigger   = %[5]q
}

resource "platformer_service_account_token" "elsewhere" {
  service_account_id = platformer_service_account.a["elsewhere"].id
}

resource "platformer_service_account_token" "imported" {
  service_account_id = %[2]q
}

resource "platformer_service_account_rotating_token" "rotating" {
  service_account_ids = [platformer_service_account.a["blue"].id, platformer_service_account.a["green"].id]
  rotate_every        = "30d"
  expires_in          = "90d"
  rotation_trigger    = { version = %[5]q }
}

resource "platformer_service_account_rotating_token" "previous_elsewhere" {
  service_account_ids = [%[7]q, %[8]q]
  rotate_every        = "30d"
}

resource "platformer_service_account_rotating_token" "imported" {
  service_account_ids = [%[3]q, %[4]q]
  rotate_every        = "720h"
}
`

// goldenConfig is the configuration of the golden states. trigger feeds the triggers
// that renew and rotate in place; imports is the first apply's: with the import blocks,
// and a plain token that the last apply moves into a rotating token.
func goldenConfig(ids goldenAccounts, trigger string, imports bool) string {
	cfg := fmt.Sprintf(goldenConfigFormat, ids.Account, ids.TokenOf, ids.RotatingA, ids.RotatingB, trigger,
		emulator.DeployerRoleID, ids.Left, ids.Right)
	if !imports {
		// Then the token of "moved" moves into a rotating token (rotating_token_move.go).
		return cfg + `
moved {
  from = platformer_service_account_token.to_move
  to   = platformer_service_account_rotating_token.moved
}

resource "platformer_service_account_rotating_token" "moved" {
  service_account_ids = [platformer_service_account.a["moved"].id, platformer_service_account.a["second"].id]
  rotate_every        = "30d"
  expires_in          = "90d"
}
`
	}
	return cfg + `
resource "platformer_service_account_token" "to_move" {
  service_account_id = platformer_service_account.a["moved"].id
  expires_in         = "90d"
}
` + fmt.Sprintf(`
import {
  to = platformer_service_account.imported
  id = %[1]q
}

import {
  to = platformer_service_account_token.imported
  id = %[2]q
}

import {
  to = platformer_service_account_rotating_token.imported
  id = "%[3]s,%[4]s"
}
`, ids.Account, ids.TokenOf, ids.RotatingA, ids.RotatingB)
}

// goldenStart is the emulator's time when the golden states are written.
var goldenStart = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestAccGoldenStatesGenerate(t *testing.T) {
	if !*updateGoldenStates {
		t.Skip("writes testdata/states/" + goldenRelease + ": run `make golden-states`")
	}
	if testCLI.isTofu() || testCLI.atLeast(1, 12) {
		t.Fatalf("write the golden states with the oldest CLI the provider supports (Terraform 1.11), so that every "+
			"newer CLI reads them; this is %s", testCLI)
	}
	e := newAccEnv(t)
	e.needEmulator("its clock and its snapshot")
	e.clock.Set(goldenStart)
	ids := goldenAccounts{
		Account: handMadeAccount(t, e, "golden-hand-made"), TokenOf: handMadeAccount(t, e, "golden-token-of"),
		RotatingA: handMadeAccount(t, e, "golden-rotating-a"), RotatingB: handMadeAccount(t, e, "golden-rotating-b"),
		Left: handMadeAccount(t, e, "golden-left"), Right: handMadeAccount(t, e, "golden-right"),
	}
	c := newCLIDir(e)
	c.write(e.config(goldenConfig(ids, "1", true)))
	c.must("init")
	c.must("apply", "-auto-approve")

	// A day later: the token of "elsewhere", and the previous token of
	// previous_elsewhere (Left's), are renewed outside Terraform.
	e.clock.Advance(24 * time.Hour)
	renewTokenOutside(t, e, c, "platformer_service_account.a[elsewhere]")
	leftAlone := renewAccountOutside(t, e, ids.Left)

	// Another day: the trigger renews "renewed" and rotates "rotating"; the token renewed
	// elsewhere is renewed again (answering the renewal elsewhere); previous_elsewhere only
	// warns. Then the plans are empty.
	e.clock.Advance(24 * time.Hour)
	final := goldenConfig(ids, "2", false)
	c.write(e.config(final))
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the golden states' last apply")
	if t.Failed() {
		return
	}
	writeGolden(t, c, final, e.em.Snapshot(), goldenOutside{LeftAlone: []string{leftAlone}})
}

// goldenOutside is outside.json: the tokens issued outside Terraform (emulator tokens)
// that a destroy of the golden states must leave working.
type goldenOutside struct {
	LeftAlone []string `json:"left_alone"`
}

// renewAccountOutside renews the token of account id through the Console's API, and
// returns the new token.
func renewAccountOutside(t *testing.T, e *accEnv, id string) string {
	t.Helper()
	issued, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID}, id, nil)
	if err != nil {
		t.Fatalf("renew %s elsewhere: %v", id, err)
	}
	return issued.Token
}

// renewTokenOutside renews, through the Console's API, the token of the account at addr
// in c's state, and returns the new token.
func renewTokenOutside(t *testing.T, e *accEnv, c *cliDir, addr string) string {
	t.Helper()
	for _, in := range c.state() {
		if in.Addr == addr {
			issued, err := e.client().RenewServiceAccountToken(context.Background(), client.Scope{OrganizationID: e.OrgID},
				in.str("id"), nil)
			if err != nil {
				t.Fatalf("renew %s elsewhere: %v", addr, err)
			}
			return issued.Token
		}
	}
	t.Fatalf("%s is not in state", addr)
	return ""
}

// writeGolden replaces testdata/states/<goldenRelease>/ with c's configuration, state
// and the emulator's snapshot.
func writeGolden(t *testing.T, c *cliDir, config string, snap emulator.Snapshot, outside goldenOutside) {
	t.Helper()
	dir := filepath.Join(goldenStatesDir, goldenRelease)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	state, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	console, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	left, err := json.MarshalIndent(outside, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	header := "# The configuration of the golden states of " + goldenRelease + " (golden_states_test.go);\n" +
		"# the test prepends the provider block. Written by `make golden-states`: do not edit.\n"
	for name, body := range map[string][]byte{
		"main.tf": []byte(header + config), "terraform.tfstate": state, "console.json": append(console, '\n'),
		"outside.json": append(left, '\n'),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s", dir)
}

func TestAccGoldenStates(t *testing.T) {
	t.Parallel()
	releases, err := os.ReadDir(goldenStatesDir)
	if err != nil {
		t.Fatalf("no golden states (%v): run `make golden-states`", err)
	}
	var found []string
	for _, r := range releases {
		if r.IsDir() {
			found = append(found, r.Name())
		}
	}
	sort.Strings(found)
	if len(found) == 0 {
		t.Fatal("no release under testdata/states: run `make golden-states`")
	}
	for _, release := range found {
		t.Run(release, func(t *testing.T) {
			t.Parallel()
			loadGolden(t, filepath.Join(goldenStatesDir, release))
		})
	}
}

// loadGolden plans one release's states with this build against its Console.
func loadGolden(t *testing.T, dir string) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var snap emulator.Snapshot
	if err := json.Unmarshal(read("console.json"), &snap); err != nil {
		t.Fatalf("console.json: %v", err)
	}
	e := newAccEnv(t)
	e.needEmulator("its snapshot")
	e.clock.Set(snap.Now)
	if err := e.em.Restore(snap); err != nil {
		t.Fatal(err)
	}
	c := newCLIDir(e)
	c.write(e.config(string(read("main.tf"))))
	if err := os.WriteFile(filepath.Join(c.dir, "terraform.tfstate"), read("terraform.tfstate"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.must("init")
	goldenEmptyPlans(t, c, "the states of "+filepath.Base(dir))
	inState := checkGoldenTokens(t, e, c)
	var outside goldenOutside
	if err := json.Unmarshal(read("outside.json"), &outside); err != nil {
		t.Fatalf("outside.json: %v", err)
	}
	c.must("destroy", "-auto-approve")
	for addr, token := range inState {
		if e.tokenStatus(token) != http.StatusUnauthorized {
			t.Errorf("the token of %s still works after destroy", addr)
		}
	}
	for i, token := range outside.LeftAlone {
		if e.tokenStatus(token) != http.StatusOK {
			t.Errorf("token %d of outside.json, renewed outside Terraform, no longer works after destroy", i)
		}
	}
}

// goldenEmptyPlans is expectEmptyPlans for a state written by another CLI: OpenTofu
// (1.12.6) exits 2 from the first `plan -refresh-only -detailed-exitcode` of a state
// that Terraform 1.11 wrote, although the plan holds no drift and no change (and exits 0
// after one `apply -refresh-only`); there the plan itself, shown as JSON, is judged.
func goldenEmptyPlans(t *testing.T, c *cliDir, when string) {
	t.Helper()
	if !testCLI.isTofu() {
		expectEmptyPlans(t, c, when)
		return
	}
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("%s: expected tofu plan -detailed-exitcode to find nothing to do:\n%s", when, r)
	}
	out := filepath.Join(t.TempDir(), "refresh-only.tfplan")
	if r := c.run("plan", "-refresh-only", "-detailed-exitcode", "-out="+out); r.code != 0 && r.code != 2 {
		t.Fatalf("%s: tofu plan -refresh-only failed:\n%s", when, r)
	}
	show := c.run("show", "-json", out)
	changes, err := planChanges(show.stdout)
	if show.code != 0 || err != nil {
		t.Fatalf("%s: tofu show -json of the refresh-only plan: exit %d, %v", when, show.code, err)
	}
	if len(changes) > 0 {
		t.Errorf("%s: the refresh-only plan holds %s", when, strings.Join(changes, ", "))
	}
}

// checkGoldenTokens checks that every token in state works, and that every kind of
// resource is there; it returns the tokens, by address.
func checkGoldenTokens(t *testing.T, e *accEnv, c *cliDir) map[string]string {
	t.Helper()
	kinds, tokens := map[string]int{}, map[string]string{}
	for _, in := range c.state() {
		kinds[in.Type]++
		if token := in.str("token"); token != "" {
			tokens[in.Addr] = token
			if e.tokenStatus(token) != http.StatusOK {
				t.Errorf("the token of %s in the golden state no longer works", in.Addr)
			}
		}
	}
	for _, kind := range []string{"platformer_service_account", "platformer_service_account_token",
		"platformer_service_account_rotating_token"} {
		if kinds[kind] == 0 {
			t.Errorf("the golden state holds no %s", kind)
		}
	}
	return tokens
}
