package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Every example under examples/resources and examples/data-sources is applied and
// destroyed against the emulator, so the documentation shows configurations that work.
func TestAccExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(examplePath("*", "*", "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	var run int
	for _, file := range files {
		switch filepath.Base(file) {
		case "resource.tf", "data-source.tf":
		default:
			continue // import blocks name example ids
		}
		run++
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			t.Parallel()
			e := newAccEnv(t)
			e.needEmulator("the examples name the emulator's seeded projects")
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy:             e.checkAccountsDestroyed,
				Steps:                    []resource.TestStep{{Config: e.config(string(body))}},
			})
		})
	}
	if run < 6 {
		t.Fatalf("expected at least 6 examples, found %d", run)
	}
}
