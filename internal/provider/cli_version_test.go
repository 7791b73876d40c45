package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The CLI under test: Terraform or OpenTofu, and its version. `make testacc-matrix`
// runs the whole suite once per CLI (TF_ACC_TERRAFORM_PATH); TestMain reads which one
// it is from `version`, because `version -json` reports OpenTofu's own version as
// "terraform_version" too, so a version alone cannot tell the CLIs apart.
//
// A test that needs a capability not every CLI has asks for it and is skipped, with
// the behaviour and the reason, on a CLI that lacks it:
//
//	requireCLI(t, capListResources)                                       // os/exec tests
//	TerraformVersionChecks: []tfversion.TerraformVersionCheck{cliSupports(capActions)} // plugin-testing
//
// Behaviour that differs but exists everywhere is handled, not skipped: branch on
// testCLI.isTofu() or testCLI.atLeast(1, 14) where the output or the address differs.

// cliKind is the CLI's family.
type cliKind string

const (
	kindTerraform cliKind = "Terraform"
	kindTofu      cliKind = "OpenTofu"
)

// cliInfo is the CLI under test, read once by TestMain.
type cliInfo struct {
	kind         cliKind
	major, minor int
	version      string // as printed, without "v": 1.12.6
}

// testCLI is the CLI that TF_ACC_TERRAFORM_PATH names (set by TestMain).
var testCLI = cliInfo{kind: kindTerraform, major: 1, minor: 11, version: "1.11"}

var cliVersionLine = regexp.MustCompile(`(?m)^(Terraform|OpenTofu) v(\d+)\.(\d+)\.(\S+)`)

// detectCLI runs `<path> version` and parses its first line ("Terraform v1.15.9",
// "OpenTofu v1.12.6").
func detectCLI(path string) (cliInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "version")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return cliInfo{}, fmt.Errorf("%s version: %v", path, err)
	}
	return parseCLIVersion(string(out))
}

func parseCLIVersion(out string) (cliInfo, error) {
	m := cliVersionLine.FindStringSubmatch(out)
	if m == nil {
		return cliInfo{}, fmt.Errorf("`version` printed neither \"Terraform v…\" nor \"OpenTofu v…\": %.200q", out)
	}
	major, _ := strconv.Atoi(m[2])
	minor, _ := strconv.Atoi(m[3])
	return cliInfo{kind: cliKind(m[1]), major: major, minor: minor, version: m[2] + "." + m[3] + "." + m[4]}, nil
}

func (c cliInfo) String() string { return string(c.kind) + " " + c.version }

func (c cliInfo) isTofu() bool { return c.kind == kindTofu }

// atLeast reports whether the CLI's version is major.minor or later (of its own family).
func (c cliInfo) atLeast(major, minor int) bool {
	return c.major > major || (c.major == major && c.minor >= minor)
}

// registryHost is the host that the CLI puts in front of a source without one: the
// host of the provider's address in reattach configurations, dev overrides, mirrors
// and lock files.
func (c cliInfo) registryHost() string {
	if c.isTofu() {
		return "registry.opentofu.org"
	}
	return "registry.terraform.io"
}

// capability is a feature of the protocol or the language that only some CLIs have.
type capability struct {
	name string
	// terraform and tofu are the first version of each CLI that has it, as
	// {major, minor}; {0, 0} means that CLI has none.
	terraform, tofu [2]int
	// note says more about a CLI that lacks it.
	note string
}

var (
	capEphemeral     = capability{name: "ephemeral resources", terraform: [2]int{1, 10}, tofu: [2]int{1, 11}}
	capWriteOnly     = capability{name: "write-only attributes", terraform: [2]int{1, 11}, tofu: [2]int{1, 11}}
	capIdentity      = capability{name: "resource identity", terraform: [2]int{1, 12}, tofu: [2]int{1, 12}}
	capListResources = capability{name: "list resources (terraform query)", terraform: [2]int{1, 14}}
	capActions       = capability{name: "actions (terraform apply -invoke)", terraform: [2]int{1, 14}}
	// OpenTofu 1.12 moves between resource types, but keeps the source's identity on the
	// moved object and fails to send it with the target's identity schema.
	capCrossTypeMove = capability{name: "moved between resource types with identities", terraform: [2]int{1, 8},
		note: ` (it keeps the source's identity: "attribute ... is required")`}
	// OpenTofu 1.12 rejects an ephemeral resource's result that is not wholly known,
	// which is all a provider can answer when its own configuration is unknown at plan.
	capUnknownEphemeralResult = capability{name: "an ephemeral resource's result left unknown at plan",
		terraform: [2]int{1, 10}, note: ` (it fails the plan: "Provider produced invalid object ... not wholly known")`}
)

// supports says whether the CLI has cp, and when it has not, why.
func (c cliInfo) supports(cp capability) (bool, string) {
	first := cp.terraform
	if c.isTofu() {
		first = cp.tofu
	}
	if first == [2]int{} {
		return false, fmt.Sprintf("%s: %s does not support it%s", cp.name, c, cp.note)
	}
	if !c.atLeast(first[0], first[1]) {
		return false, fmt.Sprintf("%s: needs %s %d.%d or later, this is %s", cp.name, c.kind, first[0], first[1], c)
	}
	return true, ""
}

// requireCLI skips the test, saying which behaviour and why, when the CLI under test
// lacks cp.
func requireCLI(t *testing.T, cp capability) {
	t.Helper()
	if ok, why := testCLI.supports(cp); !ok {
		t.Skipf("skipped on %s: %s", testCLI, why)
	}
}

// cliSupports is requireCLI as a plugin-testing TerraformVersionCheck, for a TestCase's
// TerraformVersionChecks.
func cliSupports(cp capability) tfversion.TerraformVersionCheck { return cliCapabilityCheck(cp) }

type cliCapabilityCheck capability

func (cp cliCapabilityCheck) CheckTerraformVersion(_ context.Context, _ tfversion.CheckTerraformVersionRequest,
	resp *tfversion.CheckTerraformVersionResponse) {
	if ok, why := testCLI.supports(capability(cp)); !ok {
		resp.Skip = fmt.Sprintf("skipped on %s: %s", testCLI, why)
	}
}

// closeComplete is how the CLI reports that an ephemeral resource's Close finished
// ("<addr>: Closing complete" / OpenTofu's "<addr>: Close complete").
func (c cliInfo) closeComplete() string {
	if c.isTofu() {
		return "Close complete"
	}
	return "Closing complete"
}

// opensPerEmptyApply is how many times `apply` opens an ephemeral resource when the plan
// has no change: in its plan and again in its apply walk, except OpenTofu, which does
// not walk the apply of an empty plan.
func (c cliInfo) opensPerEmptyApply() int {
	if c.isTofu() {
		return 1
	}
	return 2
}
