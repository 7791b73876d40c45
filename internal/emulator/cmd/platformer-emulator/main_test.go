package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil || cfg.addr != "127.0.0.1:8787" || cfg.opts.AdminToken != emulator.DefaultAdminToken ||
		cfg.opts.DepartedWrites != emulator.DepartedWritesCommit {
		t.Fatalf("defaults %+v, %v", cfg, err)
	}
	cfg, err = parseFlags([]string{"-addr", "[::1]:9000", "-admin-token", "t", "-latency", "50ms", "-rate-limit", "2.5",
		"-fail-rate", "0.1", "-drop-rate", "0.2", "-seed", "42", "-departed-writes", "cancel"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := emulator.Options{AdminToken: "t", Latency: 50 * time.Millisecond, RateLimit: 2.5, FailRate: 0.1, DropRate: 0.2, Seed: 42,
		DepartedWrites: emulator.DepartedWritesCancel}
	if cfg.addr != "[::1]:9000" || cfg.opts != want {
		t.Fatalf("parsed %+v", cfg)
	}

	refused := []struct {
		args    []string
		message string
	}{
		{[]string{"-addr", "0.0.0.0:8787"}, "not a loopback address"},
		{[]string{"-addr", ":8787"}, "not a loopback address"},
		{[]string{"-addr", "192.168.1.10:8787"}, "not a loopback address"},
		{[]string{"-addr", "example.com:80"}, "not a loopback address"},
		{[]string{"-fail-rate", "1.5"}, "-fail-rate"},
		{[]string{"-drop-rate", "-0.1"}, "-drop-rate"},
		{[]string{"-rate-limit", "-1"}, "-rate-limit"},
		{[]string{"-latency", "-1s"}, "-latency"},
		{[]string{"-admin-token", ""}, "-admin-token"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"-departed-writes", "abort"}, `-departed-writes must be "commit" or "cancel", not "abort"`},
		{[]string{"-hold", "everything"}, `-hold must be writes, reads or all, not "everything"`},
	}
	for _, tt := range refused {
		if _, err := parseFlags(tt.args, io.Discard); err == nil || !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.message)
		}
	}
	for flag, want := range map[string]emulator.Hold{"writes": {Writes: true}, "reads": {Reads: true}, "all": {Writes: true, Reads: true}} {
		if cfg, err := parseFlags([]string{"-hold", flag}, io.Discard); err != nil || cfg.opts.Hold != want {
			t.Errorf("-hold %s: %+v, %v", flag, cfg.opts.Hold, err)
		}
	}
	if _, err := parseFlags([]string{"-addr", "0.0.0.0:8787", "-allow-remote"}, io.Discard); err != nil {
		t.Errorf("-allow-remote: %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8787": true, "127.1.2.3:1": true, "[::1]:80": true, "localhost:8787": true,
		"0.0.0.0:80": false, ":80": false, "[::]:80": false, "10.0.0.1:80": false, "127.0.0.1": false,
	}
	for addr, want := range tests {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-admin-token", "demo"}, &stdout, &stderr) }()

	urlPattern := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(5 * time.Second)
	var base string
	for base == "" {
		if m := urlPattern.FindStringSubmatch(stdout.String()); m != nil && strings.Contains(stdout.String(), "admin token") {
			base = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed; stdout %q stderr %q", stdout.String(), stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, want := range []string{emulator.OrganizationID, emulator.ShopProjectID, emulator.DataProjectID,
		emulator.DeployerRoleID, emulator.AuditorRoleID, "admin token   demo"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("%q not printed", want)
		}
	}

	req, _ := http.NewRequest("GET", base+"/auth/api/v1/organization/list", nil)
	req.Header.Set("Authorization", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The clock is real time, sent in the Date header...
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if d := time.Since(date); err != nil || d < -time.Second || d > 2*time.Second {
		t.Errorf("Date %q is %s off real time", resp.Header.Get("Date"), d)
	}
	// ... and can be moved; it then runs on from there.
	resp, err = http.Post(base+"/_emulator/clock", "application/json", strings.NewReader(`{"advance":"300h"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("clock status %d", resp.StatusCode)
	}
	date, err = http.ParseTime(resp.Header.Get("Date"))
	if d := time.Until(date) - 300*time.Hour; err != nil || d < -2*time.Second || d > time.Second {
		t.Errorf("Date %q after advancing 300h is %s off real time + 300h", resp.Header.Get("Date"), d)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d; stderr %q", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestRunRefusesRemote(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", "0.0.0.0:0"}, io.Discard, &stderr); code != 2 {
		t.Fatalf("exit code %d", code)
	}
	if !strings.Contains(stderr.String(), "-allow-remote") {
		t.Fatalf("stderr %q", stderr.String())
	}
}
