package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxResponseBody bounds what the client reads of any response body.
const maxResponseBody = 4 << 20

var errBodyTooLarge = errors.New("the body is larger than 4 MiB")

// apiRequest is one Console API call, as spelled by contract.go.
type apiRequest struct {
	method string
	path   string            // escaped, relative to the base URL
	query  url.Values        // nil: none
	header map[string]string // scope headers
	body   []byte            // nil: no body
	probe  bool              // a check made by confirmNotFound: its own 404 is not confirmed
}

// logPath is the path with its query; the query carries no secret.
func (r apiRequest) logPath() string {
	if len(r.query) == 0 {
		return r.path
	}
	return r.path + "?" + r.query.Encode()
}

// url is the absolute URL the request is sent to.
func (c *Client) url(r apiRequest) string { return c.base + r.logPath() }

// do sends r, with retries, and hands the payload of a success envelope to decode
// (nil: the payload is ignored). A 404 in the Console's envelope is returned as the
// Console's not-found only once confirmNotFound has confirmed it.
func (c *Client) do(ctx context.Context, r apiRequest, decode func(json.RawMessage) error) error {
	err := c.send(ctx, r, decode)
	if r.probe || apiStatus(err) != http.StatusNotFound {
		return err
	}
	return c.confirmNotFound(ctx, r, err)
}

// send is do without the confirmation of a 404.
func (c *Client) send(ctx context.Context, r apiRequest, decode func(json.RawMessage) error) error {
	if ctx == nil {
		return errors.New("client: nil context")
	}
	ex := newExchange(ctx, c, r)
	var body any
	if r.body != nil {
		body = r.body
	}
	req, err := retryablehttp.NewRequestWithContext(ex.traceContext(ctx), r.method, c.url(r), body)
	if err != nil {
		return c.errorf("%s %s: building the request: %v", r.method, r.path, err)
	}
	req.Header.Set(headerAuthorization, authorizationValue(c.token))
	req.Header.Set(headerUserAgent, c.userAgent)
	req.Header.Set(headerAccept, mediaTypeJSON)
	if r.body != nil {
		req.Header.Set(headerContentType, mediaTypeJSON)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}

	resp, err := ex.retryClient().Do(req)
	if err != nil {
		return ex.failure(err)
	}
	defer resp.Body.Close()
	a := answer{
		status:    resp.StatusCode,
		requestID: scrub(resp.Header.Get(headerRequestID), c.token),
		date:      resp.Header.Get(headerDate),
		ctype:     resp.Header.Get(headerContentType),
		received:  time.Now(),
	}
	a.body, err = readBounded(resp.Body)
	if errors.Is(err, errBodyTooLarge) {
		return c.notConsole(r, a, err.Error(), "")
	}
	if err != nil {
		ex.maybeApplied = true // an answer had begun
		return ex.failure(fmt.Errorf("reading the response body: %w", err))
	}
	err = c.interpret(r, a, decode)
	if a.status == http.StatusTooManyRequests && err != nil {
		return &rateLimitedError{err: err, attempts: ex.attempt, spent: time.Since(ex.first), patience: c.patience,
			maybeApplied: ex.maybeApplied && r.method != http.MethodGet}
	}
	return err
}

// answer is an HTTP answer to one call.
type answer struct {
	status    int
	requestID string // scrubbed
	date      string // the Date header
	ctype     string // the Content-Type header
	received  time.Time
	body      []byte
}

// failure turns an error without an HTTP answer into a transportError.
func (ex *exchange) failure(err error) error {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error() // without the URL
	}
	te := &transportError{
		method: ex.r.method, path: ex.r.path, msg: scrub(msg, ex.c.token), err: err, maybeApplied: ex.maybeApplied,
	}
	if ex.attempt == 0 {
		return te
	}
	spent := fmt.Sprintf("%s over %s", plural(ex.attempt, "attempt"), roundDuration(time.Since(ex.first)))
	switch hint := connectHint(err, ex.c.baseURL, ex.c.urlSetting); {
	case hint != "":
		te.msg += fmt.Sprintf(" (%s). %s.", spent, hint)
	case isTimeout(err) && ex.ctx.Err() == nil:
		te.timedOut = true
		te.msg += fmt.Sprintf(" (%s, each allowed %s by %s). The Console did not answer in time: raise %s if it is "+
			"slow to answer, or check %s (now %s) and the network between here and there.", spent,
			ex.c.requestTimeout, ex.c.timeoutSetting, ex.c.timeoutSetting, ex.c.urlSetting, ex.c.baseURL.Redacted())
	}
	return te
}

// roundDuration rounds d for a message: to the millisecond, and never to zero.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return time.Millisecond
	}
	if d < 10*time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// interpret turns an HTTP answer into the call's result.
func (c *Client) interpret(r apiRequest, a answer, decode func(json.RawMessage) error) error {
	success := a.status >= 200 && a.status < 300
	env, ok := parseEnvelope(a.body)
	if !ok {
		return c.notConsole(r, a, describeBody(a.body, a.ctype), "")
	}
	c.observeDate(a.date, a.received)
	switch {
	case !env.success:
		return &APIError{
			StatusCode: a.status, Message: scrub(env.message, c.token), RequestID: a.requestID, Method: r.method, Path: r.path,
		}
	case !success:
		return c.notConsole(r, a, "a success envelope with an error status", "")
	}
	if decode != nil {
		if err := decode(env.data); err != nil {
			return c.notConsole(r, a, "unexpected payload: "+err.Error(),
				"The answer is in the Console's envelope but not in the form this client knows: if "+c.urlSetting+
					" points at the Console, this provider may be too old for it; otherwise check "+c.urlSetting+".")
		}
	}
	c.routesConfirmed.Store(true)
	return nil
}

// notConsole is an UnexpectedResponseError for an answer that is not the Console's, with
// a hint that asks to check the base URL unless hint says otherwise.
func (c *Client) notConsole(r apiRequest, a answer, reason, hint string) *UnexpectedResponseError {
	if hint == "" {
		hint = c.checkURLHint()
	}
	e := &UnexpectedResponseError{
		StatusCode: a.status, Method: r.method, Path: r.path, URL: c.url(r), RequestID: a.requestID,
		Reason: scrub(reason, c.token), Hint: hint,
	}
	if a.status < 200 || a.status >= 300 {
		e.Body = bodySnippet(a.body, c.token)
	}
	return e
}

// checkURLHint asks to check the base URL and says what it should look like.
func (c *Client) checkURLHint() string {
	return fmt.Sprintf("Check %s (now %s): it must be the Console API's base URL, such as %s, without %s; behind a "+
		"proxy, the proxy's.", c.urlSetting, c.baseURL.Redacted(), DefaultBaseURL, pathPrefixAuth)
}

// describeBody says what a body that is not the Console's envelope looks like.
func describeBody(body []byte, ctype string) string {
	trimmed := bytes.TrimSpace(body)
	mt, _, _ := mime.ParseMediaType(ctype)
	switch {
	case len(trimmed) == 0:
		return "an empty body, not the Console's JSON envelope"
	case mt == "text/html" || mt == "application/xhtml+xml" || trimmed[0] == '<':
		return "an HTML page, as a proxy, load balancer or web server sends, not the Console's JSON envelope"
	case json.Valid(trimmed):
		return "JSON that is not the Console's envelope: another API answered"
	}
	return "neither JSON nor HTML, not the Console's JSON envelope"
}

// confirmNotFound decides whether a 404 in the Console's envelope is the Console saying
// that the object is gone. It is only if the route exists: the envelope does not say
// the route is unknown, and some call through this base URL has had a success envelope
// (else one GET of the organization list, which any valid token may make, is made to
// find out). Otherwise the 404 is an UnexpectedResponseError naming the URL requested,
// so that no one takes it for the object's absence.
func (c *Client) confirmNotFound(ctx context.Context, r apiRequest, notFound error) error {
	var ae *APIError
	if !errors.As(notFound, &ae) {
		return notFound
	}
	a := answer{status: ae.StatusCode, requestID: ae.RequestID}
	if isUnknownRouteMessage(ae.Message) {
		return c.notConsole(r, a, fmt.Sprintf("the server answered that it has no such route (%q), so this says "+
			"nothing about the object", ae.Message), "")
	}
	if c.routesConfirmed.Load() {
		return notFound
	}
	c.probeMu.Lock()
	defer c.probeMu.Unlock()
	if c.routesConfirmed.Load() {
		return notFound
	}
	probe := apiRequest{method: http.MethodGet, path: pathListOrganizations, probe: true}
	err := c.send(ctx, probe, func(data json.RawMessage) error {
		_, err := decodeOrganizations(data)
		return err
	})
	if err == nil {
		return notFound
	}
	return c.notConsole(r, a, fmt.Sprintf("a 404 in the Console's envelope (%q), but no call through this base URL "+
		"has succeeded, and GET %s failed too (%s): the route is not confirmed, so this says nothing about the object",
		ae.Message, c.url(probe), probeFailure(err)), "")
}

// probeFailure is a probe's error without its URL and hint, to quote it.
func probeFailure(err error) string {
	var ue *UnexpectedResponseError
	if errors.As(err, &ue) {
		return ue.answer()
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return statusLine(ae.StatusCode) + ": " + ae.Message
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.msg
	}
	return err.Error()
}

func readBounded(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxResponseBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResponseBody {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// errorf is fmt.Errorf for messages that may quote caller input, with the token
// scrubbed just in case.
func (c *Client) errorf(format string, args ...any) error {
	return errors.New(scrub(fmt.Sprintf(format, args...), c.token))
}
