package provider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// The helpers that drive the terraform CLI with os/exec, for the tests that check what
// terraform-plugin-testing hides, and that build and run this repository's binaries (the
// provider as a plugin through dev_overrides, the emulator as its own process): each is
// built at most once per test binary.

// The reliability tests drive the terraform CLI themselves (os/exec) instead of through
// terraform-plugin-testing, because what they check is what plugin-testing hides: the
// exit code of each run, Terraform's warnings (printed on stdout), the full error text,
// a saved plan applied after the Console changed, and a process to interrupt. The
// provider is still served in-process, the way plugin-testing serves it
// (TF_REATTACH_PROVIDERS), so it shares the emulator's ManualClock and needs no build;
// newBuiltCLIDir sets cliDir.binary to run the built provider instead.
//
// One caveat of serving in-process: every configuration of the provider in a run
// (aliases included) is served by the one server, which keeps the data of the last
// ConfigureProvider, so these tests use one provider configuration per run.

// providerAddress is the provider's address as the CLI under test resolves the
// configuration's source "platformercloud/platformer": registry.terraform.io/... for
// Terraform, registry.opentofu.org/... for OpenTofu (the key of TF_REATTACH_PROVIDERS).
func providerAddress() string { return testCLI.registryHost() + "/platformercloud/platformer" }

// cliDir is one Terraform working directory.
type cliDir struct {
	t   *testing.T
	e   *accEnv
	dir string
	// env is added to the environment of every terraform command.
	env []string
	// binary, when set, is a built provider in a folder that a CLI configuration's
	// dev_overrides points at: the provider then runs as Terraform runs it in
	// production, as a child process of terraform, instead of in-process.
	binary string
}

// cliResult is one finished terraform command.
type cliResult struct {
	args           []string
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r cliResult) String() string {
	return fmt.Sprintf("terraform %s: exit %d after %s\n--- stdout\n%s\n--- stderr\n%s", strings.Join(r.args, " "), r.code,
		r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// errorSummaries are the summaries of the errors Terraform printed.
func (r cliResult) errorSummaries() []string { return diagSummaries(r.stderr+r.stdout, "Error") }

// warningSummaries are the summaries of the warnings Terraform printed.
func (r cliResult) warningSummaries() []string { return diagSummaries(r.stdout+r.stderr, "Warning") }

var diagLine = regexp.MustCompile(`(?m)^[│|]?\s*(Error|Warning): (.+?)\s*$`)

func diagSummaries(out, severity string) []string {
	var s []string
	for _, m := range diagLine.FindAllStringSubmatch(out, -1) {
		if m[1] == severity {
			s = append(s, m[2])
		}
	}
	return s
}

// newCLIDir makes an empty working directory against e's Console.
func newCLIDir(e *accEnv) *cliDir {
	e.t.Helper()
	return &cliDir{t: e.t, e: e, dir: e.t.TempDir()}
}

// write replaces main.tf.
func (c *cliDir) write(config string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, "main.tf"), []byte(config), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// run runs one terraform command to its end.
func (c *cliDir) run(args ...string) cliResult {
	c.t.Helper()
	return c.start(args...).wait(3 * time.Minute)
}

// must runs a command that has to succeed.
func (c *cliDir) must(args ...string) cliResult {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("expected success:\n%s", r)
	}
	return r
}

// cliProc is a terraform command in progress.
type cliProc struct {
	c              *cliDir
	args           []string
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	started        time.Time
	done           chan struct{}
	err            error
	stopProvider   func()
	cancel         context.CancelFunc
}

// start starts a terraform command, with the provider served in-process unless
// c.binary is set.
func (c *cliDir) start(args ...string) *cliProc {
	c.t.Helper()
	return c.launch(false, args)
}

// startKillable starts a terraform command in a process group of its own, so that it
// and the provider it starts can be killed together.
func (c *cliDir) startKillable(args ...string) *cliProc {
	c.t.Helper()
	if c.binary == "" {
		c.t.Fatal("startKillable runs a built provider: set cliDir.binary")
	}
	return c.launch(true, args)
}

func (c *cliDir) launch(ownGroup bool, args []string) *cliProc {
	c.t.Helper()
	args = withNoColor(args)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	p := &cliProc{c: c, args: args, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{}),
		cancel: cancel, stopProvider: func() {}}
	env := append(os.Environ(), "TF_INPUT=0")
	if c.binary == "" {
		reattach, stop := serveInProcess(c.t, c.e)
		p.stopProvider = stop
		env = append(env, "TF_REATTACH_PROVIDERS="+reattach)
	}
	env = append(env, c.env...)
	p.cmd = exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), args...)
	p.cmd.Dir = c.dir
	p.cmd.Env = env
	p.cmd.Stdout = p.stdout
	p.cmd.Stderr = p.stderr
	if ownGroup {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		p.stopProvider()
		cancel()
		c.t.Fatalf("start terraform %v: %v", args, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p
}

// awaitOutput waits until terraform has printed text on stdout, or timeout has passed.
func (p *cliProc) awaitOutput(text string, timeout time.Duration) {
	for deadline := time.Now().Add(timeout); !strings.Contains(p.stdout.String(), text) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}

// withNoColor adds -no-color after the subcommands that print diagnostics.
func withNoColor(args []string) []string {
	switch {
	case len(args) == 0:
		return args
	case args[0] == "init" || args[0] == "plan" || args[0] == "apply" || args[0] == "destroy" || args[0] == "import" ||
		args[0] == "output" || args[0] == "refresh":
		return append([]string{args[0], "-no-color"}, args[1:]...)
	}
	return args
}

// interrupt sends SIGINT, as Ctrl-C in a terminal does.
func (p *cliProc) interrupt() {
	p.c.t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		p.c.t.Fatalf("interrupt terraform: %v", err)
	}
}

// wait waits for the command to end (killing it after timeout) and stops the provider.
func (p *cliProc) wait(timeout time.Duration) cliResult {
	p.c.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.cancel()
		<-p.done
		p.c.t.Errorf("terraform %v did not finish within %s: killed", p.args, timeout)
	}
	took := time.Since(p.started)
	p.cancel()
	p.stopProvider()
	r := cliResult{args: p.args, stdout: p.stdout.String(), stderr: p.stderr.String(), took: took}
	var exit *exec.ExitError
	switch {
	case p.err == nil:
	case errors.As(p.err, &exit):
		r.code = exit.ExitCode()
	default:
		p.c.t.Fatalf("terraform %v: %v", p.args, p.err)
	}
	if strings.Contains(r.stdout+r.stderr, "panic:") || strings.Contains(r.stdout+r.stderr, "crashed") {
		p.c.t.Errorf("terraform or the provider panicked:\n%s", r)
	}
	return r
}

// serveInProcess serves a fresh provider instance for one terraform command and returns
// the TF_REATTACH_PROVIDERS value, and a function that stops serving.
func serveInProcess(t *testing.T, e *accEnv) (string, func()) {
	t.Helper()
	factory := e.factories()["platformer"]
	ctx, cancel := context.WithCancel(context.Background())
	configCh := make(chan *plugin.ReattachConfig, 1)
	closeCh := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(providerAddress(), func() tfprotov6.ProviderServer {
			s, err := factory()
			if err != nil {
				panic(err)
			}
			return s
		}, tf6server.WithDebug(ctx, configCh, closeCh),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithLoggingSink(t))
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-configCh:
	case err := <-served:
		cancel()
		t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serving the provider: no reattach configuration within 30s")
	}
	type addr struct{ Network, String string }
	type reattach struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	b, err := json.Marshal(map[string]reattach{providerAddress(): {
		Protocol: string(cfg.Protocol), ProtocolVersion: cfg.ProtocolVersion, Pid: cfg.Pid, Test: cfg.Test,
		Addr: addr{Network: cfg.Addr.Network(), String: cfg.Addr.String()},
	}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return string(b), func() {
		cancel()
		select {
		case <-closeCh:
		case <-time.After(30 * time.Second):
			t.Error("the in-process provider did not stop within 30s")
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// ---- state, read from terraform.tfstate ------------------------------------------------

// cliInstance is one resource instance in the state file.
type cliInstance struct {
	Type  string
	Addr  string
	Attrs map[string]any
}

func (i cliInstance) str(name string) string {
	s, _ := i.Attrs[name].(string)
	return s
}

// state reads terraform.tfstate (never through terraform show, whose output would hold
// the tokens).
func (c *cliDir) state() []cliInstance {
	c.t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Mode, Type, Name string
			Instances        []struct {
				IndexKey   any            `json:"index_key"`
				Attributes map[string]any `json:"attributes"`
			}
		}
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		c.t.Fatalf("terraform.tfstate: %v", err)
	}
	var out []cliInstance
	for _, r := range st.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			addr := r.Type + "." + r.Name
			if in.IndexKey != nil {
				addr += fmt.Sprintf("[%v]", in.IndexKey)
			}
			out = append(out, cliInstance{Type: r.Type, Addr: addr, Attrs: in.Attributes})
		}
	}
	return out
}

// ---- this repository's binaries, built once per test binary -----------------------------

// builtProvider is the folder (removed by TestMain) of the provider binary and of dev.tfrc,
// a CLI configuration whose dev_overrides make terraform run that binary.
var builtProvider struct {
	once sync.Once
	dir  string
	err  error
}

var builtEmulator struct {
	once sync.Once
	err  error
}

const providerBinaryName = "terraform-provider-platformer"

// goBuild builds the package pkg of this repository into out.
func goBuild(out, pkg string) error {
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", out, pkg)
	cmd.Dir = filepath.Join("..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// providerBinaryDir builds the provider and writes dev.tfrc, once per test binary, and
// returns their folder.
func providerBinaryDir(t *testing.T) string {
	t.Helper()
	builtProvider.once.Do(func() {
		builtProvider.dir, builtProvider.err = os.MkdirTemp("", "platformer-provider-")
		if builtProvider.err != nil {
			return
		}
		rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"platformercloud/platformer\" = %q\n  }\n  direct {}\n}\n",
			builtProvider.dir)
		if builtProvider.err = os.WriteFile(filepath.Join(builtProvider.dir, "dev.tfrc"), []byte(rc), 0o600); builtProvider.err != nil {
			return
		}
		builtProvider.err = goBuild(filepath.Join(builtProvider.dir, providerBinaryName), ".")
	})
	if builtProvider.err != nil {
		t.Fatalf("building the provider: %v", builtProvider.err)
	}
	return builtProvider.dir
}

// devCLIConfig is the CLI configuration file that makes terraform run the built provider.
func devCLIConfig(t *testing.T) string {
	t.Helper()
	return filepath.Join(providerBinaryDir(t), "dev.tfrc")
}

// useBuiltProvider makes terraform run the provider binary built from this repository
// (through dev_overrides) instead of the in-process server, for a test that needs what
// only separate plugin processes give: one provider instance per alias. Such a test
// sets the environment, so it is not parallel; its TestCase names no factories.
func useBuiltProvider(t *testing.T) {
	t.Helper()
	t.Setenv("TF_CLI_CONFIG_FILE", devCLIConfig(t))
}

// newBuiltCLIDir is an empty working directory whose terraform runs the provider binary
// built from this repository as a plugin (dev_overrides), as Terraform runs it in
// production; env is added to the environment of every command.
func newBuiltCLIDir(e *accEnv, env ...string) *cliDir {
	e.t.Helper()
	c := newCLIDir(e)
	c.binary = filepath.Join(providerBinaryDir(e.t), providerBinaryName)
	c.env = append([]string{"TF_CLI_CONFIG_FILE=" + devCLIConfig(e.t)}, env...)
	return c
}

// buildEmulatorBinary builds cmd/platformer-emulator, beside the provider, once per test
// binary.
func buildEmulatorBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(providerBinaryDir(t), "platformer-emulator")
	builtEmulator.once.Do(func() {
		builtEmulator.err = goBuild(bin, "./internal/emulator/cmd/platformer-emulator")
	})
	if builtEmulator.err != nil {
		t.Fatalf("building the emulator: %v", builtEmulator.err)
	}
	return bin
}

// emulatorProcess is a running platformer-emulator.
type emulatorProcess struct{ url string }

// startEmulatorProcess runs the emulator binary on a free loopback port until the test ends.
func startEmulatorProcess(t *testing.T, bin string, flags ...string) *emulatorProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, flags...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the emulator: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
				found <- strings.TrimSpace(url)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case url := <-found:
		return &emulatorProcess{url: url}
	case <-time.After(30 * time.Second):
		t.Fatalf("the emulator did not say where it listens within 30s; stderr:\n%s", stderr.String())
		return nil
	}
}

// stats reads the emulator's request counters through its control route.
func (p *emulatorProcess) stats(t *testing.T) emulator.Stats {
	t.Helper()
	resp, err := http.Get(p.url + "/_emulator/stats")
	if err != nil {
		t.Fatalf("emulator stats: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var s emulator.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("emulator stats: %v", err)
	}
	return s
}

// expectEmptyPlans checks that plan and plan -refresh-only both find nothing to do.
func expectEmptyPlans(t *testing.T, c *cliDir, when string) {
	t.Helper()
	if r := c.run("plan", "-detailed-exitcode"); r.code != 0 {
		t.Errorf("%s: expected terraform plan -detailed-exitcode to find nothing to do:\n%s", when, r)
	}
	if r := c.run("plan", "-refresh-only", "-detailed-exitcode"); !c.refreshOnlyEmpty(r) {
		t.Errorf("%s: expected terraform plan -refresh-only -detailed-exitcode to find nothing to do:\n%s", when, r)
	}
}

// ---- plans judged by their JSON -------------------------------------------------------

// refreshOnlyEmpty says whether `plan -refresh-only -detailed-exitcode` found nothing to
// change, given its result r. Terraform 1.15 exits 2 on refresh-only plans that hold no
// change at all when the configuration reads data sources (its `show -json` lists no
// drift, no resource change and no output change, and `apply -refresh-only` leaves the
// state as it was); so there an exit 2 is judged by the plan itself, saved and shown as
// JSON. Every other CLI's exit code is taken as it is.
func (c *cliDir) refreshOnlyEmpty(r cliResult) bool {
	c.t.Helper()
	if r.code != 2 || testCLI.isTofu() || !testCLI.atLeast(1, 15) {
		return r.code == 0
	}
	out := filepath.Join(c.t.TempDir(), "refresh-only.tfplan")
	if p := c.run("plan", "-refresh-only", "-out="+out); p.code != 0 {
		c.t.Fatalf("saving the refresh-only plan:\n%s", p)
	}
	show := c.run("show", "-json", out)
	if show.code != 0 {
		c.t.Fatalf("terraform show -json of the refresh-only plan failed (exit %d):\n%s", show.code, show.stderr)
	}
	changes, err := planChanges(show.stdout)
	if err != nil {
		c.t.Fatalf("reading terraform show -json of the refresh-only plan: %v", err)
	}
	if len(changes) > 0 {
		c.t.Logf("the refresh-only plan holds %s", strings.Join(changes, ", "))
	}
	return len(changes) == 0
}

// planChanges lists what a plan's JSON (`show -json`) would change: drift, resource
// changes and output changes other than no-op (never their values: they may hold
// secrets).
func planChanges(planJSON string) ([]string, error) {
	type change struct {
		Actions []string `json:"actions"`
	}
	var plan struct {
		Drift []struct {
			Address string
			Change  change
		} `json:"resource_drift"`
		Changes []struct {
			Address string
			Change  change
		} `json:"resource_changes"`
		Outputs map[string]change `json:"output_changes"`
	}
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		return nil, err
	}
	noop := func(c change) bool { return len(c.Actions) == 1 && c.Actions[0] == "no-op" }
	var out []string
	for _, d := range plan.Drift {
		out = append(out, "drift of "+d.Address)
	}
	for _, rc := range plan.Changes {
		if !noop(rc.Change) {
			out = append(out, fmt.Sprintf("%v %s", rc.Change.Actions, rc.Address))
		}
	}
	for name, oc := range plan.Outputs {
		if !noop(oc) {
			out = append(out, fmt.Sprintf("%v output.%s", oc.Actions, name))
		}
	}
	return out, nil
}
