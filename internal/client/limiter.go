package client

import (
	"net/http"

	"golang.org/x/time/rate"
)

// limitedTransport paces every round trip: first tries, retries and followed redirects
// alike. It waits for the Client's own ceiling (requests_per_second, if set), then for
// the process's budget for the Console, and tells the budget how the Console answered:
// a 429 slows it, any other answer lets it speed up. Waiting honours the request
// context.
type limitedTransport struct {
	next    http.RoundTripper
	ceiling *rate.Limiter // nil: no ceiling
	budget  *budget
	floor   float64 // the slowest this Client lets the budget go
}

// limiterError is a round trip refused by the client-side limiter: the context ended,
// or would end, before the limiter allowed the request. Nothing was sent.
type limiterError struct{ err error }

func (e *limiterError) Error() string { return "client-side rate limit: " + e.err.Error() }
func (e *limiterError) Unwrap() error { return e.err }

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	err := t.budget.wait(req.Context())
	if err == nil && t.ceiling != nil {
		err = t.ceiling.Wait(req.Context())
	}
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper always closes the body
		}
		return nil, &limiterError{err: err}
	}
	// http.Client sets the deprecated Cancel channel for a RoundTripper it does not know,
	// besides the deadline of the request's context; the transport under this one
	// honours the context, whose error says what happened ("context deadline exceeded",
	// not "request canceled").
	if req.Cancel != nil { //nolint:staticcheck // removing the deprecated field, not using it
		shallow := *req
		shallow.Cancel = nil //nolint:staticcheck // as above
		req = &shallow
	}
	sent := t.budget.send()
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		if resp.StatusCode == http.StatusTooManyRequests {
			t.budget.throttled(sent, t.floor)
		} else {
			t.budget.answer()
		}
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the wrapped transport.
func (t *limitedTransport) CloseIdleConnections() {
	type closeIdler interface{ CloseIdleConnections() }
	if ci, ok := t.next.(closeIdler); ok {
		ci.CloseIdleConnections()
	}
}
