package provider

import "testing"

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
