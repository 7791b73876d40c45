package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 18, item 3, the rotating token as the token: the refresh's finding that a
// rotation is due is the visible rotation_due, so plan -refresh-only shows what makes it
// exit 2 (not "No changes." with exit 2, as private state made it).

// rotationDueChange is how plan -refresh-only shows that the refresh found a rotation due.
var rotationDueChange = regexp.MustCompile(`~ rotation_due\s+= false -> true`)

// While a rotation is due and not applied: a -refresh=false plan rotates nothing and
// says why; plan -refresh-only shows rotation_due changing; the plan rotates; after
// that apply, plan and plan -refresh-only are both empty.
func TestAccServiceAccountRotatingToken_rotationDueShows(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, e.rotatingConfig(`rotate_every = "30d"`))
	rotationDueShows(t, e, c, func() { e.clock.Advance(30*24*time.Hour + time.Minute) })
}

// The same with the built provider binary (one process per command, as in production),
// the emulator's clock moved through its control route: the Console's clock decides.
func TestAccServiceAccountRotatingToken_rotationDueShowsBuiltBinary(t *testing.T) {
	t.Parallel()
	console := emulator.NewManualClock(time.Now().UTC().Truncate(time.Second))
	e := newAccEnv(t, func(o *emulator.Options) { o.Clock = console })
	e.needEmulator("its clock")
	c := newBuiltCLIDir(e, envAPIURL+"=", envToken+"=", envOrganizationID+"=")
	c.write(e.rotatingConfig(`rotate_every = "30d"`))
	rotationDueShows(t, e, c, func() { moveClock(t, e, `{"advance": "720h1m"}`) })
	c.must("destroy", "-auto-approve")
}

// rotationDueShows creates the rotating token of c's configuration, moves the clock
// past rotate_every (pastDue), and checks the plans until after the rotation.
func rotationDueShows(t *testing.T, e *accEnv, c *cliDir, pastDue func()) {
	t.Helper()
	c.must("apply", "-auto-approve")
	first := rotState(t, c)
	if first.Attrs["rotation_due"] != false {
		t.Errorf("after create: rotation_due = %v, want false", first.Attrs["rotation_due"])
	}
	expectEmptyPlans(t, c, "after create")

	pastDue()
	stale := c.run("plan", "-refresh=false", "-detailed-exitcode")
	if stale.code != 0 {
		t.Errorf("plan -refresh=false once a rotation is due: expected no changes (the state as last refreshed "+
			"says nothing is due):\n%s", stale)
	}
	expectOutput(t, stale, "Warning: Token Rotation Left to the Next Plan", "the plan was made with -refresh=false",
		"rotate_every (30d) or more before now")

	refresh := c.run("plan", "-refresh-only", "-detailed-exitcode")
	if refresh.code != 2 || !rotationDueChange.MatchString(refresh.stdout) || strings.Contains(refresh.stdout, "No changes.") {
		t.Errorf("plan -refresh-only once a rotation is due: expected exit 2 showing rotation_due = false -> true:\n%s", refresh)
	}
	next := c.run("plan", "-detailed-exitcode")
	if next.code != 2 {
		t.Fatalf("the plan once a rotation is due must rotate:\n%s", next)
	}
	expectOutput(t, next, "Warning: Token Will Be Rotated", "rotate_every (30d) or more before now")
	c.must("apply", "-auto-approve")
	rotated := rotState(t, c)
	if rotated.str("active_service_account_id") != first.str("previous_service_account_id") {
		t.Errorf("the apply did not rotate")
	}
	if rotated.Attrs["rotation_due"] != false {
		t.Errorf("after the rotation: rotation_due = %v, want false", rotated.Attrs["rotation_due"])
	}
	e.statusIs(t, rotated.str("token"), http.StatusOK, "the new token")
	e.statusIs(t, first.str("token"), http.StatusOK, "the previous token")
	expectEmptyPlans(t, c, "after the rotation")
}

// A state written before rotation_due existed (the attribute absent) shows no change in
// plan -refresh-only, and plans nothing; once a rotation is due, the refresh says so.
func TestAccServiceAccountRotatingToken_rotationDueAbsentFromOlderState(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a state file to edit")
	c := initCLI(e, e.rotatingConfig(`rotate_every = "30d"`))
	c.must("apply", "-auto-approve")
	editState(t, c, func(raw []byte) []byte {
		return regexp.MustCompile(`\s*"rotation_due": (true|false),?`).ReplaceAll(raw, nil)
	})
	expectEmptyPlans(t, c, "with a state written before rotation_due")

	e.clock.Advance(30*24*time.Hour + time.Minute)
	refresh := c.run("plan", "-refresh-only", "-detailed-exitcode")
	if refresh.code != 2 || !regexp.MustCompile(`\+ rotation_due\s+= true`).MatchString(refresh.stdout) {
		t.Errorf("plan -refresh-only once a rotation is due, older state: expected rotation_due = true shown:\n%s", refresh)
	}
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after the rotation, older state")
}

// A state whose private state holds the record of the provider before rotation_due
// (rotating_due, the instant a refresh found a rotation due) keeps working: the record
// is ignored, and rotation_due decides.
func TestAccServiceAccountRotatingToken_olderPrivateDueRecordIgnored(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a state file to edit")
	c := initCLI(e, e.rotatingConfig(`rotate_every = "30d"`))
	c.must("apply", "-auto-approve")
	first := rotState(t, c)
	editState(t, c, func(raw []byte) []byte {
		var st map[string]any
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		for _, res := range st["resources"].([]any) {
			r := res.(map[string]any)
			if r["type"] != "platformer_service_account_rotating_token" {
				continue
			}
			inst := r["instances"].([]any)[0].(map[string]any)
			inst["private"] = withPrivateKey(t, inst["private"], "rotating_due", `{"judged_at":"2100-01-01T00:00:00Z"}`)
		}
		out, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return out
	})
	expectEmptyPlans(t, c, "with the older private due record")
	if got := rotState(t, c); got.str("token_id") != first.str("token_id") {
		t.Errorf("the older private due record rotated the token")
	}
}

// editState rewrites terraform.tfstate of c with edit, which must change it.
func editState(t *testing.T, c *cliDir, edit func([]byte) []byte) {
	t.Helper()
	file := filepath.Join(c.dir, "terraform.tfstate")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := edit(raw)
	if bytes.Equal(edited, raw) {
		t.Fatalf("the edit changed nothing in terraform.tfstate")
	}
	if err := os.WriteFile(file, edited, 0o600); err != nil {
		t.Fatal(err)
	}
}

// withPrivateKey is a state file's "private" (base64 of the framework's JSON map of
// keys to base64 values) with key set to value.
func withPrivateKey(t *testing.T, private any, key, value string) string {
	t.Helper()
	keys := map[string][]byte{}
	if s, ok := private.(string); ok && s != "" {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &keys); err != nil {
			t.Fatalf("private state: %v (%s)", err, raw)
		}
	}
	keys[key] = []byte(value)
	raw, err := json.Marshal(keys)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}
