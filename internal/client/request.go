package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"

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
}

// logPath is the path with its query; the query carries no secret.
func (r apiRequest) logPath() string {
	if len(r.query) == 0 {
		return r.path
	}
	return r.path + "?" + r.query.Encode()
}

// do sends r, with retries, and hands the payload of a success envelope to decode
// (nil: the payload is ignored).
func (c *Client) do(ctx context.Context, r apiRequest, decode func(json.RawMessage) error) error {
	if ctx == nil {
		return errors.New("client: nil context")
	}
	ex := newExchange(ctx, c, r)
	var body any
	if r.body != nil {
		body = r.body
	}
	req, err := retryablehttp.NewRequestWithContext(ex.traceContext(ctx), r.method, c.base+r.logPath(), body)
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
	requestID := scrub(resp.Header.Get(headerRequestID), c.token)
	raw, err := readBounded(resp.Body)
	if errors.Is(err, errBodyTooLarge) {
		return &UnexpectedResponseError{
			StatusCode: resp.StatusCode, Method: r.method, Path: r.path, RequestID: requestID, Reason: err.Error(),
		}
	}
	if err != nil {
		ex.maybeApplied = true // an answer had begun
		return ex.failure(fmt.Errorf("reading the response body: %w", err))
	}
	return c.interpret(r, resp.StatusCode, requestID, raw, decode)
}

// failure turns an error without an HTTP answer into a transportError.
func (ex *exchange) failure(err error) error {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error() // without the URL
	}
	return &transportError{
		method: ex.r.method, path: ex.r.path, msg: scrub(msg, ex.c.token), err: err, maybeApplied: ex.maybeApplied,
	}
}

// interpret turns an HTTP answer into the call's result.
func (c *Client) interpret(r apiRequest, status int, requestID string, body []byte, decode func(json.RawMessage) error) error {
	success := status >= 200 && status < 300
	unexpected := func(reason string) error {
		e := &UnexpectedResponseError{
			StatusCode: status, Method: r.method, Path: r.path, RequestID: requestID, Reason: scrub(reason, c.token),
		}
		if !success {
			e.Body = bodySnippet(body, c.token)
		}
		return e
	}
	env, ok := parseEnvelope(body)
	switch {
	case !ok:
		return unexpected("not JSON, or not the Console's envelope")
	case !env.success:
		return &APIError{
			StatusCode: status, Message: scrub(env.message, c.token), RequestID: requestID, Method: r.method, Path: r.path,
		}
	case !success:
		return unexpected("a success envelope with an error status")
	case decode == nil:
		return nil
	}
	if err := decode(env.data); err != nil {
		return unexpected("unexpected payload: " + err.Error())
	}
	return nil
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
