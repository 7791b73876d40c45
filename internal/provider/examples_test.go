package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Every example under examples/resources and examples/data-sources, and every guide
// example that needs no other provider, is applied and destroyed against the emulator,
// so the documentation shows configurations that work.
func TestAccExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(examplePath("*", "*", "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	var run int
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case filepath.Base(file) == "resource.tf", filepath.Base(file) == "data-source.tf":
		case filepath.Base(filepath.Dir(filepath.Dir(file))) == "guides" && !strings.Contains(string(body), "required_providers"):
			// a guide's example that needs only this provider (the others would be downloaded)
		default:
			continue // import blocks name example ids
		}
		run++
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			t.Parallel()
			e := newAccEnv(t)
			e.needEmulator("the examples name the emulator's seeded projects")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy:             e.checkAccountsDestroyed,
				Steps:                    []resource.TestStep{{Config: e.config(string(body))}},
			})
		})
	}
	if run < 7 {
		t.Fatalf("expected at least 7 examples, found %d", run)
	}
}
