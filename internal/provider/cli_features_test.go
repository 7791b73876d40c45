package provider

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A local skip helper for the features that only newer CLIs have (resource identity,
// list resources, actions), until the CLI matrix's capability helper lands: it reads
// the version of the CLI under test (TF_ACC_TERRAFORM_PATH) and skips with a reason on
// a CLI that lacks the feature.

// cliFeature is a CLI feature a test needs.
type cliFeature struct {
	name             string
	terraform, tofu  [2]int // minimum major, minor; {0, 0}: never
	tofuHasNoFeature bool
}

var (
	featureIdentity = cliFeature{name: "resource identity", terraform: [2]int{1, 12}, tofu: [2]int{1, 12}}
	featureQuery    = cliFeature{name: "list resources (terraform query)", terraform: [2]int{1, 14}, tofuHasNoFeature: true}
	featureActions  = cliFeature{name: "actions (terraform apply -invoke)", terraform: [2]int{1, 14}, tofuHasNoFeature: true}
)

// cliVersion is the CLI under test: OpenTofu or Terraform, and its version.
type cliVersion struct {
	tofu         bool
	version      string
	major, minor int
	err          error
}

var testedCLI = sync.OnceValue(func() cliVersion {
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	out, err := exec.Command(path, "version", "-json").Output()
	if err != nil {
		return cliVersion{err: err}
	}
	var v struct {
		Version string `json:"terraform_version"` // OpenTofu reports its version under this key too
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return cliVersion{err: err}
	}
	plain, err := exec.Command(path, "version").Output()
	if err != nil {
		return cliVersion{err: err}
	}
	c := cliVersion{tofu: strings.Contains(string(plain), "OpenTofu"), version: v.Version}
	parts := strings.SplitN(v.Version, ".", 3)
	if len(parts) >= 2 {
		c.major, _ = strconv.Atoi(parts[0])
		c.minor, _ = strconv.Atoi(parts[1])
	}
	return c
})

func (c cliVersion) String() string {
	if c.tofu {
		return "OpenTofu " + c.version
	}
	return "Terraform " + c.version
}

// has reports whether the CLI has the feature.
func (c cliVersion) has(f cliFeature) bool {
	floor := f.terraform
	if c.tofu {
		if f.tofuHasNoFeature {
			return false
		}
		floor = f.tofu
	}
	return c.major > floor[0] || c.major == floor[0] && c.minor >= floor[1]
}

// skipWithoutCLIFeature skips the test on a CLI that lacks f.
func skipWithoutCLIFeature(t *testing.T, f cliFeature) {
	t.Helper()
	c := testedCLI()
	if c.err != nil {
		t.Fatalf("reading the version of the CLI under test (%s): %v", os.Getenv("TF_ACC_TERRAFORM_PATH"), c.err)
	}
	if !c.has(f) {
		t.Skipf("%s lacks %s: run with TF_ACC_TERRAFORM_PATH set to a CLI that has it (Terraform %d.%d or later)",
			c, f.name, f.terraform[0], f.terraform[1])
	}
}

// skipOnTofu skips a test that drives the terraform CLI through the os/exec helpers,
// which serve the provider under registry.terraform.io.
func skipOnTofu(t *testing.T) {
	t.Helper()
	if testedCLI().tofu {
		t.Skip("the os/exec CLI helpers serve the provider at registry.terraform.io; this test runs on Terraform only")
	}
}
