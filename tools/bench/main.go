// Command bench measures the Platformer provider against the local Console emulator
// and against Terraform core's own cost (2N terraform_data resources).
//
// For each N it times a cold apply, a no-change plan, an apply changing every
// account, and a destroy of N service accounts + N tokens, and the same phases of the
// baseline; it counts the provider's API calls per phase from the emulator's
// /_emulator/stats and samples the provider's peak RSS from /proc. It prints a
// Markdown table and writes results.md, results.json and bench.png.
//
//	go run ./bench -repo .. -n 50,200,1000                    # the N sweep
//	go run ./bench -repo .. -scenario ratelimit               # N=200 created then renewed at 20, 10, 5, 2 req/s
//	go run ./bench -repo .. -latency 20ms -rate-limit 50 -rps 50
//	go run ./bench -repo .. -ref-baseline                     # + a baseline shaped like ours
//	go run ./bench -repo .. -n 200 -env TF_LOG_SDK=OFF        # what-if: provider environment
//	go run ./bench -repo .. -replot ../bench-results/results.json  # redraw only
//
// scripts/bench.sh (make bench) builds and runs it. Linux only (/proc).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the flags.
type options struct {
	ns          []int
	limits      []float64 // the ratelimit scenario's emulator limits
	latency     time.Duration
	rateLimit   float64 // emulator -rate-limit
	rps         float64 // provider requests_per_second
	out         string
	scenario    string
	repo        string
	work        string
	keep        bool
	repeat      int
	updateMaxN  int
	terraform   string
	cmdTimeout  time.Duration
	strict      bool
	extraEnv    envList
	refBaseline bool
	shape       string
	floor       bool
	noDestroy   bool
	replot      string
	explicitSet map[string]bool
}

const (
	scenarioDefault   = "default"
	scenarioRateLimit = "ratelimit"
	scenarioAll       = "all"

	rateLimitN = 200
)

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nList := fs.String("n", "50,200,1000", "comma-separated N: each run has N service accounts + N tokens (baseline: 2N terraform_data)")
	fs.DurationVar(&o.latency, "latency", 0, "emulator -latency added to every API request")
	fs.Float64Var(&o.rateLimit, "rate-limit", 0, "emulator -rate-limit of the N sweep, requests per second; 0: none")
	limits := fs.String("limits", "20,10,5,2", "ratelimit scenario: the emulator limits, requests per second, run one after the other")
	fs.Float64Var(&o.rps, "rps", 0, "provider requests_per_second; 0: not set (the default, in both scenarios)")
	fs.StringVar(&o.out, "out", "bench-results", "results folder (relative to -repo unless absolute)")
	fs.StringVar(&o.scenario, "scenario", scenarioDefault, "default: the N sweep; ratelimit: N=200 accounts with tokens created, then all renewed in one apply, under each of -limits; all: both")
	fs.StringVar(&o.repo, "repo", ".", "root of the provider repository (holds go.mod and internal/emulator)")
	fs.StringVar(&o.work, "work", "", "scratch directory for binaries, configurations, state and logs (default: a new temp dir, removed at the end)")
	fs.BoolVar(&o.keep, "keep", false, "keep the scratch directory")
	fs.IntVar(&o.repeat, "repeat", 1, "runs of each phase; the median is reported")
	fs.IntVar(&o.updateMaxN, "update-max-n", 200, "also time an apply that changes every account's description (one write per changed object) for N up to this; 0: never")
	fs.StringVar(&o.terraform, "terraform", "terraform", "terraform binary (looked up in PATH)")
	fs.DurationVar(&o.cmdTimeout, "timeout", 15*time.Minute, "time limit of one terraform command")
	fs.BoolVar(&o.strict, "strict", false, "exit 3 when a target is missed")
	fs.BoolVar(&o.refBaseline, "ref-baseline", false, "also time apply and plan of a baseline with ours' reference shape: N terraform_data + N more, each referencing one of the first as -shape says")
	fs.BoolVar(&o.floor, "floor", false, "also time apply and plan of the floor: ours' configuration served by tools/floorprovider, the provider's schemas with resources that call no API")
	fs.BoolVar(&o.noDestroy, "no-destroy", false, "skip the destroy phase of the sweep (every apply starts from an empty state anyway): for repeats of apply and plan")
	fs.StringVar(&o.shape, "shape", shapeList, "how each token names its account: list (local.ids[count.index], ids = platformer_service_account.sa[*].id) or index (platformer_service_account.sa[count.index].id, O(N²) in Terraform core)")
	fs.StringVar(&o.replot, "replot", "", "only rewrite the Markdown and the plot in -out from this results.json (no run)")
	fs.Var(&o.extraEnv, "env", "KEY=VALUE added to the environment of terraform and so of the provider, e.g. TF_LOG_SDK=OFF (repeatable; for what-if runs)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.explicitSet = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.explicitSet[f.Name] = true })
	ns, err := parseNs(*nList)
	if err != nil {
		return o, err
	}
	o.ns = ns
	if o.limits, err = parseLimits(*limits); err != nil {
		return o, err
	}
	switch {
	case o.latency < 0:
		return o, errors.New("-latency must not be negative")
	case o.rateLimit < 0 || o.rps < 0:
		return o, errors.New("-rate-limit and -rps must not be negative")
	case o.repeat < 1:
		return o, errors.New("-repeat must be at least 1")
	case o.cmdTimeout <= 0:
		return o, errors.New("-timeout must be positive")
	case o.shape != shapeList && o.shape != shapeIndex:
		return o, fmt.Errorf("-shape %q: want %s or %s", o.shape, shapeList, shapeIndex)
	}
	switch o.scenario {
	case scenarioDefault, scenarioRateLimit, scenarioAll:
	default:
		return o, fmt.Errorf("-scenario must be %s, %s or %s", scenarioDefault, scenarioRateLimit, scenarioAll)
	}
	return o, nil
}

// envList is a repeatable -env KEY=VALUE flag.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

// parseNs parses "50,200,1000" into sorted, distinct, positive sizes.
func parseNs(s string) ([]int, error) {
	var ns []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 10000 {
			return nil, fmt.Errorf("-n: %q is not a size between 1 and 10000", f)
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return nil, errors.New("-n: no size given")
	}
	slices.Sort(ns)
	return slices.Compact(ns), nil
}

// bench holds what every step needs.
type bench struct {
	opts         options
	repo, work   string
	out          string
	terraformBin string
	tfEnv        []string
	cmdTimeout   time.Duration
	providerDir  string
	emulatorBin  string
	log          io.Writer
	// refPad pads the reference-shaped baseline to ours' state size; refSizes records
	// the sizes measured at the warm-up (mean compact attributes JSON per instance).
	refPad   refPadding
	refSizes map[string]float64
	// floorEnv runs terraform with the floor provider (-floor) in place of ours.
	floorEnv []string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if opts.replot != "" {
		if err := replot(opts, stdout); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		return 0
	}
	b, cleanup, err := setup(ctx, opts, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	defer cleanup()

	started := time.Now()
	rep := &Report{
		Scenario:  opts.scenario,
		StartedAt: started,
		Env: envInfo{
			Terraform:    terraformVersion(ctx, b.terraformBin, b.tfEnv),
			Go:           runtime.Version(),
			OS:           runtime.GOOS + "/" + runtime.GOARCH,
			CPUs:         runtime.NumCPU(),
			Commit:       gitCommit(b.repo),
			LoadAvgStart: loadAvg(),
		},
		Settings: settings{
			Ns:                opts.ns,
			Latency:           opts.latency.String(),
			EmulatorRateLimit: opts.rateLimit,
			ProviderRPS:       opts.rps,
			Repeat:            opts.repeat,
			Parallelism:       "Terraform's default (10)",
			UpdateMaxN:        opts.updateMaxN,
			ExtraEnv:          opts.extraEnv,
			Shape:             opts.shape,
		},
	}
	failed := false
	if opts.scenario == scenarioDefault || opts.scenario == scenarioAll {
		if err := b.sweep(ctx, rep); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			failed = true
		}
	}
	if ctx.Err() == nil && (opts.scenario == scenarioRateLimit || opts.scenario == scenarioAll) {
		if err := b.rateLimited(ctx, rep); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			failed = true
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "bench: interrupted; no results written")
		return 130
	}
	if len(rep.Sizes) == 0 && len(rep.RateLimits) == 0 {
		fmt.Fprintln(stderr, "bench: nothing measured; no results written")
		return 1
	}
	rep.Env.LoadAvgEnd = loadAvg()
	rep.Duration = time.Since(started).Round(time.Second).String()
	rep.Targets = evaluateTargets(rep)

	if err := b.write(rep); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, summary(rep))
	fmt.Fprintf(stdout, "\nwritten to %s\n", b.out)
	for _, s := range rep.Sizes {
		for _, p := range append(slices.Clone(s.Ours), s.Baseline...) {
			failed = failed || p.Error != ""
		}
	}
	for _, rl := range rep.RateLimits {
		failed = failed || rl.Error != "" || rl.Create.Error != "" || rl.Renew.Error != ""
	}
	if failed {
		return 1
	}
	if opts.strict {
		for _, t := range rep.Targets {
			if t.Result == resultFail {
				return 3
			}
		}
	}
	return 0
}

// setup resolves paths, makes the scratch dir, builds the provider and the emulator and
// writes the Terraform CLI configuration.
func setup(ctx context.Context, opts options, stderr io.Writer) (*bench, func(), error) {
	repo, err := filepath.Abs(opts.repo)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(repo, "internal", "emulator", "cmd", "platformer-emulator")); err != nil {
		return nil, nil, fmt.Errorf("-repo %s: not the provider repository (no internal/emulator/cmd/platformer-emulator)", repo)
	}
	out := opts.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(repo, out)
	}
	tf, err := exec.LookPath(opts.terraform)
	if err != nil {
		return nil, nil, fmt.Errorf("terraform not found (%s): install it on PATH; the bench never downloads it", opts.terraform)
	}
	work, removeWork := opts.work, !opts.keep && opts.work == ""
	if work == "" {
		if work, err = os.MkdirTemp("", "platformer-bench."); err != nil {
			return nil, nil, err
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, nil, err
	}
	if work, err = filepath.Abs(work); err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		switch {
		case removeWork:
			_ = os.RemoveAll(work)
		case opts.keep:
			fmt.Fprintf(stderr, "bench: scratch directory (logs, state) kept: %s\n", work)
		}
	}
	b := &bench{
		opts:         opts,
		repo:         repo,
		work:         work,
		out:          out,
		terraformBin: tf,
		cmdTimeout:   opts.cmdTimeout,
		providerDir:  filepath.Join(work, "providers"),
		emulatorBin:  filepath.Join(work, "platformer-emulator"),
		log:          stderr,
	}
	b.logf("building the provider and the emulator from %s", repo)
	if err := goBuild(ctx, repo, filepath.Join(b.providerDir, providerBinary), "."); err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := goBuild(ctx, repo, b.emulatorBin, "./internal/emulator/cmd/platformer-emulator"); err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Join(work, "logs"), 0o755); err != nil {
		cleanup()
		return nil, nil, err
	}
	rc := filepath.Join(work, "terraform.rc")
	if err := os.WriteFile(rc, []byte(cliConfig(b.providerDir)), 0o644); err != nil {
		cleanup()
		return nil, nil, err
	}
	b.tfEnv = append(terraformEnv(os.Environ(), rc), opts.extraEnv...)
	if opts.floor {
		floorDir := filepath.Join(work, "floor-providers")
		if err := goBuild(ctx, filepath.Join(repo, "tools"), filepath.Join(floorDir, providerBinary), "./floorprovider"); err != nil {
			cleanup()
			return nil, nil, err
		}
		floorRC := filepath.Join(work, "terraform-floor.rc")
		if err := os.WriteFile(floorRC, []byte(cliConfig(floorDir)), 0o644); err != nil {
			cleanup()
			return nil, nil, err
		}
		b.floorEnv = append(terraformEnv(os.Environ(), floorRC), opts.extraEnv...)
	}
	return b, cleanup, nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// startEmulator starts the emulator with the given limits.
func (b *bench) startEmulator(ctx context.Context, name string, rateLimit float64) (*emulator, error) {
	b.logf("starting the emulator (latency %s, rate limit %g)", b.opts.latency, rateLimit)
	return startEmulator(ctx, b.emulatorBin, filepath.Join(b.work, name+".log"),
		filepath.Join(b.work, "emulator.pid"), b.opts.latency, rateLimit)
}

// phaseSpec is one terraform command of a side.
type phaseSpec struct {
	name string
	args []string
	env  []string // the environment of terraform; nil: the bench's
}

// withEnv returns specs that run terraform with env.
func withEnv(specs []phaseSpec, env []string) []phaseSpec {
	out := slices.Clone(specs)
	for i := range out {
		out[i].env = env
	}
	return out
}

func phases(update bool) []phaseSpec {
	common := []string{"-input=false", "-no-color"}
	apply := append([]string{"apply"}, append(common, "-auto-approve")...)
	ps := []phaseSpec{
		{name: phaseApply, args: apply},
		{name: phasePlan, args: append(append([]string{"plan"}, common...), "-detailed-exitcode")},
	}
	desc := "bench"
	if update {
		desc = "bench-updated"
		ps = append(ps, phaseSpec{name: phaseUpdate, args: append(slices.Clone(apply), "-var", "description="+desc)})
	}
	return append(ps, phaseSpec{name: phaseDestroy, args: append(append([]string{"destroy"}, common...), "-auto-approve", "-var", "description="+desc)})
}

// runPhase runs one phase and measures it. A failed command is recorded in the
// result, not returned; the error is only for what stops the bench.
func (b *bench) runPhase(ctx context.Context, emu *emulator, dir, label string, ps phaseSpec) (phaseResult, error) {
	res := phaseResult{Phase: ps.name}
	if err := emu.ResetStats(ctx); err != nil {
		return res, fmt.Errorf("reset emulator stats: %w", err)
	}
	logPath := filepath.Join(b.work, "logs", label+"-"+ps.name+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return res, err
	}
	env := ps.env
	if env == nil {
		env = b.tfEnv
	}
	tr, err := b.terraform(ctx, dir, logPath, env, ps.args...)
	if err != nil {
		if ctx.Err() != nil {
			return res, err
		}
		res.Error = err.Error()
	}
	stats, serr := emu.Stats(ctx)
	if serr != nil {
		return res, fmt.Errorf("read emulator stats: %w", serr)
	}
	res.Routes = stats.Requests
	res.Calls, res.Writes, res.Throttled = countCalls(stats.Requests)
	res.Seconds = tr.Elapsed.Seconds()
	res.Runs = []float64{res.Seconds}
	res.ProviderPeakMiB = kibToMiB(tr.Mem.ProviderPeakKiB)
	res.ProviderInstances = tr.Mem.ProviderInstances
	res.TerraformPeakMiB = kibToMiB(tr.Mem.TerraformPeakKiB)
	res.CPUSeconds = tr.CPU.Seconds()
	res.ProviderCPUSeconds = float64(tr.Mem.ProviderCPUTicks) / userHZ
	res.Log = logPath
	switch {
	case res.Error != "":
	case ps.name == phasePlan && (tr.ExitCode == 0 || tr.ExitCode == 2):
		noChanges := tr.ExitCode == 0
		res.NoChanges = &noChanges
	case tr.ExitCode != 0:
		res.Error = fmt.Sprintf("terraform %s exited %d; last lines of %s:\n%s", ps.args[0], tr.ExitCode, logPath, tailFile(logPath, 15))
	}
	return res, nil
}

func kibToMiB(k int64) float64 { return float64(k) / 1024 }

// runSide runs every phase of one configuration in dir from a clean state; it stops at
// the first failed phase.
func (b *bench) runSide(ctx context.Context, emu *emulator, dir, label string, specs []phaseSpec) ([]phaseResult, error) {
	if err := removeState(dir); err != nil {
		return nil, err
	}
	if err := emu.Reset(ctx); err != nil {
		return nil, fmt.Errorf("reset emulator: %w", err)
	}
	var out []phaseResult
	for _, ps := range specs {
		res, err := b.runPhase(ctx, emu, dir, label, ps)
		if err != nil {
			return nil, err
		}
		status := ""
		if res.Error != "" {
			status = "  ERROR: " + firstLine(res.Error)
		} else if res.NoChanges != nil && !*res.NoChanges {
			status = "  (plan NOT empty)"
		}
		b.logf("%-16s %-7s %7.2fs (CPU %.2fs, provider %.2fs)  %5d calls (%d writes, %d 429s)  provider peak %s MiB in %d instance(s)%s",
			label, ps.name, res.Seconds, res.CPUSeconds, res.ProviderCPUSeconds, res.Calls, res.Writes, res.Throttled,
			mib(res.ProviderPeakMiB), res.ProviderInstances, status)
		out = append(out, res)
		if res.Error != "" {
			break
		}
	}
	return out, nil
}

// merge folds the repeats of one side into one result per phase: median time, the
// largest memory, the API counts of the last repeat.
func merge(repeats [][]phaseResult) []phaseResult {
	if len(repeats) == 0 {
		return nil
	}
	last := repeats[len(repeats)-1]
	out := make([]phaseResult, 0, len(last))
	for i := range last {
		m := last[i]
		m.Runs = nil
		var cpu, pcpu []float64
		for _, rep := range repeats {
			if i >= len(rep) {
				continue
			}
			p := rep[i]
			if p.Error != "" && m.Error == "" {
				m.Error = p.Error
			}
			m.Runs = append(m.Runs, p.Seconds)
			cpu = append(cpu, p.CPUSeconds)
			pcpu = append(pcpu, p.ProviderCPUSeconds)
			m.ProviderPeakMiB = max(m.ProviderPeakMiB, p.ProviderPeakMiB)
			m.TerraformPeakMiB = max(m.TerraformPeakMiB, p.TerraformPeakMiB)
			m.ProviderInstances = max(m.ProviderInstances, p.ProviderInstances)
			if p.NoChanges != nil && !*p.NoChanges {
				m.NoChanges = p.NoChanges
			}
		}
		m.Seconds = median(m.Runs)
		m.CPUSeconds, m.ProviderCPUSeconds = median(cpu), median(pcpu)
		out = append(out, m)
	}
	return out
}

// sweep runs the default scenario: for each N, every phase of ours and of the baseline.
func (b *bench) sweep(ctx context.Context, rep *Report) error {
	emu, err := b.startEmulator(ctx, "emulator-sweep", b.opts.rateLimit)
	if err != nil {
		return err
	}
	defer emu.Stop()
	providerSet := providerSettings{APIURL: emu.URL, RequestsPerSecond: b.opts.rps}

	// Warm-up: page cache, Terraform's and the provider's first start.
	b.logf("warm-up: apply + destroy of N=2 (not timed)")
	if err := b.warmUp(ctx, emu, providerSet); err != nil {
		return err
	}
	if b.opts.refBaseline {
		pad := b.refPad
		rep.Settings.RefPadding, rep.Settings.StateBytes = &pad, b.refSizes
	}
	for _, n := range b.opts.ns {
		oursDir := filepath.Join(b.work, fmt.Sprintf("n%d", n), "ours")
		baseDir := filepath.Join(b.work, fmt.Sprintf("n%d", n), "baseline")
		if err := writeConfig(oursDir, oursConfig(n, providerSet, b.opts.shape)); err != nil {
			return err
		}
		if err := writeConfig(baseDir, baselineConfig(n)); err != nil {
			return err
		}
		var ours, base, ref, floor [][]phaseResult
		refDir := filepath.Join(b.work, fmt.Sprintf("n%d", n), "baseline-ref")
		if b.opts.refBaseline {
			if err := writeConfig(refDir, baselineRefConfig(n, b.opts.shape, b.refPad)); err != nil {
				return err
			}
		}
		update := n <= b.opts.updateMaxN
		specs := phases(update)
		if b.opts.noDestroy {
			specs = specs[:len(specs)-1]
		}
		for r := range b.opts.repeat {
			suffix := ""
			if b.opts.repeat > 1 {
				suffix = fmt.Sprintf("-r%d", r+1)
			}
			o, err := b.runSide(ctx, emu, oursDir, fmt.Sprintf("n%d-ours%s", n, suffix), specs)
			if err != nil {
				return err
			}
			ours = append(ours, o)
			bl, err := b.runSide(ctx, emu, baseDir, fmt.Sprintf("n%d-baseline%s", n, suffix), specs)
			if err != nil {
				return err
			}
			base = append(base, bl)
			if b.opts.refBaseline {
				// apply and plan only: its state is local, nothing to destroy.
				rb, err := b.runSide(ctx, emu, refDir, fmt.Sprintf("n%d-baseline-ref%s", n, suffix), phases(false)[:2])
				if err != nil {
					return err
				}
				ref = append(ref, rb)
			}
			if b.opts.floor {
				fl, err := b.runSide(ctx, emu, oursDir, fmt.Sprintf("n%d-floor%s", n, suffix), withEnv(phases(false)[:2], b.floorEnv))
				if err != nil {
					return err
				}
				floor = append(floor, fl)
			}
		}
		rep.Sizes = append(rep.Sizes, sizeResult{N: n, Ours: merge(ours), Baseline: merge(base), BaselineRef: merge(ref), Floor: merge(floor)})
	}
	return nil
}

func (b *bench) warmUp(ctx context.Context, emu *emulator, p providerSettings) error {
	for _, side := range []struct{ name, config string }{
		{"ours", oursConfig(2, p, b.opts.shape)},
		{"baseline", baselineConfig(2)},
	} {
		dir := filepath.Join(b.work, "warmup", side.name)
		if err := writeConfig(dir, side.config); err != nil {
			return err
		}
		res, err := b.runSide(ctx, emu, dir, "warmup-"+side.name, phases(true))
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Error != "" {
				return fmt.Errorf("warm-up %s %s failed: %s", side.name, r.Phase, r.Error)
			}
		}
	}
	if b.opts.refBaseline {
		return b.measurePadding(ctx, emu, p)
	}
	return nil
}

// measurePadding applies ours and the unpadded reference-shaped baseline at N=2,
// compares the size of their instances in state, and sets the padding that makes the
// baseline's instances as large as ours; it then applies the padded baseline at N=2 to
// record the sizes reached.
func (b *bench) measurePadding(ctx context.Context, emu *emulator, p providerSettings) error {
	sizes := map[string]float64{}
	apply := func(name, config string) (map[string]float64, error) {
		dir := filepath.Join(b.work, "warmup", name)
		if err := writeConfig(dir, config); err != nil {
			return nil, err
		}
		res, err := b.runSide(ctx, emu, dir, "warmup-"+name, phases(false)[:1])
		if err != nil {
			return nil, err
		}
		if len(res) != 1 || res[0].Error != "" {
			return nil, fmt.Errorf("warm-up %s apply failed: %v", name, res)
		}
		return stateAttrBytes(dir)
	}
	ours, err := apply("ours-size", oursConfig(2, p, b.opts.shape))
	if err != nil {
		return err
	}
	ref, err := apply("baseline-ref-size", baselineRefConfig(2, b.opts.shape, refPadding{}))
	if err != nil {
		return err
	}
	if b.refPad, err = padFor(ours, ref); err != nil {
		return err
	}
	padded, err := apply("baseline-ref-padded", baselineRefConfig(2, b.opts.shape, b.refPad))
	if err != nil {
		return err
	}
	for k, v := range ours {
		sizes[k] = v
	}
	for k, v := range padded {
		sizes[k] = v
	}
	b.refSizes = sizes
	b.logf("state bytes per instance: %v; reference-shaped baseline padded by %d / %d characters", sizes, b.refPad.A, b.refPad.B)
	return nil
}

// write saves the results: results.{md,json} and bench.png for a run with the sweep,
// ratelimit.{md,json} for the ratelimit scenario alone.
func (b *bench) write(rep *Report) error {
	if err := os.MkdirAll(b.out, 0o755); err != nil {
		return err
	}
	base, plotFile := "results", "bench.png"
	if len(rep.Sizes) == 0 {
		base, plotFile = "ratelimit", ""
	}
	if plotFile != "" {
		if err := writePlot(rep, filepath.Join(b.out, plotFile)); err != nil {
			b.logf("no plot: %v", err)
			plotFile = ""
		}
	}
	if err := os.WriteFile(filepath.Join(b.out, base+".md"), []byte(markdown(rep, plotFile)), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.out, base+".json"), append(js, '\n'), 0o644)
}

// replot rewrites results.md and bench.png from a results.json, targets re-judged.
func replot(opts options, stdout io.Writer) error {
	data, err := os.ReadFile(opts.replot)
	if err != nil {
		return err
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("%s: %w", opts.replot, err)
	}
	rep.Targets = evaluateTargets(&rep)
	out := opts.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(opts.repo, out)
	}
	b := &bench{out: out, log: io.Discard}
	if err := b.write(&rep); err != nil {
		return err
	}
	fmt.Fprint(stdout, summary(&rep))
	return nil
}

func gitCommit(repo string) string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", repo, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		commit += " + uncommitted changes"
	}
	return commit
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
