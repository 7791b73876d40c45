package main

import (
	"bufio"
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
	"strconv"
	"syscall"
	"time"
)

// emulator is a running platformer-emulator process on a loopback port.
type emulator struct {
	URL     string
	cmd     *exec.Cmd
	pidFile string
	exited  chan struct{}
	http    *http.Client
}

// emulatorStats is GET /_emulator/stats.
type emulatorStats struct {
	Total    int          `json:"total"`
	Requests []routeCount `json:"requests"`
}

// routeCount is one line of the emulator's counters: requests of one method and route
// pattern that got one final status.
type routeCount struct {
	Method string `json:"method"`
	Route  string `json:"route"`
	Status int    `json:"status"`
	Count  int    `json:"count"`
}

var listeningRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:[0-9]+)`)

// startEmulator starts bin on a free loopback port with the given latency and rate
// limit, no injected faults, and waits until /_emulator/healthz answers. Its output
// goes to logPath. Its pid is written to pidFile so that scripts/bench.sh can kill it
// if this program dies; the kernel also kills it when this program exits
// (Pdeathsig).
func startEmulator(ctx context.Context, bin, logPath, pidFile string, latency time.Duration, rateLimit float64) (*emulator, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"-addr", "127.0.0.1:0",
		"-latency", latency.String(),
		"-rate-limit", strconv.FormatFloat(rateLimit, 'f', -1, 64),
		"-fail-rate", "0",
		"-drop-rate", "0",
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	e := &emulator{cmd: cmd, pidFile: pidFile, exited: make(chan struct{}), http: &http.Client{Timeout: 10 * time.Second}}
	if pidFile != "" {
		_ = os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	}

	urls := make(chan string, 1)
	go func() {
		// Copy the output to the log, reporting the address from the banner.
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if m := listeningRE.FindStringSubmatch(line); m != nil && !sent {
				urls <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(logFile, stdout)
	}()
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(e.exited)
	}()

	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	select {
	case e.URL = <-urls:
	case <-e.exited:
		return nil, fmt.Errorf("the emulator exited at start; see %s", logPath)
	case <-timeout.C:
		e.Stop()
		return nil, fmt.Errorf("the emulator did not print its address within 15s; see %s", logPath)
	case <-ctx.Done():
		e.Stop()
		return nil, ctx.Err()
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		var out map[string]string
		if err := e.control(ctx, http.MethodGet, "healthz", &out); err == nil && out["status"] == "ok" {
			return e, nil
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("GET %s/_emulator/healthz did not answer ok within 15s", e.URL)
		}
		select {
		case <-e.exited:
			return nil, fmt.Errorf("the emulator exited at start; see %s", logPath)
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop ends the emulator: SIGTERM, then SIGKILL after 5 seconds.
func (e *emulator) Stop() {
	if e == nil || e.cmd.Process == nil {
		return
	}
	select {
	case <-e.exited:
	default:
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.exited:
		case <-time.After(5 * time.Second):
			_ = e.cmd.Process.Kill()
			<-e.exited
		}
	}
	if e.pidFile != "" {
		_ = os.Remove(e.pidFile)
	}
}

// control calls /_emulator/<path> and decodes the JSON answer into out (if not nil).
func (e *emulator) control(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, e.URL+"/_emulator/"+path, nil)
	if err != nil {
		return err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s /_emulator/%s: %s: %s", method, path, resp.Status, body)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

// ResetStats zeroes the request counters.
func (e *emulator) ResetStats(ctx context.Context) error {
	return e.control(ctx, http.MethodDelete, "stats", nil)
}

// Stats reads the request counters.
func (e *emulator) Stats(ctx context.Context) (emulatorStats, error) {
	var s emulatorStats
	err := e.control(ctx, http.MethodGet, "stats", &s)
	return s, err
}

// Reset wipes the emulator's state back to its seed.
func (e *emulator) Reset(ctx context.Context) error {
	return e.control(ctx, http.MethodPost, "reset", nil)
}

// goBuild builds pkg of the module in dir into out.
func goBuild(ctx context.Context, dir, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s (in %s): %w", pkg, dir, err)
	}
	if _, err := os.Stat(out); err != nil {
		return errors.New("go build produced no " + filepath.Base(out))
	}
	return nil
}
