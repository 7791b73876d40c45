package main

import (
	"strings"
	"testing"
)

func TestPlanCallBudget(t *testing.T) {
	for n, want := range map[int]int{1: 6, 50: 6, 100: 6, 101: 7, 200: 7, 1000: 15} {
		if got := planCallBudget(n); got != want {
			t.Errorf("planCallBudget(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestMedian(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median odd = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median even = %v", got)
	}
}

func TestCountCalls(t *testing.T) {
	calls, writes, throttled := countCalls([]routeCount{
		{Method: "GET", Route: "/a", Status: 200, Count: 3},
		{Method: "POST", Route: "/b", Status: 201, Count: 5},
		{Method: "POST", Route: "/b", Status: 429, Count: 2},
		{Method: "PUT", Route: "/c", Status: 200, Count: 1},
		{Method: "DELETE", Route: "/c", Status: 200, Count: 4},
	})
	if calls != 15 || writes != 12 || throttled != 2 {
		t.Fatalf("got calls %d writes %d 429s %d, want 15 12 2", calls, writes, throttled)
	}
}

func boolPtr(b bool) *bool { return &b }

func sampleReport() *Report {
	return &Report{
		Scenario: scenarioDefault,
		Settings: settings{Ns: []int{1000}, Latency: "0s", Repeat: 1, Parallelism: "default"},
		Sizes: []sizeResult{{
			N: 1000,
			Ours: []phaseResult{
				{Phase: phaseApply, Seconds: 12, Calls: 2000, Writes: 2000, ProviderPeakMiB: 80},
				{Phase: phasePlan, Seconds: 6, Calls: 16, NoChanges: boolPtr(true), ProviderPeakMiB: 120},
				{Phase: phaseUpdate, Seconds: 8, Calls: 1001, Writes: 1000},
			},
			Baseline: []phaseResult{
				{Phase: phaseApply, Seconds: 10},
				{Phase: phasePlan, Seconds: 4},
				{Phase: phaseUpdate, Seconds: 8},
			},
		}},
		RateLimit: &rateLimitResult{N: 200, EmulatorRateLimit: 20, ProviderRPS: 20, Seconds: 24, Calls: 400, ImposedSeconds: 20, Ratio: 1.2},
	}
}

func TestEvaluateTargets(t *testing.T) {
	got := map[string]string{}
	for _, tg := range evaluateTargets(sampleReport()) {
		got[tg.Name] = tg.Result
	}
	want := map[string]string{
		"apply time, N=1000: ours (-shape index) ≤ 1.3× baseline (zero latency, no rate limit)": resultPass, // 1.2x
		"plan time, N=1000: ours (-shape index) ≤ 1.3× baseline (zero latency, no rate limit)":  resultFail, // 1.5x
		"no-change plan, N=1000: API calls ≤ ceil(N/100)+5":                                     resultFail, // 16 > 15
		"cold apply: one write per created object (N accounts + N tokens), N=1000":              resultPass,
		"apply changing N accounts' description: one write per changed object, N=1000":          resultPass,
		"provider peak RSS, N=1000 (any phase)":                                                 resultFail, // 120 MiB
		"rate limit 20/s, N=200 cold apply: no error, time ≤ 1.25× calls÷20":                    resultPass,
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %q, want %q", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d targets, want %d: %v", len(got), len(want), got)
	}

	// With latency, the time targets are not judged.
	r := sampleReport()
	r.Settings.Latency = "20ms"
	for _, tg := range evaluateTargets(r) {
		if strings.Contains(tg.Name, "time, N=1000") && tg.Result != resultNA {
			t.Errorf("%s: %s with latency, want n/a", tg.Name, tg.Result)
		}
	}
}

func TestTimingTable(t *testing.T) {
	table := timingTable(sampleReport())
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2+3 {
		t.Fatalf("want header, separator and 3 rows, got:\n%s", table)
	}
	cols := strings.Count(lines[0], "|")
	for i, l := range lines {
		if strings.Count(l, "|") != cols {
			t.Errorf("line %d has %d '|', header has %d: %s", i, strings.Count(l, "|"), cols, l)
		}
	}
	if !strings.HasPrefix(lines[2], "| 1000 | apply | 12.00 | 10.00 | 1.20× |") {
		t.Errorf("apply row: %s", lines[2])
	}
	if !strings.Contains(lines[3], "| 16 | 0 | 0 | 120.0 |") {
		t.Errorf("plan row: %s", lines[3])
	}
}

func TestMarkdownIsComplete(t *testing.T) {
	r := sampleReport()
	r.Targets = evaluateTargets(r)
	md := markdown(r, "bench.png")
	for _, want := range []string{"## Time, API calls and memory", "## Under a rate limit", "## Targets", "![apply and plan time vs N](bench.png)", "## Method", "❌ FAIL", "✅ PASS"} {
		if !strings.Contains(md, want) {
			t.Errorf("results.md lacks %q", want)
		}
	}
}

func TestTimingTableWithRef(t *testing.T) {
	r := sampleReport()
	r.Sizes[0].BaselineRef = []phaseResult{{Phase: phaseApply, Seconds: 6}, {Phase: phasePlan, Seconds: 3}}
	lines := strings.Split(strings.TrimSpace(timingTable(r)), "\n")
	if !strings.Contains(lines[0], "ours ÷ ref.") || !strings.HasPrefix(lines[2], "| 1000 | apply | 12.00 | 10.00 | 1.20× | 6.00 | 2.00× |") {
		t.Fatalf("table with ref:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[4], "| — | — |") { // no ref for update
		t.Errorf("update row: %s", lines[4])
	}
}
