package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// guidesAppliedElsewhere are guide examples that a test of their own applies, because
// they need what the in-process provider cannot give (one provider instance per alias:
// the built binary).
var guidesAppliedElsewhere = map[string]string{
	"guides/ephemeral-account":          "TestAccServiceAccountEphemeral_endToEnd",
	"guides/token-for-a-provider-alias": "TestAccTokenIntoAlias_example",
	"guides/token-to-rotation":          "TestAccServiceAccountRotatingToken_moveExample", // a move: two configurations
}

// Every example under examples/resources and examples/data-sources, and every guide
// example that needs no other provider, is applied and destroyed against the emulator,
// so the documentation shows configurations that work. Guide examples that also need
// hashicorp/time are applied by TestAccExamplesWithTime (examples_time_test.go), with
// the real provider installed from a filesystem_mirror; those in
// guidesAppliedElsewhere by the test named there.
func TestAccExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(examplePath("*", "*", "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	type example struct {
		name, body      string
		ownRequirements bool
	}
	var examples []example
	for _, file := range files {
		switch filepath.Base(file) {
		case "resource.tf", "data-source.tf":
		default:
			continue // guides below; import blocks name example ids
		}
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(file) // examples/<kind>/<type>
		examples = append(examples, example{filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir), string(body), false})
	}
	for _, g := range guideExamples(t) {
		if _, elsewhere := guidesAppliedElsewhere[g.name]; !elsewhere && !g.needsTime {
			examples = append(examples, example{g.name, g.body, g.ownRequirements})
		}
	}
	if len(examples) < 7 {
		t.Fatalf("expected at least 7 examples, found %d", len(examples))
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			e := newAccEnv(t)
			e.needEmulator("the examples name the emulator's seeded projects")
			config := e.config(ex.body)
			if ex.ownRequirements {
				config = e.exampleWithOwnRequirements(ex.body)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy:             e.checkAccountsDestroyed,
				Steps:                    []resource.TestStep{{Config: config}},
			})
		})
	}
}

// guideExample is the configuration of a guide under examples/guides.
type guideExample struct {
	name, body string
	// ownRequirements: it has its own terraform block with required_providers.
	ownRequirements bool
	// needsTime: it requires hashicorp/time.
	needsTime bool
}

var (
	requiredProviders = regexp.MustCompile(`(?m)^\s*required_providers\s*\{`)
	providerSource    = regexp.MustCompile(`(?m)^\s*source\s*=\s*"([^"]+)"`)
)

// guideExamples reads examples/guides/*/*.tf. An example may declare its own
// required_providers only for platformercloud/platformer and hashicorp/time: the tests
// have no other provider to install (nothing is downloaded).
func guideExamples(t *testing.T) []guideExample {
	t.Helper()
	files, err := filepath.Glob(examplePath("guides", "*", "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	var out []guideExample
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		g := guideExample{name: "guides/" + filepath.Base(filepath.Dir(file)), body: string(body),
			ownRequirements: requiredProviders.MatchString(string(body))}
		for _, m := range providerSource.FindAllStringSubmatch(g.body, -1) {
			switch m[1] {
			case "platformercloud/platformer":
			case "hashicorp/time":
				g.needsTime = true
			default:
				t.Fatalf("%s needs provider %q, which the tests cannot install: "+
					"pin it in tools/go.mod, build it in `make tools` and serve it from a filesystem_mirror "+
					"as examples_time_test.go does for hashicorp/time", file, m[1])
			}
		}
		out = append(out, g)
	}
	if !slices.ContainsFunc(out, func(g guideExample) bool { return g.needsTime }) {
		t.Fatal("no guide example uses hashicorp/time: examples/guides/rotation-with-time-rotating is missing")
	}
	return out
}
