package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// The acceptance tests drive the real terraform CLI. By default each test gets its own
// emulator; with TF_ACC=1, PLATFORMER_API_URL and PLATFORMER_TOKEN set, they run
// against that Console instead (tests that need the emulator's clock or fault knobs
// skip there).
var realConsole bool

func TestMain(m *testing.M) {
	realConsole = os.Getenv("TF_ACC") == "1" && os.Getenv(envAPIURL) != "" && os.Getenv(envToken) != ""
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		found, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: the acceptance tests need the terraform CLI, and none was found on PATH. "+
				"Install terraform (1.11 or later) or set TF_ACC_TERRAFORM_PATH to its path. "+
				"The tests never download it.")
			os.Exit(1)
		}
		tf = found
	}
	if _, err := os.Stat(tf); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: TF_ACC_TERRAFORM_PATH=%s: %v\n", tf, err)
		os.Exit(1)
	}
	cli, err := detectCLI(tf)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: TF_ACC_TERRAFORM_PATH=%s: %v\n", tf, err)
		os.Exit(1)
	}
	testCLI = cli
	fmt.Fprintf(os.Stderr, "acceptance tests: %s (%s)\n", testCLI, tf)
	cliConfig, err := os.CreateTemp("", "platformer-acc-*.tfrc")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	_ = cliConfig.Close()
	for k, v := range map[string]string{
		"TF_ACC":                    "1",
		"TF_ACC_TERRAFORM_PATH":     tf,
		"TF_ACC_PROVIDER_NAMESPACE": "platformercloud",
		"TF_ACC_PROVIDER_HOST":      testCLI.registryHost(), // OpenTofu: registry.opentofu.org
		"CHECKPOINT_DISABLE":        "1",
		"TF_IN_AUTOMATION":          "1",
		"TF_CLI_CONFIG_FILE":        cliConfig.Name(),
	} {
		_ = os.Setenv(k, v)
	}
	code := m.Run()
	_ = os.Remove(cliConfig.Name())
	if builtProvider.dir != "" {
		_ = os.RemoveAll(builtProvider.dir)
	}
	os.Exit(code)
}

// accEnv is one test's Console: a fresh emulator, or the real one.
type accEnv struct {
	t      *testing.T
	em     *emulator.Running
	clock  *emulator.ManualClock
	URL    string
	Token  string
	OrgID  string
	ShopID string // a project of the organization
	DataID string // another project
}

// newAccEnv starts a fresh emulator for the test (or points at the real Console).
func newAccEnv(t *testing.T, opts ...func(*emulator.Options)) *accEnv {
	t.Helper()
	if realConsole {
		e := &accEnv{t: t, URL: os.Getenv(envAPIURL), Token: os.Getenv(envToken), OrgID: os.Getenv(envOrganizationID)}
		if e.OrgID == "" {
			t.Fatal("running against a real Console needs PLATFORMER_ORGANIZATION_ID too")
		}
		c := e.client()
		projects, err := c.ListProjects(context.Background(), e.OrgID)
		if err != nil || len(projects) < 2 {
			t.Fatalf("the real Console's organization needs two projects for these tests (err %v, found %d)", err, len(projects))
		}
		e.ShopID, e.DataID = projects[0].ID, projects[1].ID
		return e
	}
	clock := emulator.NewManualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	o := emulator.Options{Clock: clock}
	for _, f := range opts {
		f(&o)
	}
	em, err := emulator.Start(o)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(em.Close)
	if o.Clock != emulator.Clock(clock) {
		clock = nil // an option chose another clock (real time): the provider uses real time too
	}
	return &accEnv{t: t, em: em, clock: clock, URL: em.URL, Token: emulator.DefaultAdminToken,
		OrgID: emulator.OrganizationID, ShopID: emulator.ShopProjectID, DataID: emulator.DataProjectID}
}

// realTime runs the emulator on real time, for tests that run the built provider binary.
func realTime(o *emulator.Options) { o.Clock = nil }

// providerSchema is the provider's schema as the protocol gives it to Terraform.
func providerSchema(t *testing.T) *tfprotov6.GetProviderSchemaResponse {
	t.Helper()
	server, err := NewServer(New("test", "none"))()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// needEmulator skips a test that needs the emulator's clock or knobs on a real Console.
func (e *accEnv) needEmulator(why string) {
	e.t.Helper()
	if e.em == nil {
		e.t.Skipf("needs the emulator (%s); not run against the real Console at PLATFORMER_API_URL", why)
	}
}

// factories serve the provider in-process, sharing the emulator's clock.
func (e *accEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	var clock Clock = realClock{}
	if e.clock != nil {
		clock = e.clock
	}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"platformer": NewServer(newWithClock("test", "acc", clock)),
	}
}

// config prepends the provider requirements and configuration to a test configuration.
func (e *accEnv) config(body string) string {
	return e.providerBlock("") + body
}

// providerBlock is the provider requirements and the provider block for this Console,
// with extra arguments in the block.
func (e *accEnv) providerBlock(extra string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}

provider "platformer" {
  api_url         = %q
  token           = %q
  organization_id = %q
  max_retries     = 6
  %s
}
`, e.URL, e.Token, e.OrgID, extra)
}

// client is a Console client for checks made outside Terraform.
func (e *accEnv) client() *client.Client {
	return e.clientWithToken(e.Token)
}

func (e *accEnv) clientWithToken(token string) *client.Client {
	e.t.Helper()
	c, err := client.New(client.Config{BaseURL: e.URL, Token: token, UserAgent: "acceptance-test", MaxRetries: 6,
		RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 200 * time.Millisecond})
	if err != nil {
		e.t.Fatalf("client: %v", err)
	}
	return c
}

// tokenStatus makes a plain HTTP call with a token and returns the status code.
func (e *accEnv) tokenStatus(token string) int {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, strings.TrimRight(e.URL, "/")+"/auth/api/v1/organization/list", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("plain HTTP call: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// uniqueName gives each test its own account names on a shared real Console.
func (e *accEnv) uniqueName(base string) string {
	if e.em != nil {
		return base
	}
	return fmt.Sprintf("%s-%d", base, time.Now().UnixNano()%1_000_000)
}

// examplePath is a file under examples/, from this package's folder.
func examplePath(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "examples"}, parts...)...)
}

// expectMessage matches a diagnostic text exactly, however Terraform wraps its lines.
func expectMessage(text string) *regexp.Regexp {
	parts := strings.Fields(text)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, `\s+`))
}
