package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Phases, in the order they run for each N.
const (
	phaseApply   = "apply"   // cold apply: creates every object
	phasePlan    = "plan"    // no-change plan (with refresh)
	phaseUpdate  = "update"  // apply that changes every account's description (ours) / every input (baseline)
	phaseDestroy = "destroy" // destroy everything
)

// Targets of the issue.
const (
	targetTimeRatio      = 1.3   // ours/baseline apply and plan time at N=1000, zero latency
	targetTimeN          = 1000  // the N the time and memory targets are judged at
	targetPlanCallsPer   = 100   // a no-change plan makes at most ceil(N/100)+5 calls
	targetPlanCallsExtra = 5     //
	targetRSSMiB         = 100.0 // provider peak RSS at N=1000
	targetRateLimitRatio = 1.25  // rate-limited cold apply: elapsed <= 1.25 x calls/limit
)

const (
	resultPass = "PASS"
	resultFail = "FAIL"
	resultNA   = "n/a"
)

// Report is everything one run of the bench measured; it is results.json.
type Report struct {
	Scenario  string       `json:"scenario"`
	StartedAt time.Time    `json:"started_at"`
	Duration  string       `json:"duration"`
	Env       envInfo      `json:"environment"`
	Settings  settings     `json:"settings"`
	Sizes     []sizeResult `json:"sizes,omitempty"`
	// RateLimit is the ratelimit scenario of results written before it ran at several
	// limits (a cold apply with requests_per_second set); RateLimits is the scenario.
	RateLimit  *rateLimitResult `json:"ratelimit,omitempty"`
	RateLimits []rateLimitRun   `json:"ratelimits,omitempty"`
	Targets    []target         `json:"targets"`
}

type envInfo struct {
	Terraform    string `json:"terraform"`
	Go           string `json:"go"`
	OS           string `json:"os"`
	CPUs         int    `json:"cpus"`
	Commit       string `json:"commit,omitempty"`
	LoadAvgStart string `json:"loadavg_start,omitempty"`
	LoadAvgEnd   string `json:"loadavg_end,omitempty"`
}

type settings struct {
	Ns                []int    `json:"n"`
	Latency           string   `json:"emulator_latency"`
	EmulatorRateLimit float64  `json:"emulator_rate_limit"`
	ProviderRPS       float64  `json:"provider_requests_per_second"`
	Repeat            int      `json:"repeat"`
	Parallelism       string   `json:"parallelism"`
	UpdateMaxN        int      `json:"update_phase_max_n"`
	ExtraEnv          []string `json:"extra_env,omitempty"`
	Shape             string   `json:"shape,omitempty"` // shapeList or shapeIndex; empty in results older than -shape: index
	// RefPadding and StateBytes: the reference-shaped baseline's padding and the mean
	// size in state of one instance of each resource, measured at the warm-up.
	RefPadding *refPadding        `json:"ref_padding,omitempty"`
	StateBytes map[string]float64 `json:"state_bytes_per_instance,omitempty"`
}

// shape is the settings' reference shape; results written before -shape existed were
// all index-shaped.
func (s settings) shape() string {
	if s.Shape == "" {
		return shapeIndex
	}
	return s.Shape
}

// paddingText describes the reference-shaped baseline's padding, if any.
func paddingText(st settings) string {
	if st.RefPadding == nil {
		return ""
	}
	names := make([]string, 0, len(st.StateBytes))
	for k := range st.StateBytes {
		names = append(names, k)
	}
	slices.Sort(names)
	sizes := make([]string, 0, len(names))
	for _, k := range names {
		sizes = append(sizes, fmt.Sprintf("`%s` %.0f B", k, st.StateBytes[k]))
	}
	return fmt.Sprintf(" Its inputs are padded (by %d and %d characters) so that each instance holds about as many bytes "+
		"of state as ours: Terraform's cost grows with the size of the state as well as with the number of objects "+
		"(2000 terraform_data took 5 times as long to apply with 7 MB of state as with 1 MB). Attributes per instance, as compact JSON, "+
		"measured at the warm-up: %s.", st.RefPadding.A, st.RefPadding.B, strings.Join(sizes, ", "))
}

// shapeText says in words how a token names its account.
func shapeText(shape string) (ours, ref string) {
	if shape == shapeIndex {
		return "each token's `service_account_id = platformer_service_account.sa[count.index].id`",
			"`input = terraform_data.a[count.index].id`"
	}
	return "each token's `service_account_id = local.ids[count.index]`, with `ids = platformer_service_account.sa[*].id`",
		"`input = local.ids[count.index]`, with `ids = terraform_data.a[*].id`"
}

// unthrottled reports whether the sweep ran with no latency and no rate limit, the
// condition of the time-overhead targets.
func (s settings) unthrottled() bool {
	d, err := time.ParseDuration(s.Latency)
	return err == nil && d == 0 && s.EmulatorRateLimit == 0 && s.ProviderRPS == 0
}

// sizeResult is one N: the provider's configuration and the baseline, phase by phase.
type sizeResult struct {
	N        int           `json:"n"`
	Ours     []phaseResult `json:"ours"`
	Baseline []phaseResult `json:"baseline"`
	// Floor is ours' configuration served by tools/floorprovider (apply and plan), with -floor.
	Floor []phaseResult `json:"floor,omitempty"`
	// BaselineRef is the reference-shaped baseline (apply and plan), with -ref-baseline.
	BaselineRef []phaseResult `json:"baseline_ref,omitempty"`
}

// phaseResult is one terraform command, over all repeats.
type phaseResult struct {
	Phase   string    `json:"phase"`
	Seconds float64   `json:"seconds"` // median over the repeats
	Runs    []float64 `json:"runs_seconds"`
	// NoChanges: for a plan, whether it found nothing to change (-detailed-exitcode 0).
	NoChanges *bool `json:"no_changes,omitempty"`
	// API calls counted by the emulator during the command (last repeat).
	Calls     int          `json:"api_calls"`
	Writes    int          `json:"api_writes"` // POST, PUT, DELETE
	Throttled int          `json:"api_429"`
	Routes    []routeCount `json:"routes,omitempty"`
	// Memory, MiB, the largest over the repeats.
	ProviderPeakMiB   float64 `json:"provider_peak_rss_mib"`
	ProviderInstances int     `json:"provider_instances"`
	TerraformPeakMiB  float64 `json:"terraform_peak_rss_mib"`
	// CPU seconds (user+system), median over the repeats: terraform with its provider
	// instances, and the provider instances alone (sampled: a lower bound).
	CPUSeconds         float64 `json:"cpu_seconds"`
	ProviderCPUSeconds float64 `json:"provider_cpu_seconds"`
	Error              string  `json:"error,omitempty"`
	Log                string  `json:"-"` // in the scratch dir: gone unless kept
}

// rateLimitResult is the rate-limited cold apply.
type rateLimitResult struct {
	N                 int          `json:"n"`
	EmulatorRateLimit float64      `json:"emulator_rate_limit"`
	ProviderRPS       float64      `json:"provider_requests_per_second"`
	Seconds           float64      `json:"seconds"`
	Calls             int          `json:"api_calls"`
	Writes            int          `json:"api_writes"`
	Throttled         int          `json:"api_429"`
	ImposedSeconds    float64      `json:"imposed_seconds"` // calls / emulator rate limit
	Ratio             float64      `json:"ratio"`           // seconds / imposed_seconds
	ProviderPeakMiB   float64      `json:"provider_peak_rss_mib"`
	Routes            []routeCount `json:"routes,omitempty"`
	Error             string       `json:"error,omitempty"`
}

// target is one target of the issue, judged.
type target struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Limit    string `json:"limit"`
	Result   string `json:"result"`
}

func (s sizeResult) phase(side []phaseResult, name string) *phaseResult {
	for i := range side {
		if side[i].Phase == name {
			return &side[i]
		}
	}
	return nil
}

func (s sizeResult) ours(name string) *phaseResult     { return s.phase(s.Ours, name) }
func (s sizeResult) baseline(name string) *phaseResult { return s.phase(s.Baseline, name) }
func (s sizeResult) baselineRef(name string) *phaseResult {
	return s.phase(s.BaselineRef, name)
}

func (s sizeResult) floor(name string) *phaseResult { return s.phase(s.Floor, name) }

func (r *Report) hasFloor() bool {
	for _, s := range r.Sizes {
		if len(s.Floor) > 0 {
			return true
		}
	}
	return false
}

func (r *Report) hasRef() bool {
	for _, s := range r.Sizes {
		if len(s.BaselineRef) > 0 {
			return true
		}
	}
	return false
}

// countCalls sums the emulator's counters: all calls, writes, and 429 answers.
func countCalls(routes []routeCount) (calls, writes, throttled int) {
	for _, r := range routes {
		calls += r.Count
		switch r.Method {
		case "POST", "PUT", "PATCH", "DELETE":
			writes += r.Count
		}
		if r.Status == 429 {
			throttled += r.Count
		}
	}
	return calls, writes, throttled
}

// median of xs (not empty).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// planCallBudget is the most calls a no-change plan of n accounts and n tokens may make.
func planCallBudget(n int) int {
	return (n+targetPlanCallsPer-1)/targetPlanCallsPer + targetPlanCallsExtra
}

// evaluateTargets judges the targets on what the report measured.
func evaluateTargets(r *Report) []target {
	var ts []target
	for _, s := range r.Sizes {
		if s.N != targetTimeN {
			continue
		}
		for _, ph := range []string{phaseApply, phasePlan} {
			t := target{
				Name: fmt.Sprintf("%s time, N=%d: ours (-shape %s) ≤ %.1f× baseline (zero latency, no rate limit)",
					ph, s.N, r.Settings.shape(), targetTimeRatio),
				Limit: fmt.Sprintf("≤ %.2f×", targetTimeRatio),
			}
			o, b := s.ours(ph), s.baseline(ph)
			switch {
			case !r.Settings.unthrottled():
				t.Measured, t.Result = "run with latency or a rate limit", resultNA
			case o == nil || b == nil || o.Error != "" || b.Error != "" || b.Seconds <= 0:
				t.Measured, t.Result = "not measured (error)", resultFail
			default:
				ratio := o.Seconds / b.Seconds
				t.Measured = fmt.Sprintf("%.2f× (%.2fs / %.2fs)", ratio, o.Seconds, b.Seconds)
				t.Result = passIf(ratio <= targetTimeRatio)
			}
			ts = append(ts, t)
			for _, cmp := range []struct {
				name string
				base *phaseResult
			}{{"floor provider (same schemas, no API)", s.floor(ph)}, {"reference-shaped baseline", s.baselineRef(ph)}} {
				if cmp.base != nil && o != nil && cmp.base.Error == "" && o.Error == "" && cmp.base.Seconds > 0 {
					ts = append(ts, target{
						Name:     fmt.Sprintf("(for information) %s time, N=%d: ours ÷ %s", ph, s.N, cmp.name),
						Measured: fmt.Sprintf("%.2f× (%.2fs / %.2fs)", o.Seconds/cmp.base.Seconds, o.Seconds, cmp.base.Seconds),
						Limit:    "—",
						Result:   resultNA,
					})
				}
			}
		}
	}
	for _, s := range r.Sizes {
		budget := planCallBudget(s.N)
		t := target{
			Name:  fmt.Sprintf("no-change plan, N=%d: API calls ≤ ceil(N/100)+5", s.N),
			Limit: fmt.Sprintf("≤ %d calls, no changes", budget),
		}
		switch p := s.ours(phasePlan); {
		case p == nil || p.Error != "":
			t.Measured, t.Result = "not measured (error)", resultFail
		default:
			t.Measured = fmt.Sprintf("%d calls", p.Calls)
			ok := p.Calls <= budget
			if p.NoChanges != nil && !*p.NoChanges {
				t.Measured += ", plan NOT empty"
				ok = false
			}
			t.Result = passIf(ok)
		}
		ts = append(ts, t)
	}
	for _, s := range r.Sizes {
		for _, w := range []struct {
			phase, what string
			want        int
		}{
			{phaseApply, "cold apply: one write per created object (N accounts + N tokens)", 2 * s.N},
			{phaseUpdate, "apply changing N accounts' description: one write per changed object", s.N},
		} {
			p := s.ours(w.phase)
			if p == nil && w.phase == phaseUpdate {
				continue // update phase not run
			}
			t := target{Name: fmt.Sprintf("%s, N=%d", w.what, s.N), Limit: fmt.Sprintf("= %d writes", w.want)}
			if p == nil || p.Error != "" {
				t.Measured, t.Result = "not measured (error)", resultFail
			} else {
				t.Measured = fmt.Sprintf("%d writes (%d calls)", p.Writes, p.Calls)
				t.Result = passIf(p.Writes == w.want)
			}
			ts = append(ts, t)
		}
	}
	for _, s := range r.Sizes {
		if s.N != targetTimeN {
			continue
		}
		t := target{
			Name:  fmt.Sprintf("provider peak RSS, N=%d (any phase)", s.N),
			Limit: fmt.Sprintf("< %.0f MiB", targetRSSMiB),
		}
		peak, phase := 0.0, ""
		for _, p := range s.Ours {
			if p.ProviderPeakMiB > peak {
				peak, phase = p.ProviderPeakMiB, p.Phase
			}
		}
		if peak == 0 {
			t.Measured, t.Result = "not measured", resultFail
		} else {
			t.Measured = fmt.Sprintf("%.1f MiB (%s)", peak, phase)
			t.Result = passIf(peak < targetRSSMiB)
		}
		ts = append(ts, t)
	}
	ts = append(ts, rateLimitTargets(r.RateLimits)...)
	if rl := r.RateLimit; rl != nil {
		t := target{
			Name: fmt.Sprintf("rate limit %g/s, N=%d cold apply: no error, time ≤ %.2f× calls÷%g",
				rl.EmulatorRateLimit, rl.N, targetRateLimitRatio, rl.EmulatorRateLimit),
			Limit: fmt.Sprintf("≤ %.2f×", targetRateLimitRatio),
		}
		switch {
		case rl.Error != "":
			t.Measured, t.Result = "error: "+firstLine(rl.Error), resultFail
		default:
			t.Measured = fmt.Sprintf("%.2f× (%.1fs / %.1fs for %d calls)", rl.Ratio, rl.Seconds, rl.ImposedSeconds, rl.Calls)
			t.Result = passIf(rl.Ratio <= targetRateLimitRatio)
		}
		ts = append(ts, t)
	}
	return ts
}

func passIf(ok bool) string {
	if ok {
		return resultPass
	}
	return resultFail
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// ---- Markdown ----

// timingTable is the main table: one row per N and phase.
func timingTable(r *Report) string {
	var b strings.Builder
	ref, floor := r.hasRef(), r.hasFloor()
	b.WriteString("| N | phase | ours (s) | baseline (s) | ours ÷ baseline |")
	if ref {
		b.WriteString(" ref. baseline (s) | ours ÷ ref. |")
	}
	if floor {
		b.WriteString(" floor (s) | ours ÷ floor |")
	}
	b.WriteString(" CPU s: ours (provider) / baseline | API calls | API writes | 429s | provider peak RSS (MiB) | terraform peak RSS ours / baseline (MiB) |\n")
	b.WriteString("|---:|---|---:|---:|---:|")
	if ref {
		b.WriteString("---:|---:|")
	}
	if floor {
		b.WriteString("---:|---:|")
	}
	b.WriteString("---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Sizes {
		for _, o := range s.Ours {
			bl := s.baseline(o.Phase)
			phase := o.Phase
			if o.NoChanges != nil && !*o.NoChanges {
				phase += " (NOT empty)"
			}
			if o.Error != "" {
				phase += " (ERROR)"
			}
			blCPU := "—"
			if bl != nil {
				blCPU = fmt.Sprintf("%.2f", bl.CPUSeconds)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |", s.N, phase, secs(&o), secs(bl), ratioOf(&o, bl))
			if ref {
				rb := s.baselineRef(o.Phase)
				fmt.Fprintf(&b, " %s | %s |", secs(rb), ratioOf(&o, rb))
			}
			if floor {
				fl := s.floor(o.Phase)
				fmt.Fprintf(&b, " %s | %s |", secs(fl), ratioOf(&o, fl))
			}
			fmt.Fprintf(&b, " %.2f (%.2f) / %s | %d | %d | %d | %s | %s / %s |\n",
				o.CPUSeconds, o.ProviderCPUSeconds, blCPU,
				o.Calls, o.Writes, o.Throttled, mib(o.ProviderPeakMiB), mib(o.TerraformPeakMiB), mibOf(bl))
		}
	}
	return b.String()
}

func ratioOf(o, base *phaseResult) string {
	if o == nil || base == nil || base.Error != "" || o.Error != "" || base.Seconds <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", o.Seconds/base.Seconds)
}

func secs(p *phaseResult) string {
	switch {
	case p == nil:
		return "—"
	case p.Error != "":
		return "error"
	default:
		return fmt.Sprintf("%.2f", p.Seconds)
	}
}

func mib(v float64) string {
	if v <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", v)
}

func mibOf(p *phaseResult) string {
	if p == nil {
		return "—"
	}
	return mib(p.TerraformPeakMiB)
}

// targetsTable lists the targets and their results.
func targetsTable(ts []target) string {
	var b strings.Builder
	b.WriteString("| target | measured | limit | result |\n|---|---|---|---|\n")
	for _, t := range ts {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdEscape(t.Name), mdEscape(t.Measured), mdEscape(t.Limit), resultMark(t.Result))
	}
	return b.String()
}

func resultMark(r string) string {
	switch r {
	case resultPass:
		return "✅ PASS"
	case resultFail:
		return "❌ FAIL"
	default:
		return r
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// rateLimitTable is the rate-limited scenario's one row.
func rateLimitTable(rl *rateLimitResult) string {
	var b strings.Builder
	b.WriteString("| N | emulator limit (req/s) | provider requests_per_second | API calls | API writes | 429s | elapsed (s) | calls ÷ limit (s) | ratio | provider peak RSS (MiB) |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	elapsed, ratio := fmt.Sprintf("%.2f", rl.Seconds), fmt.Sprintf("%.2f×", rl.Ratio)
	if rl.Error != "" {
		elapsed += " (ERROR)"
	}
	fmt.Fprintf(&b, "| %d | %g | %g | %d | %d | %d | %s | %.2f | %s | %s |\n",
		rl.N, rl.EmulatorRateLimit, rl.ProviderRPS, rl.Calls, rl.Writes, rl.Throttled,
		elapsed, rl.ImposedSeconds, ratio, mib(rl.ProviderPeakMiB))
	return b.String()
}

// routesTable lists the provider's API calls per phase and route.
func routesTable(r *Report) string {
	var b strings.Builder
	b.WriteString("| N | phase | method | route | status | count |\n|---:|---|---|---|---:|---:|\n")
	rows := 0
	for _, s := range r.Sizes {
		for _, o := range s.Ours {
			for _, rc := range o.Routes {
				fmt.Fprintf(&b, "| %d | %s | %s | `%s` | %d | %d |\n", s.N, o.Phase, rc.Method, rc.Route, rc.Status, rc.Count)
				rows++
			}
		}
	}
	if rl := r.RateLimit; rl != nil {
		for _, rc := range rl.Routes {
			fmt.Fprintf(&b, "| %d | ratelimit apply | %s | `%s` | %d | %d |\n", rl.N, rc.Method, rc.Route, rc.Status, rc.Count)
			rows++
		}
	}
	if rows == 0 {
		return ""
	}
	return b.String()
}

// settingsLine describes the conditions of the run in one paragraph.
func settingsLine(r *Report) string {
	st := r.Settings
	rps := "unset (no client-side limit)"
	if st.ProviderRPS > 0 {
		rps = fmt.Sprintf("%g", st.ProviderRPS)
	}
	rl := "0 (none)"
	if st.EmulatorRateLimit > 0 {
		rl = fmt.Sprintf("%g req/s", st.EmulatorRateLimit)
	}
	if len(r.Sizes) == 0 && len(r.RateLimits) > 0 {
		var limits []string
		for _, run := range r.RateLimits {
			limits = append(limits, limitText(run.Limit))
		}
		rl = strings.Join(limits, ", ") + " req/s, one run each"
	}
	env := ""
	if len(st.ExtraEnv) > 0 {
		env = " Extra environment: `" + strings.Join(st.ExtraEnv, " ") + "`."
	}
	return fmt.Sprintf("Terraform %s, %s, %s, %d CPUs, commit %s. Emulator latency %s, emulator rate limit %s, "+
		"provider `requests_per_second` %s, `-parallelism` %s, %d repeat(s) per phase (median).%s "+
		"Load average at start / end: %s / %s. Started %s, took %s.",
		r.Env.Terraform, r.Env.Go, r.Env.OS, r.Env.CPUs, orDash(r.Env.Commit), st.Latency, rl, rps,
		st.Parallelism, st.Repeat, env, orDash(r.Env.LoadAvgStart), orDash(r.Env.LoadAvgEnd),
		r.StartedAt.UTC().Format(time.RFC3339), r.Duration)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// summary is what goes to stdout: the tables, no method section.
func summary(r *Report) string {
	var b strings.Builder
	b.WriteString(settingsLine(r) + "\n\n")
	if len(r.Sizes) > 0 {
		if r.hasFloor() {
			b.WriteString("*Floor* (`-floor`, apply and plan only) is ours' configuration served by `tools/floorprovider`: the " +
				"provider's own schemas, served as the provider serves them, by resources that call no API and copy the plan " +
				"into state. It is what Terraform, the plugin protocol and terraform-plugin-framework cost for these schemas; " +
				"no provider built on them can go below it.\n\n")
		}
		b.WriteString(timingTable(r) + "\n")
	}
	if r.RateLimit != nil {
		b.WriteString(rateLimitTable(r.RateLimit) + "\n")
	}
	if len(r.RateLimits) > 0 {
		b.WriteString(rateLimitsTable(r.RateLimits) + "\n")
	}
	b.WriteString(targetsTable(r.Targets))
	return b.String()
}

// markdown is results.md.
func markdown(r *Report, plotFile string) string {
	var b strings.Builder
	b.WriteString("# terraform-provider-platformer benchmark\n\n")
	b.WriteString("Generated by `make bench` (`scripts/bench.sh`, program `tools/bench`); scenario `" + r.Scenario + "`.\n\n")
	b.WriteString(settingsLine(r) + "\n\n")
	if len(r.Sizes) > 0 {
		b.WriteString("## Time, API calls and memory\n\n")
		oursShape, refShape := shapeText(r.Settings.shape())
		b.WriteString("*Ours* is N `platformer_service_account` + N `platformer_service_account_token` against the emulator, " +
			oursShape + " (`-shape " + r.Settings.shape() + "`); " +
			"*baseline* is 2N `terraform_data` (Terraform core alone). API calls are the provider's, counted by the " +
			"emulator for that command. Phases: `apply` (cold), `plan` (no change, with refresh), `update` (apply " +
			"changing every account's description; the baseline changes every input; only for N ≤ " +
			fmt.Sprint(r.Settings.UpdateMaxN) + ", as it costs as much as an apply), `destroy`.\n\n")
		if r.hasRef() {
			b.WriteString("*Ref. baseline* (`-ref-baseline`, apply and plan only) is N `terraform_data` `a` plus N `b` with " +
				refShape + ": the same reference shape as ours." + paddingText(r.Settings) + "\n\n")
		}
		if r.Settings.shape() == shapeIndex {
			b.WriteString("With `-shape index`, Terraform core treats `x[count.index]` as a reference to every instance of " +
				"`x` and builds the value of all N for each token: O(N²) work in core whatever the provider. " +
				"`-shape list` (the default) is the form the provider's documentation recommends at this scale.\n\n")
		}
		b.WriteString(timingTable(r) + "\n")
		if plotFile != "" {
			b.WriteString("![apply and plan time vs N](" + plotFile + ")\n\n")
		}
	}
	if r.RateLimit != nil {
		b.WriteString("## Under a rate limit\n\n")
		b.WriteString("Cold apply with the emulator limiting to the rate shown and the provider's client-side limiter " +
			"(`requests_per_second`) set. The time the limit itself imposes is calls ÷ limit.\n\n")
		b.WriteString(rateLimitTable(r.RateLimit) + "\n")
		if r.RateLimit.Error != "" {
			b.WriteString("Error:\n\n```\n" + r.RateLimit.Error + "\n```\n\n")
		}
	}
	if len(r.RateLimits) > 0 {
		b.WriteString(rateLimitsSection(r.RateLimits))
	}
	b.WriteString("## Targets\n\n")
	b.WriteString(targetsTable(r.Targets) + "\n")
	var errs []string
	for _, s := range r.Sizes {
		for _, side := range []struct {
			name   string
			phases []phaseResult
		}{{"ours", s.Ours}, {"baseline", s.Baseline}} {
			for _, p := range side.phases {
				if p.Error != "" {
					errs = append(errs, fmt.Sprintf("N=%d %s %s:\n%s", s.N, side.name, p.Phase, p.Error))
				}
			}
		}
	}
	if len(errs) > 0 {
		b.WriteString("## Errors\n\n```\n" + strings.Join(errs, "\n\n") + "\n```\n\n")
	}
	if rt := routesTable(r); rt != "" {
		b.WriteString("## API calls per route\n\n" + rt + "\n")
	}
	b.WriteString(methodText)
	return b.String()
}

const methodText = `## Method

- The provider and the emulator are built from this repository (` + "`go build`" + `); Terraform is the one on PATH,
  pointed at the built provider by a ` + "`dev_overrides`" + ` CLI configuration. Nothing is downloaded; the baseline
  uses only Terraform's built-in ` + "`terraform_data`" + `. Every ` + "`TF_*`" + ` and ` + "`PLATFORMER_*`" + ` variable of the caller is removed.
- One untimed warm-up (apply and destroy of N=2, both configurations) precedes the timed runs.
- Each phase is one terraform command (` + "`-input=false -no-color`" + `, ` + "`-auto-approve`" + ` for apply/destroy,
  ` + "`-detailed-exitcode`" + ` for plan, Terraform's default ` + "`-parallelism`" + ` of 10), timed with the wall clock
  from just before the process starts to just after it exits. Before each N the emulator's state is reset and the
  local state removed, so every ` + "`apply`" + ` is cold.
- API calls: ` + "`DELETE /_emulator/stats`" + ` before the command, ` + "`GET /_emulator/stats`" + ` after. Writes are POST,
  PUT and DELETE. Control routes are not counted by the emulator.
- Memory: every 20 ms the bench lists /proc; a child of the terraform process whose /proc/PID/exe is
  ` + "`terraform-provider-platformer`" + ` is a provider instance. Its peak is the largest VmHWM (the kernel's high-water mark of
  the resident set, so peaks between samples are kept) or VmRSS seen, and at least the sum of VmRSS of the
  instances alive at one sample. Growth in the last 20 ms of an instance's life can be missed.
  Terraform's own peak is the VmHWM of the terraform process.
- CPU seconds: user+system time of the terraform process and the children it reaped (the provider
  instances), from wait4; the provider's share is its last utime+stime sampled from /proc/PID/stat
  (a lower bound). Wall time is what the targets judge; CPU time is less disturbed by other load.
- Other processes on the machine share its CPUs: look at the load average above before trusting a ratio.
`
