package client

import (
	"net/http"

	"golang.org/x/time/rate"
)

// limitedTransport waits for the Client's rate limiter before every round trip, so the
// limit covers every attempt: first tries, retries and followed redirects alike. One
// limiter is shared by all calls of a Client. Waiting honours the request context.
type limitedTransport struct {
	next    http.RoundTripper
	limiter *rate.Limiter
}

// limiterError is a round trip refused by the client-side limiter: the context ended,
// or would end, before the limiter allowed the request. Nothing was sent.
type limiterError struct{ err error }

func (e *limiterError) Error() string { return "client-side rate limit: " + e.err.Error() }
func (e *limiterError) Unwrap() error { return e.err }

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context()); err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper always closes the body
		}
		return nil, &limiterError{err: err}
	}
	return t.next.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the wrapped transport.
func (t *limitedTransport) CloseIdleConnections() {
	type closeIdler interface{ CloseIdleConnections() }
	if ci, ok := t.next.(closeIdler); ok {
		ci.CloseIdleConnections()
	}
}
