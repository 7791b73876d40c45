package duration

import (
	"strings"
	"testing"
	"time"
)

// The one syntax: Go durations with days, to the second, positive.
func TestParse(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "1d12h": 36 * time.Hour, "720h": 720 * time.Hour, "1h30m": 90 * time.Minute,
		"90s": 90 * time.Second, "31d": 31 * 24 * time.Hour,
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "500ms", "-1h", "0s", "1.5.2h", "d"} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), in) {
			t.Errorf("Parse(%q): error %v; want one that quotes the input", in, err)
		}
	}
}
