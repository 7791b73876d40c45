package provider

import (
	"fmt"
	"testing"
)

// logOnFailure logs what helps diagnose a failure (the counts, transcripts and timings
// a test gathered), once the test has ended, and only when it failed: a test that
// passes says so by passing, and a summary logged regardless of the outcome is read as
// evidence that the assertions, not the log, give. The values are those of the call.
func logOnFailure(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf(format, args...)
		}
	})
}

// recordingTB is a testing.TB whose outcome, logs and cleanups a test decides and reads.
type recordingTB struct {
	testing.TB
	failed   bool
	logs     []string
	cleanups []func()
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Failed() bool     { return r.failed }
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestLogOnFailure: a test that passes logs nothing; one that fails logs the summary.
func TestLogOnFailure(t *testing.T) {
	t.Parallel()
	for _, failed := range []bool{false, true} {
		r := &recordingTB{TB: t}
		logOnFailure(r, "%d runs", 3)
		r.failed = failed
		r.end()
		switch {
		case !failed && len(r.logs) != 0:
			t.Errorf("a passing test logged %q", r.logs)
		case failed && (len(r.logs) != 1 || r.logs[0] != "3 runs"):
			t.Errorf("a failing test logged %q, want [\"3 runs\"]", r.logs)
		}
	}
}
