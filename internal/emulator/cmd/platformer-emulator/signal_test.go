package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this command's main in a child process: the test binary
// re-executed with PLATFORMER_EMULATOR_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("PLATFORMER_EMULATOR_MAIN") == "1" {
		os.Args = append([]string{"platformer-emulator"}, strings.Fields(os.Getenv("PLATFORMER_EMULATOR_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

// SIGTERM (what `kill`, make, systemd and CI runners send) and SIGINT stop the process
// cleanly: it says so and exits 0, and the port is free again.
func TestSignalStopsTheProcess(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "PLATFORMER_EMULATOR_MAIN=1", "PLATFORMER_EMULATOR_ARGS=-addr 127.0.0.1:0")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var printed []string
			addr := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`)
			var listen string
			deadline := time.After(10 * time.Second)
			for !strings.Contains(strings.Join(printed, "\n"), "Stop with Ctrl-C or SIGTERM") {
				select {
				case l := <-lines:
					printed = append(printed, l)
					if m := addr.FindStringSubmatch(l); m != nil {
						listen = m[1]
					}
				case <-deadline:
					_ = cmd.Process.Kill()
					t.Fatalf("not started: %q", printed)
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() {
				for l := range lines {
					printed = append(printed, l)
				}
				exited <- cmd.Wait()
			}()
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit: %v; output %q", err, printed)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10s after %s", sig)
			}
			if got := strings.Join(printed, "\n"); !strings.HasSuffix(got, "stopped") {
				t.Errorf("output does not end with \"stopped\": %q", got)
			}
			// The port is free again.
			if listen != "" {
				if c, err := (&net.Dialer{Timeout: time.Second}).Dial("tcp", listen); err == nil {
					_ = c.Close()
					t.Errorf("%s still accepts connections", listen)
				}
			}
		})
	}
}
