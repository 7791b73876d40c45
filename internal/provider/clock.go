package provider

import "time"

// Clock tells the time. Expiry and renewal windows are computed against it, so tests
// move time instead of sleeping.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }
