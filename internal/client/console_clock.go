package client

import (
	"math"
	"net/http"
	"time"
)

// clockUnknown marks Client.clockOffset before any Date header was read.
const clockUnknown = math.MinInt64

// ConsoleNow is the Console's clock as this client estimates it: the local clock plus
// the offset measured from the Date header of the Console's latest answer (see
// ConsoleClockOffset), or the local clock while no answer carried a Date header it
// could read. Token expiry is decided on the Console's clock.
func (c *Client) ConsoleNow() time.Time {
	now := time.Now()
	if off, ok := c.ConsoleClockOffset(); ok {
		return now.Add(off)
	}
	return now
}

// ConsoleClockOffset is how far the Console's clock is ahead of the local clock
// (negative: behind), and whether it is known: it is measured on every answer in the
// Console's envelope that carries a readable Date header, as that header minus the
// local time the answer arrived. Date has whole seconds, so the estimate is within
// about a second plus the answer's travel time. Answers that are not the Console's (a
// proxy's error page, say) are not used.
func (c *Client) ConsoleClockOffset() (offset time.Duration, known bool) {
	v := c.clockOffset.Load()
	if v == clockUnknown {
		return 0, false
	}
	return time.Duration(v), true
}

// observeDate records the offset a Console answer's Date header shows; an absent or
// unreadable header changes nothing.
func (c *Client) observeDate(date string, received time.Time) {
	if date == "" {
		return
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return
	}
	off := int64(t.Sub(received))
	if off == clockUnknown {
		off++
	}
	c.clockOffset.Store(off)
}
