package provider

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Issue 24, defect 8: after terraform was killed, provider processes lingered 29 to 41
// minutes. The plugin now stops within seconds once its parent is gone.

func TestWatchParent(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(100)
	gone := make(chan struct{})
	go watchParent(100, time.Millisecond, func() int { return int(ppid.Load()) }, nil, func() { close(gone) })
	select {
	case <-gone:
		t.Fatal("gone called while the parent is there")
	case <-time.After(50 * time.Millisecond):
	}
	ppid.Store(1) // adopted
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("gone not called after the parent id changed")
	}
	stop := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		watchParent(100, time.Millisecond, func() int { return 100 }, stop, func() { t.Error("gone called") })
		close(returned)
	}()
	close(stop)
	<-returned
}

// TestServe_stopsWhenParentIsGone serves the built provider as a plugin, the child of a
// shell that stands for terraform, SIGKILLs the shell, and waits for the plugin to exit.
func TestServe_stopsWhenParentIsGone(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(providerBinaryDir(t), providerBinaryName)
	// The shell starts the plugin, prints its pid, and waits on its stdin.
	parent := exec.Command("sh", "-c", `"$0" & echo "$!"; read -r _`, bin)
	parent.Env = append(os.Environ(), "PLUGIN_PROTOCOL_VERSIONS=6",
		"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	parent.Stderr = stderr // a file: a pipe would make Wait wait for the plugin too
	stdin, err := parent.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(stdout)
	pidLine, err := lines.ReadString('\n')
	pid, convErr := strconv.Atoi(strings.TrimSpace(pidLine))
	if err != nil || convErr != nil {
		t.Fatalf("the plugin's pid: %q, %v %v", pidLine, err, convErr)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	// Serving: go-plugin's handshake, core version 1, protocol 6.
	if handshake, err := lines.ReadString('\n'); err != nil || !strings.HasPrefix(handshake, "1|6|") {
		t.Fatalf("the plugin's handshake: %q, %v", handshake, err)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	const within = 10 * time.Second
	start := time.Now()
	for processAlive(pid) {
		if time.Since(start) > within {
			b, _ := os.ReadFile(stderr.Name())
			t.Fatalf("the plugin still runs %s after its parent was killed; its stderr:\n%s", within, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the plugin stopped %s after its parent was killed", time.Since(start).Round(10*time.Millisecond))
}

// processAlive says whether the process runs: it exists and is not a zombie waiting
// for whoever adopted it to reap it.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	// pid (comm) state ...: comm may hold spaces, so read after the last ')'.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) == 0 || fields[0] != "Z"
}

// The end of the plugin's lifetime cancels the RPCs in flight, with its cause, and
// inFlight counts them. Not parallel: it replaces the lifetime of the test binary.
func TestReleasing_cancelledWhenLifetimeEnds(t *testing.T) {
	was, wasEnd := lifetime, endLifetime
	lifetime, endLifetime = context.WithCancelCause(context.Background())
	t.Cleanup(func() { lifetime, endLifetime = was, wasEnd })
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := releasing(context.Background(), 0, func(ctx context.Context, _ int) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, context.Cause(ctx)
		})
		done <- err
	}()
	<-started
	if n := inFlight.Load(); n != 1 {
		t.Errorf("%d RPCs in flight, want 1", n)
	}
	endLifetime(errParentGone)
	select {
	case err := <-done:
		if !errors.Is(err, errParentGone) {
			t.Errorf("the RPC ended with %v, want %v", err, errParentGone)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the RPC in flight was not cancelled")
	}
	if n := inFlight.Load(); n != 0 {
		t.Errorf("%d RPCs in flight after it returned, want 0", n)
	}
}
