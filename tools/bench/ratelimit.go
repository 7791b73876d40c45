package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The ratelimit scenario: for each limit, a fresh emulator allowing that many requests
// per second; N accounts with tokens created (one apply), then every token renewed in
// one apply (rotation_trigger changed), with the provider's default settings (no
// requests_per_second) unless -rps is given. Each token in state is then tried against
// the emulator, and a plan must find nothing to change.

// targetRateLimitShare is the share of the Console's limit the renewal apply must reach.
const targetRateLimitShare = 0.8

// rateLimitLimits are the limits the scenario runs at by default, in requests per second.
var rateLimitLimits = []float64{20, 10, 5, 2}

// rateLimitRun is the scenario at one limit.
type rateLimitRun struct {
	N           int     `json:"n"`
	Limit       float64 `json:"emulator_rate_limit"`
	ProviderRPS float64 `json:"provider_requests_per_second"` // 0: not set (the default)
	// Create and Renew are the two applies; Plan the plan after them.
	Create rateLimitApply `json:"create"`
	Renew  rateLimitApply `json:"renew"`
	// PlanEmpty: the plan after the renewal found nothing to change.
	PlanEmpty *bool  `json:"plan_empty,omitempty"`
	PlanError string `json:"plan_error,omitempty"`
	// TokensInState and TokensWorking: tokens in state after the renewal, and how many
	// of them the emulator accepts.
	TokensInState int `json:"tokens_in_state"`
	TokensWorking int `json:"tokens_working"`
	// Error is what stopped the run, if anything did.
	Error string `json:"error,omitempty"`
}

// rateLimitApply is one apply of the scenario.
type rateLimitApply struct {
	Seconds   float64 `json:"seconds"`
	Calls     int     `json:"api_calls"`
	Accepted  int     `json:"api_accepted"` // answered other than 429
	Throttled int     `json:"api_429"`
	// Processed is how many of the writes that apply is about were made: creates
	// answered 201 (create) or renewals answered 200 (renew); N when none was lost or
	// duplicated.
	Processed int `json:"writes_processed"`
	// WindowSeconds is the time from the first write the emulator accepted to the last,
	// sampled every 50ms; Rate is the API requests accepted in it per second.
	WindowSeconds float64 `json:"window_seconds"`
	Rate          float64 `json:"accepted_per_second"`
	Error         string  `json:"error,omitempty"`
}

// ok is whether the apply succeeded and made each of its n writes once.
func (a rateLimitApply) ok(n int) bool { return a.Error == "" && a.Processed == n }

// share is the renewal's rate as a share of the limit (0 without a limit).
func (r rateLimitRun) share() float64 {
	if r.Limit == 0 {
		return 0
	}
	return r.Renew.Rate / r.Limit
}

// passed is whether the run meets every target (without a limit, all but the share).
func (r rateLimitRun) passed() bool {
	return r.Error == "" && r.Create.ok(r.N) && r.Renew.ok(r.N) && r.PlanEmpty != nil && *r.PlanEmpty &&
		r.TokensInState == r.N && r.TokensWorking == r.N && (r.Limit == 0 || r.share() >= targetRateLimitShare)
}

// limitText is the limit in words.
func limitText(limit float64) string {
	if limit == 0 {
		return "none"
	}
	return fmt.Sprintf("%g", limit)
}

const (
	routeCreate = "/auth/api/v1/serviceaccount/token/create"
	routeRenew  = "/auth/api/v1/serviceaccount/{id}/token/renew"
)

// parseLimits parses "20,10,5,2"; 0 is a run without a limit, to show what Terraform
// and the provider reach on the machine.
func parseLimits(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v < 0 || v > 10000 {
			return nil, fmt.Errorf("-limits: %q is not a rate from 0 (none) to 10000", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("-limits: no rate given")
	}
	return out, nil
}

// rateLimited runs the ratelimit scenario at every limit, one after the other.
func (b *bench) rateLimited(ctx context.Context, rep *Report) error {
	n := rateLimitN
	if b.opts.explicitSet["n"] {
		n = b.opts.ns[len(b.opts.ns)-1]
	}
	for _, limit := range b.opts.limits {
		run, err := b.rateLimitedAt(ctx, n, limit)
		if err != nil {
			return err
		}
		rep.RateLimits = append(rep.RateLimits, run)
	}
	if len(rep.Sizes) == 0 { // the settings line describes this run
		rep.Settings.Ns = []int{n}
		rep.Settings.ProviderRPS = b.opts.rps
	}
	return nil
}

// rateLimitedAt runs the scenario at one limit; an error is only for what stops the
// bench, a failure is recorded in the result.
func (b *bench) rateLimitedAt(ctx context.Context, n int, limit float64) (rateLimitRun, error) {
	run := rateLimitRun{N: n, Limit: limit, ProviderRPS: b.opts.rps}
	label := fmt.Sprintf("ratelimit-%g", limit)
	emu, err := b.startEmulator(ctx, "emulator-"+label, limit)
	if err != nil {
		return run, err
	}
	defer emu.Stop()
	dir := filepath.Join(b.work, label)
	config := rotatingConfig(oursConfig(n, providerSettings{APIURL: emu.URL, RequestsPerSecond: b.opts.rps}, b.opts.shape))
	if err := writeConfig(dir, config); err != nil {
		return run, err
	}
	// Loads the provider's schema; no API call.
	if _, err := b.terraform(ctx, dir, filepath.Join(b.work, "logs", label+"-validate.log"), b.tfEnv, "validate", "-no-color"); err != nil {
		return run, err
	}
	apply := []string{"apply", "-input=false", "-no-color", "-auto-approve"}
	b.logf("%s: creating %d accounts with tokens", label, n)
	if run.Create, err = b.measuredApply(ctx, emu, dir, label+"-create", apply, routeCreate, http.StatusCreated); err != nil {
		return run, err
	}
	b.logApply(label+" create", run.Create, n, limit)
	if run.Create.Error != "" {
		run.Error = "the create apply failed"
		return run, nil
	}
	b.logf("%s: renewing every token in one apply", label)
	renew := append(slices.Clone(apply), "-var", "rotation=2")
	if run.Renew, err = b.measuredApply(ctx, emu, dir, label+"-renew", renew, routeRenew, http.StatusOK); err != nil {
		return run, err
	}
	b.logApply(label+" renew", run.Renew, n, limit)
	plan, err := b.terraform(ctx, dir, filepath.Join(b.work, "logs", label+"-plan.log"), b.tfEnv,
		"plan", "-input=false", "-no-color", "-detailed-exitcode", "-var", "rotation=2")
	if err != nil {
		return run, err
	}
	if plan.ExitCode == 0 || plan.ExitCode == 2 {
		empty := plan.ExitCode == 0
		run.PlanEmpty = &empty
	} else {
		run.PlanError = tailFile(plan.Log, 10)
	}
	tokens, err := stateTokens(dir)
	if err != nil {
		return run, err
	}
	run.TokensInState = len(tokens)
	if run.TokensWorking, err = emu.workingTokens(ctx, tokens); err != nil {
		return run, err
	}
	b.logf("%s: %d tokens in state, %d work; plan after it empty: %v", label, run.TokensInState, run.TokensWorking,
		run.PlanEmpty != nil && *run.PlanEmpty)
	return run, nil
}

func (b *bench) logApply(label string, a rateLimitApply, n int, limit float64) {
	status := ""
	if a.Error != "" {
		status = "  ERROR: " + firstLine(a.Error)
	}
	share := ""
	if limit > 0 {
		share = fmt.Sprintf(" = %.0f%% of %g/s", 100*a.Rate/limit, limit)
	}
	b.logf("%-22s %7.2fs  %4d calls (%d accepted, %d 429s), %d/%d writes made; %.2f accepted/s over %.2fs%s%s",
		label, a.Seconds, a.Calls, a.Accepted, a.Throttled, a.Processed, n, a.Rate, a.WindowSeconds, share, status)
}

// measuredApply runs one apply while sampling the emulator's counters, and measures
// the rate of accepted requests from the first write to route answered wantStatus to
// the last.
func (b *bench) measuredApply(ctx context.Context, emu *emulator, dir, label string, args []string, route string,
	wantStatus int) (rateLimitApply, error) {
	var a rateLimitApply
	if err := emu.ResetStats(ctx); err != nil {
		return a, err
	}
	sampler := emu.sample(ctx, 50*time.Millisecond, func(s emulatorStats) int { return statusCount(s, route, wantStatus) })
	logPath := filepath.Join(b.work, "logs", label+".log")
	tr, err := b.terraform(ctx, dir, logPath, b.tfEnv, args...)
	samples := sampler.stop()
	if err != nil {
		return a, err
	}
	a.Seconds = tr.Elapsed.Seconds()
	if tr.ExitCode != 0 {
		a.Error = fmt.Sprintf("terraform apply exited %d; last lines of %s:\n%s", tr.ExitCode, logPath, tailFile(logPath, 15))
	}
	stats, err := emu.Stats(ctx)
	if err != nil {
		return a, err
	}
	a.Calls, _, a.Throttled = countCalls(stats.Requests)
	a.Accepted = a.Calls - a.Throttled
	a.Processed = statusCount(stats, route, wantStatus)
	a.WindowSeconds, a.Rate = windowRate(samples)
	return a, nil
}

// statusCount is the requests to route answered status.
func statusCount(s emulatorStats, route string, status int) int {
	n := 0
	for _, r := range s.Requests {
		if r.Route == route && r.Status == status {
			n += r.Count
		}
	}
	return n
}

// statsSample is the emulator's counters at one moment: accepted requests (answered
// other than 429) and the writes that the apply is about.
type statsSample struct {
	at       time.Time
	accepted int
	writes   int
}

// windowRate is the span from the first sample that shows a write to the first that
// shows the last one, and the accepted requests per second in it.
func windowRate(samples []statsSample) (seconds, perSecond float64) {
	if len(samples) < 2 {
		return 0, 0
	}
	final := samples[len(samples)-1].writes
	first, last := -1, -1
	for i, s := range samples {
		if first < 0 && s.writes > 0 {
			first = i
		}
		if last < 0 && s.writes == final {
			last = i
		}
	}
	if first < 0 || last <= first {
		return 0, 0
	}
	// The first write came after the sample before it; counting from that sample
	// keeps the requests answered in between.
	from := samples[max(first-1, 0)]
	span := samples[last].at.Sub(from.at).Seconds()
	return span, float64(samples[last].accepted-from.accepted) / span
}

// sampler polls the emulator's counters until stopped.
type sampler struct {
	stopCh  chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	samples []statsSample
}

func (e *emulator) sample(ctx context.Context, every time.Duration, writes func(emulatorStats) int) *sampler {
	s := &sampler{stopCh: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if st, err := e.Stats(ctx); err == nil {
				calls, _, throttled := countCalls(st.Requests)
				s.mu.Lock()
				s.samples = append(s.samples, statsSample{at: time.Now(), accepted: calls - throttled, writes: writes(st)})
				s.mu.Unlock()
			}
			select {
			case <-s.stopCh:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends the polling after one last sample and returns the samples.
func (s *sampler) stop() []statsSample {
	close(s.stopCh)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// rotatingConfig adds rotation_trigger = var.rotation to every token of oursConfig, so
// that -var rotation=2 renews them all.
func rotatingConfig(config string) string {
	const attr = "  expires_in         = \"720h\"\n"
	if !strings.Contains(config, attr) {
		panic("bench: the token block of oursConfig changed; update rotatingConfig")
	}
	config = strings.Replace(config, attr, attr+"  rotation_trigger   = var.rotation\n", 1)
	return config + "\nvariable \"rotation\" {\n  type    = number\n  default = 1\n}\n"
}

// stateTokens is the token of every platformer_service_account_token in the local
// state of dir.
func stateTokens(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return nil, err
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes struct {
					Token *string `json:"token"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	var out []string
	for _, r := range st.Resources {
		if r.Type != "platformer_service_account_token" {
			continue
		}
		for _, in := range r.Instances {
			if in.Attributes.Token != nil && *in.Attributes.Token != "" {
				out = append(out, *in.Attributes.Token)
			}
		}
	}
	return out, nil
}

// workingTokens is how many of tokens the emulator accepts: each lists its
// organizations once (each token value has its own rate-limit bucket). A 429 is
// waited out and asked again.
func (e *emulator) workingTokens(ctx context.Context, tokens []string) (int, error) {
	working := 0
	for _, tok := range tokens {
		for attempt := 0; ; attempt++ {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+"/auth/api/v1/organization/list", nil)
			if err != nil {
				return 0, err
			}
			req.Header.Set("Authorization", tok)
			resp, err := e.http.Do(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests && attempt < 5 {
				time.Sleep(time.Second)
				continue
			}
			if resp.StatusCode == http.StatusOK {
				working++
			}
			break
		}
	}
	return working, nil
}

// rateLimitTargets judges each run: both applies succeed, each write made once, every
// token in state works, the plan after is empty, and the renewal reaches 80% of the
// limit.
func rateLimitTargets(runs []rateLimitRun) []target {
	var ts []target
	for _, r := range runs {
		t := target{
			Name: fmt.Sprintf("rate limit %g/s, N=%d, default settings: create and renew-all applies succeed, each write "+
				"made once, every token in state works, plan empty, renewal ≥ %.0f%% of the limit",
				r.Limit, r.N, 100*targetRateLimitShare),
			Limit:  fmt.Sprintf("≥ %.0f%%", 100*targetRateLimitShare),
			Result: passIf(r.passed()),
		}
		if r.Limit == 0 {
			t.Name = fmt.Sprintf("(for information) no rate limit, N=%d: the same applies, what Terraform and the provider "+
				"reach on this machine; correctness judged", r.N)
			t.Limit = "—"
		}
		switch {
		case r.Error != "" || r.Create.Error != "" || r.Renew.Error != "":
			t.Measured = "error: " + firstLine(firstOf(r.Create.Error, r.Renew.Error, r.Error))
		default:
			t.Measured = fmt.Sprintf("%.0f%% (%.2f/s); %d/%d tokens work; writes %d+%d of %d+%d", 100*r.share(), r.Renew.Rate,
				r.TokensWorking, r.TokensInState, r.Create.Processed, r.Renew.Processed, r.N, r.N)
			if r.Limit == 0 {
				t.Measured = strings.TrimPrefix(t.Measured, "0% ")
			}
		}
		ts = append(ts, t)
	}
	return ts
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// unlimitedRate is the renewal rate of the run without a limit, 0 if none ran.
func unlimitedRate(runs []rateLimitRun) float64 {
	for _, r := range runs {
		if r.Limit == 0 && r.Renew.Error == "" {
			return r.Renew.Rate
		}
	}
	return 0
}

// rateLimitsTable is one row per limit.
func rateLimitsTable(runs []rateLimitRun) string {
	var b strings.Builder
	free := unlimitedRate(runs)
	b.WriteString("| limit (req/s) | N | create apply | renew-all apply | renewals made | API calls (429s) | " +
		"accepted/s in the renewal | share of the limit | share of min(limit, no-limit rate) | renewal wall time (s) | " +
		"create wall time (s) | tokens in state that work | plan after |\n")
	b.WriteString("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range runs {
		reachable := "—"
		if r.Limit > 0 && free > 0 {
			reachable = fmt.Sprintf("%.0f%%", 100*r.Renew.Rate/min(r.Limit, free))
		}
		plan := "—"
		if r.PlanEmpty != nil {
			plan = map[bool]string{true: "empty", false: "NOT empty"}[*r.PlanEmpty]
		}
		share := "—"
		if r.Limit > 0 {
			share = fmt.Sprintf("%.0f%%", 100*r.share())
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %d/%d | %d (%d) | %.2f | %s | %s | %.1f | %.1f | %d/%d | %s |\n",
			limitText(r.Limit), r.N, applyStatus(r.Create, r.N), applyStatus(r.Renew, r.N), r.Renew.Processed, r.N,
			r.Renew.Calls, r.Renew.Throttled, r.Renew.Rate, share, reachable, r.Renew.Seconds, r.Create.Seconds,
			r.TokensWorking, r.TokensInState, plan)
	}
	return b.String()
}

func applyStatus(a rateLimitApply, n int) string {
	switch {
	case a.Error != "":
		return "❌ failed"
	case a.Processed != n:
		return fmt.Sprintf("❌ %d of %d writes", a.Processed, n)
	}
	return "✅ succeeded"
}

// rateLimitsSection is the Markdown section of the scenario.
func rateLimitsSection(runs []rateLimitRun) string {
	var b strings.Builder
	b.WriteString("## Under a rate limit\n\n")
	rps := "not set (the default)"
	if runs[0].ProviderRPS > 0 {
		rps = fmt.Sprintf("%g", runs[0].ProviderRPS)
	}
	fmt.Fprintf(&b, "For each limit, a fresh emulator allowing that many requests per second (per token, a token "+
		"bucket answering 429 with `Retry-After`); N accounts with a token each created in one apply, then every token "+
		"renewed in one apply (`rotation_trigger` changed), then a plan. Provider `requests_per_second` %s, "+
		"Terraform's default `-parallelism` (10). *Accepted/s in the renewal* is the API requests the emulator answered "+
		"other than 429, per second, from the first renewal it made to the last (its counters sampled every 50 ms); "+
		"the wall times include Terraform's own work (start, refresh, plan). *Renewals made* counts renewals answered "+
		"200: N means none was lost or duplicated. Each token in state is then tried against the emulator. The run "+
		"with limit *none* shows what Terraform and the provider reach on this machine without any limit: where it is "+
		"below a limit, that limit cannot be reached whatever the client does, and the share of min(limit, no-limit "+
		"rate) says how close the client came to what was reachable.\n\n", rps)
	b.WriteString(rateLimitsTable(runs) + "\n")
	for _, r := range runs {
		for _, e := range []struct{ what, err string }{{"create", r.Create.Error}, {"renew", r.Renew.Error}, {"plan", r.PlanError}} {
			if e.err != "" {
				fmt.Fprintf(&b, "Limit %s, %s:\n\n```\n%s\n```\n\n", limitText(r.Limit), e.what, e.err)
			}
		}
	}
	return b.String()
}
