package provider

import (
	"context"
	"fmt"
	"time"
)

// consoleNow is the Console's time, the one clock of this provider: every instant
// compared with one of the Console's (an expiry, a creation time) or sent to it (the
// expiry of a token to issue) is on it, since the Console decides when a token stops
// working. The client estimates it from the Date header of the Console's answers.
//
// A fresh provider process has seen no answer yet: Terraform plans every resource again,
// in a new process, when it applies, and a saved plan is applied without a refresh.
// Then learn is called, to make a call whose answer tells the Console's clock (the read
// the caller needs anyway, whose result it caches); when learn is nil, the provider's
// organizations are listed. When no answer tells, this machine's clock is used.
func (d *providerData) consoleNow(ctx context.Context, learn func(context.Context)) time.Time {
	if d == nil || d.client == nil || d.unknown != "" {
		return d.localNow()
	}
	if _, known := d.client.ConsoleClockOffset(); !known {
		if learn == nil {
			learn = func(ctx context.Context) { _, _ = d.client.ListOrganizations(ctx) }
		}
		learn(ctx)
		if _, known := d.client.ConsoleClockOffset(); !known {
			return d.localNow()
		}
	}
	return d.client.ConsoleNow().UTC()
}

// consoleNowKnown is the Console's time without a call: the estimate when an answer of
// the Console has told its clock (known), this machine's clock otherwise.
func (d *providerData) consoleNowKnown() (now time.Time, known bool) {
	if d == nil || d.client == nil {
		return d.localNow(), false
	}
	if _, known := d.client.ConsoleClockOffset(); !known {
		return d.localNow(), false
	}
	return d.client.ConsoleNow().UTC(), true
}

// consoleTimeAt is the Console's time at the instant this machine's clock read local
// (localNow), as far as the Console's clock is known now: an instant taken before any
// answer told the Console's clock is put on it once one has.
func (d *providerData) consoleTimeAt(local time.Time) time.Time {
	now, known := d.consoleNowKnown()
	if !known {
		return local
	}
	return local.Add(now.Sub(d.localNow()))
}

// consoleClockNote says, for messages, on which clock now (from consoleNow) was read
// when the Console's clock is more than a minute from this machine's: "" otherwise.
func (d *providerData) consoleClockNote(now time.Time) string {
	if d == nil || d.client == nil {
		return ""
	}
	if _, known := d.client.ConsoleClockOffset(); !known {
		return ""
	}
	return clockNote(now.Sub(d.localNow()))
}

// localNow is this machine's clock (the provider's Clock, which tests move).
func (d *providerData) localNow() time.Time {
	if d == nil || d.clock == nil {
		return realClock{}.Now()
	}
	return d.clock.Now().UTC()
}

// clockNote says how far the Console's clock is from this machine's, when more than a
// minute: "" otherwise.
func clockNote(consoleAhead time.Duration) string {
	rel := "ahead of"
	if consoleAhead < 0 {
		consoleAhead, rel = -consoleAhead, "behind"
	}
	if consoleAhead <= time.Minute {
		return ""
	}
	// The estimate is good to about a second: minutes are what it can tell.
	return fmt.Sprintf(" on the Console's clock, which is about %s %s this machine's", consoleAhead.Round(time.Minute), rel)
}
