package client

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

const maxRedirects = 10

// redirectError is a redirect the client refused to follow.
type redirectError struct{ reason string }

func (e *redirectError) Error() string { return e.reason }

// checkRedirect is the http.Client's redirect policy. The token must never reach
// another host, nor travel in clear text: a redirect is followed only within the base
// URL's origin (same scheme, host and port), where the Authorization header goes
// along; any other redirect is refused, so nothing at all is sent to its target, and
// the call fails with an error naming the target's origin. A write (any method but GET
// and HEAD) is never redirected.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &redirectError{reason: fmt.Sprintf("stopped after %d redirects", maxRedirects)}
	}
	if first := via[0]; first.Method != http.MethodGet && first.Method != http.MethodHead {
		status := "a redirect"
		if req.Response != nil {
			status = "a redirect (" + statusLine(req.Response.StatusCode) + ")"
		}
		return &redirectError{reason: fmt.Sprintf("the server answered with %s to %s://%s%s, which was not followed: "+
			"a write is never redirected, so nothing was sent there. %s", status, req.URL.Scheme,
			req.URL.Host, req.URL.EscapedPath(), c.checkURLHint())}
	}
	if !sameOrigin(req.URL, c.baseURL) {
		return &redirectError{reason: fmt.Sprintf(
			"refused a redirect to %s://%s: the token is sent only to %s://%s",
			req.URL.Scheme, req.URL.Host, c.baseURL.Scheme, c.baseURL.Host)}
	}
	return nil
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
