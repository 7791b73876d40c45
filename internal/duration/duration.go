// Package duration is the one syntax of durations that the provider accepts and the
// emulator's control routes accept too: Go durations with days ("30d", "1d12h"), to the
// second. It is plain Go: the provider's duration type and the emulator both use it, and
// neither imports the other.
package duration

import (
	"fmt"
	"math"
	"time"
)

// Hint says what Parse accepts.
const Hint = `Use a number with a unit: d, h, m or s, for example "30d", "720h", "1d12h" or "90m".`

// Parse parses a positive duration: a Go duration ("720h", "1h30m", "90s") in which
// days ("30d", "1d12h") are also accepted (a day is 24 hours) and units below a second
// ("ms", "us", "ns") are not. The error quotes s and says what is accepted.
func Parse(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("%q is not a duration. %s", s, Hint)
	}
	neg := false
	rest := s
	if rest[0] == '-' || rest[0] == '+' {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "0" {
		return 0, fmt.Errorf("%q is not positive. Use a duration greater than zero, such as \"720h\"", s)
	}
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] == '.' || ('0' <= rest[i] && rest[i] <= '9')) {
			i++
		}
		j := i
		for j < len(rest) && !(rest[j] == '.' || ('0' <= rest[j] && rest[j] <= '9')) {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" || unit == "" {
			return 0, fmt.Errorf("%q is not a duration. %s", s, Hint)
		}
		days := unit == "d"
		switch unit {
		case "d":
			unit = "h"
		case "h", "m", "s":
		case "ms", "us", "µs", "μs", "ns":
			return 0, fmt.Errorf("%q uses %q: units below a second are not accepted, since the Console keeps "+
				"times to the second. %s", s, unit, Hint)
		default:
			return 0, fmt.Errorf("%q is not a duration: unknown unit %q. %s", s, unit, Hint)
		}
		d, err := time.ParseDuration(num + unit)
		switch {
		case err != nil && wellFormedNumber(num):
			return 0, fmt.Errorf("%q is too long: the longest duration accepted is about 290 years", s)
		case err != nil:
			return 0, fmt.Errorf("%q is not a duration. %s", s, Hint)
		}
		if days {
			if d > math.MaxInt64/24 {
				return 0, fmt.Errorf("%q is too long: the longest duration accepted is about 290 years", s)
			}
			d *= 24
		}
		if total > math.MaxInt64-d {
			return 0, fmt.Errorf("%q is too long: the longest duration accepted is about 290 years", s)
		}
		total += d
	}
	if neg {
		total = -total
	}
	switch {
	case total <= 0:
		return 0, fmt.Errorf("%q is not positive. Use a duration greater than zero, such as \"720h\"", s)
	case total%time.Second != 0:
		return 0, fmt.Errorf("%q is not a whole number of seconds: units below a second are not accepted, since "+
			"the Console keeps times to the second. %s", s, Hint)
	}
	return total, nil
}

// wellFormedNumber reports whether s is digits with at most one '.', and one digit at least.
func wellFormedNumber(s string) bool {
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '.':
			dots++
		case '0' <= s[i] && s[i] <= '9':
			digits++
		}
	}
	return digits > 0 && dots <= 1
}
