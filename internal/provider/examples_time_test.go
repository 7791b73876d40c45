package provider

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The guide examples that combine this provider with hashicorp/time are applied with
// the real hashicorp/time provider, installed the way a user's `terraform init` installs
// it: from a filesystem_mirror named by the CLI configuration, recorded with its hash in
// the lock file. The binary is bin/terraform-provider-time, built by `make tools` from
// the version pinned in tools/go.mod; nothing is downloaded.

const timeProviderModule = "github.com/hashicorp/terraform-provider-time"

// timeProviderSource is hashicorp/time's address for the CLI under test: its mirror
// path and lock file entry (registry.opentofu.org/hashicorp/time under OpenTofu).
func timeProviderSource() string { return testCLI.registryHost() + "/hashicorp/time" }

// useTimeProviderMirror puts bin/terraform-provider-time into a filesystem_mirror and
// points TF_CLI_CONFIG_FILE at a CLI configuration that installs hashicorp/time from it
// and from nowhere else. It returns the TestCase's ExternalProviders: the `terraform
// init` that starts the test case then installs hashicorp/time from the mirror and
// writes the lock file. It sets the environment, so the test is not parallel (Go runs
// it before the parallel tests start). In CI (CI set) a missing or stale binary fails
// the test; elsewhere it skips with the reason (`make test` builds the binary first).
func useTimeProviderMirror(t *testing.T) map[string]resource.ExternalProvider {
	t.Helper()
	bin := filepath.Join("..", "..", "bin", "terraform-provider-time")
	version, problem := timeProviderVersion(bin)
	if problem != "" {
		msg := problem + "; run `make tools` (make test builds it before the tests)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	mirror := filepath.Join(t.TempDir(), "mirror")
	// The unpacked layout: HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET/terraform-provider-TYPE*.
	target := filepath.Join(mirror, filepath.FromSlash(timeProviderSource()), version, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyExecutable(bin, filepath.Join(target, "terraform-provider-time_v"+version)); err != nil {
		t.Fatalf("filling the filesystem mirror: %v", err)
	}
	cfg := filepath.Join(t.TempDir(), "mirror.tfrc")
	rc := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%q]
  }
}
`, mirror, timeProviderSource())
	if err := os.WriteFile(cfg, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", cfg)
	return map[string]resource.ExternalProvider{"time": {Source: "hashicorp/time", VersionConstraint: "= " + version}}
}

// timeProviderVersion returns the version (without "v") of the hashicorp/time binary,
// or what is wrong with it: missing, not hashicorp/time, or not the version pinned in
// tools/go.mod.
func timeProviderVersion(bin string) (version, problem string) {
	const name = "bin/terraform-provider-time" // as the Makefile and the README call it
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "", fmt.Sprintf("%s (hashicorp/time, pinned in tools/go.mod) is missing or unreadable: %v", name, err)
	}
	if info.Main.Path != timeProviderModule {
		return "", fmt.Sprintf("%s was built from %q, not %s", name, info.Main.Path, timeProviderModule)
	}
	gomod, err := os.ReadFile(filepath.Join("..", "..", "tools", "go.mod"))
	if err != nil {
		return "", fmt.Sprintf("reading tools/go.mod: %v", err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(timeProviderModule) + `\s+(v\S+)`).FindSubmatch(gomod)
	if m == nil {
		return "", "tools/go.mod does not pin " + timeProviderModule
	}
	if pinned := string(m[1]); info.Main.Version != pinned {
		return "", fmt.Sprintf("%s is %s but tools/go.mod pins %s", name, info.Main.Version, pinned)
	}
	return strings.TrimPrefix(info.Main.Version, "v"), ""
}

func copyExecutable(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// exampleWithOwnRequirements is an example that declares its own required_providers:
// the test adds only the platformer provider block for this Console.
func (e *accEnv) exampleWithOwnRequirements(body string) string {
	return body + fmt.Sprintf(`
provider "platformer" {
  api_url         = %q
  token           = %q
  organization_id = %q
  max_retries     = 6
}
`, e.URL, e.Token, e.OrgID)
}

// Every guide example that needs hashicorp/time applies, plans empty and destroys.
func TestAccExamplesWithTime(t *testing.T) { //nolint:paralleltest // sets TF_CLI_CONFIG_FILE
	external := useTimeProviderMirror(t)
	var run int
	for _, ex := range guideExamples(t) {
		if !ex.needsTime {
			continue
		}
		run++
		t.Run(ex.name, func(t *testing.T) {
			e := newAccEnv(t)
			e.needEmulator("the examples name the emulator's seeded projects and fixed account names")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				ExternalProviders:        external,
				CheckDestroy:             e.checkAccountsDestroyed,
				Steps: []resource.TestStep{
					{Config: e.exampleWithOwnRequirements(ex.body)},
					{RefreshState: true},
				},
			})
		})
	}
	if run < 1 {
		t.Fatal("expected at least one guide example that uses hashicorp/time (rotation-with-time-rotating)")
	}
}

// terraform init installs hashicorp/time from the mirror, offline, and records it in
// the lock file with its hash, exactly as in a user's repository; a second init with
// -lockfile=readonly accepts the installed package.
func TestAccExamplesWithTime_lockFile(t *testing.T) { //nolint:paralleltest // sets TF_CLI_CONFIG_FILE
	external := useTimeProviderMirror(t)
	version := strings.TrimPrefix(external["time"].VersionConstraint, "= ")
	e := newAccEnv(t)
	body, err := os.ReadFile(examplePath("guides", "rotation-with-time-rotating", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCLIDir(e)
	c.write(e.exampleWithOwnRequirements(string(body)))
	if r := c.run("init", "-input=false"); r.code != 0 {
		t.Fatalf("terraform init from the filesystem mirror failed:\n%s", r)
	}
	lock, err := os.ReadFile(filepath.Join(c.dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatalf("no lock file after terraform init: %v", err)
	}
	entry := regexp.MustCompile(`(?s)provider "` + regexp.QuoteMeta(timeProviderSource()) + `" \{.*?\n\}`).Find(lock)
	if entry == nil {
		t.Fatalf("the lock file has no entry for %s:\n%s", timeProviderSource(), lock)
	}
	if !strings.Contains(string(entry), fmt.Sprintf("version = %q", version)) {
		t.Errorf("the lock file does not record version %s:\n%s", version, entry)
	}
	if !regexp.MustCompile(`"h1:[A-Za-z0-9+/=]+"`).Match(entry) {
		t.Errorf("the lock file records no h1: hash for %s:\n%s", timeProviderSource(), entry)
	}
	t.Logf("lock file entry:\n%s", entry)
	if r := c.run("init", "-input=false", "-lockfile=readonly"); r.code != 0 {
		t.Fatalf("terraform init -lockfile=readonly rejected the installed package:\n%s", r)
	}
}

// The rotation guide's example, for real: once its time_rotating is due, the next
// plan recreates the time_rotating and renews the token in place (update, same
// resource, new token_id); the old token stops working and the new one works.
//
// A time_rotating's id is its base instant, so one created with a fixed base in the
// past (rfc3339) keeps the same id when it is recreated. The test therefore creates
// the schedule with its base 31 days ago (due at once, as on the first run after a
// month), then applies the example as published, whose base is the time of creation:
// the due time_rotating is dropped by the refresh and created again (a create, not a
// replace, which shows it is the schedule and not the edit that recreates it), and the
// token follows its new id.
func TestAccExamplesWithTime_rotation(t *testing.T) { //nolint:paralleltest // sets TF_CLI_CONFIG_FILE
	external := useTimeProviderMirror(t)
	e := newAccEnv(t)
	e.needEmulator("the example's account name is fixed")
	body, err := os.ReadFile(examplePath("guides", "rotation-with-time-rotating", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	example := string(body)
	const anchor = "rotation_days = 30"
	if strings.Count(example, anchor) != 1 {
		t.Fatalf("the example no longer has exactly one %q to base in the past:\n%s", anchor, example)
	}
	past := time.Now().UTC().Add(-31 * 24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	due := strings.Replace(example, anchor, anchor+"\n  rfc3339       = "+fmt.Sprintf("%q", past), 1)

	const (
		token = "platformer_service_account_token.deployer"
		sa    = "platformer_service_account.deployer"
		timer = "time_rotating.monthly"
	)
	var token1, token2, id1, id2 string
	var settled map[string]string
	rotation := []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(timer, plancheck.ResourceActionCreate),
		plancheck.ExpectResourceAction(token, plancheck.ResourceActionUpdate),
		plancheck.ExpectResourceAction(sa, plancheck.ResourceActionNoop),
		plancheck.ExpectUnknownValue(token, tfjsonpath.New("token")),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		ExternalProviders:        external,
		CheckDestroy: func(s *terraform.State) error {
			if got := e.tokenStatus(token2); got != http.StatusUnauthorized {
				return fmt.Errorf("the last token still works after destroy (HTTP %d)", got)
			}
			return e.checkAccountsDestroyed(s)
		},
		Steps: []resource.TestStep{
			{
				// Created with a schedule that is already due: the next plan (with its
				// refresh, as on the next scheduled run) rotates the token in place.
				Config: e.exampleWithOwnRequirements(due),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: rotation,
				},
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					captureAttr(token, "token", &token1),
					captureAttr(token, "token_id", &id1),
					e.expectStatus(&token1, http.StatusOK, "the token in state"),
				),
			},
			{
				// The example as published: the due schedule is dropped and created again
				// from now; the token is renewed in place, and then nothing is due.
				Config: e.exampleWithOwnRequirements(example),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             rotation,
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(token, "token", &token2),
					captureAttr(token, "token_id", &id2),
					notEqual(&token1, &token2, "token"),
					notEqual(&id1, &id2, "token_id"),
					e.expectStatus(&token1, http.StatusUnauthorized, "the token before the rotation"),
					e.expectStatus(&token2, http.StatusOK, "the token after the rotation"),
					recordStateAttrs(&settled, token, timer, sa),
				),
			},
			{
				// terraform refresh (apply -refresh-only) changes nothing, and the plan
				// after it is empty.
				RefreshState: true,
				Check:        unchangedStateAttrs(&settled, token, timer, sa),
			},
		},
	})
}

// recordStateAttrs records the state attributes of the resources at addrs.
func recordStateAttrs(dst *map[string]string, addrs ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		*dst = map[string]string{}
		for _, addr := range addrs {
			rs, ok := s.RootModule().Resources[addr]
			if !ok {
				return fmt.Errorf("%s not in state", addr)
			}
			for k, v := range rs.Primary.Attributes {
				(*dst)[addr+"."+k] = v
			}
		}
		return nil
	}
}

// unchangedStateAttrs checks that the resources at addrs hold exactly the recorded attributes.
func unchangedStateAttrs(want *map[string]string, addrs ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		var got map[string]string
		if err := recordStateAttrs(&got, addrs...)(s); err != nil {
			return err
		}
		for k, v := range *want {
			if got[k] != v {
				if strings.HasSuffix(k, ".token") {
					return fmt.Errorf("%s changed on refresh", k)
				}
				return fmt.Errorf("%s changed on refresh: %q -> %q", k, v, got[k])
			}
		}
		for k := range got {
			if _, ok := (*want)[k]; !ok {
				return fmt.Errorf("%s appeared on refresh", k)
			}
		}
		return nil
	}
}
