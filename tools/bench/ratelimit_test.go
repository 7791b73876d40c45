package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestWindowRate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	samples := []statsSample{
		{at(0), 0, 0},
		{at(1), 2, 0},  // the refresh
		{at(2), 2, 0},  // Terraform plans
		{at(3), 12, 5}, // renewals start
		{at(4), 22, 10},
		{at(5), 22, 10}, // done
	}
	secs, rate := windowRate(samples)
	if secs != 2 || math.Abs(rate-10) > 1e-9 {
		t.Errorf("got %vs at %v/s, want 2s at 10/s (from the sample before the first write to the last)", secs, rate)
	}
	if s, r := windowRate(samples[:2]); s != 0 || r != 0 {
		t.Errorf("no write: %v, %v", s, r)
	}
}

func TestRotatingConfig(t *testing.T) {
	c := rotatingConfig(oursConfig(3, providerSettings{APIURL: "http://127.0.0.1:1"}, shapeList))
	for _, want := range []string{"  rotation_trigger   = var.rotation\n", "variable \"rotation\" {", "default = 1"} {
		if !strings.Contains(c, want) {
			t.Errorf("missing %q in\n%s", want, c)
		}
	}
	if strings.Contains(c, "requests_per_second") {
		t.Error("the provider's default settings are not used")
	}
}

func TestRateLimitTargets(t *testing.T) {
	yes := true
	good := rateLimitRun{N: 200, Limit: 2, PlanEmpty: &yes, TokensInState: 200, TokensWorking: 200,
		Create: rateLimitApply{Processed: 200}, Renew: rateLimitApply{Processed: 200, Rate: 1.7}}
	slow := good
	slow.Renew.Rate = 1.5
	lost := good
	lost.Renew.Processed = 197
	dead := good
	dead.TokensWorking = 199
	unlimited := good
	unlimited.Limit, unlimited.Renew.Rate = 0, 3
	for _, tc := range []struct {
		run  rateLimitRun
		want string
	}{{good, resultPass}, {slow, resultFail}, {lost, resultFail}, {dead, resultFail}, {unlimited, resultPass}} {
		if got := rateLimitTargets([]rateLimitRun{tc.run})[0].Result; got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.run, got, tc.want)
		}
	}
}
