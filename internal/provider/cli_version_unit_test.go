package provider

import (
	"strings"
	"testing"
)

// The CLI under test is told apart by `version`, not by `version -json` (OpenTofu calls
// its own version "terraform_version"), and each capability is granted by the first
// version of each CLI that has it.
func TestCLIInfo_versionsAndCapabilities(t *testing.T) {
	t.Parallel()
	parse := func(out string) cliInfo {
		t.Helper()
		c, err := parseCLIVersion(out)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tf111 := parse("Terraform v1.11.4\non linux_amd64\n")
	tf115 := parse("Terraform v1.15.9\non linux_amd64\n")
	tofu := parse("\nThere are some problems with the CLI configuration:\n\nOpenTofu v1.12.6\non linux_amd64\n")
	if tofu.String() != "OpenTofu 1.12.6" || !tofu.isTofu() || tf115.isTofu() || tf115.String() != "Terraform 1.15.9" {
		t.Fatalf("parsed %q, %q", tofu, tf115)
	}
	if tofu.registryHost() != "registry.opentofu.org" || tf111.registryHost() != "registry.terraform.io" {
		t.Errorf("registry hosts %q, %q", tofu.registryHost(), tf111.registryHost())
	}
	if _, err := parseCLIVersion(`{"terraform_version": "1.12.6"}`); err == nil {
		t.Error("version -json output was taken for a CLI's version line")
	}
	want := map[string][3]bool{ // Terraform 1.11.4, Terraform 1.15.9, OpenTofu 1.12.6
		capEphemeral.name:              {true, true, true},
		capWriteOnly.name:              {true, true, true},
		capIdentity.name:               {false, true, true},
		capListResources.name:          {false, true, false},
		capActions.name:                {false, true, false},
		capUnknownEphemeralResult.name: {true, true, false},
	}
	for _, cp := range []capability{capEphemeral, capWriteOnly, capIdentity, capListResources, capActions, capUnknownEphemeralResult} {
		for i, c := range []cliInfo{tf111, tf115, tofu} {
			ok, why := c.supports(cp)
			if ok != want[cp.name][i] {
				t.Errorf("%s supports %s: %v, want %v", c, cp.name, ok, want[cp.name][i])
			}
			if !ok && (!strings.Contains(why, cp.name) || !strings.Contains(why, c.String())) {
				t.Errorf("the reason %q does not name the behaviour and the CLI", why)
			}
		}
	}
}
