package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxRetryAfter caps the wait a server may ask for with Retry-After.
const maxRetryAfter = 60 * time.Second

// exchange is one call: one request, its attempts and their retries. Its hooks run on
// the goroutine that called Client.do, one attempt after another.
type exchange struct {
	c          *Client
	ctx        context.Context
	r          apiRequest
	idempotent bool // GET, PUT and DELETE may be repeated; POST may not

	attempt      int           // 1 for the first attempt
	first        time.Time     // of the first attempt
	start        time.Time     // of the current attempt
	maybeApplied bool          // some attempt may have reached the Console unanswered
	retries      int           // retries made after failures other than 429 (at most maxRetries)
	throttled    int           // attempts answered 429
	wait         time.Duration // before the next attempt, as checkRetry decided it
	gotConn      atomic.Bool
}

func newExchange(ctx context.Context, c *Client, r apiRequest) *exchange {
	return &exchange{c: c, ctx: ctx, r: r, idempotent: r.method != http.MethodPost}
}

// traceContext records whether an attempt obtained a connection: an attempt that did
// not has certainly not reached the server.
func (ex *exchange) traceContext(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { ex.gotConn.Store(true) },
	})
}

// retryClient is a go-retryablehttp client for this exchange only; the http.Client
// under it (transport, connection pool, rate limiter) is the Client's, shared. Its
// built-in Logger stays nil: the hooks log through the Client's Logger with ctx. Its
// RetryMax never stops it: checkRetry bounds the retries, by count (maxRetries) for
// failures and by time (patience) for 429s.
func (ex *exchange) retryClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:      ex.c.httpClient,
		RetryMax:        math.MaxInt32,
		RetryWaitMin:    ex.c.retryWaitMin,
		RetryWaitMax:    ex.c.retryWaitMax,
		CheckRetry:      ex.checkRetry,
		Backoff:         ex.backoff,
		ErrorHandler:    ex.errorHandler,
		RequestLogHook:  ex.beforeAttempt,
		ResponseLogHook: ex.afterResponse,
	}
}

func (ex *exchange) fields() map[string]any {
	return map[string]any{logMethod: ex.r.method, logPath: ex.r.logPath(), logAttempt: ex.attempt}
}

func (ex *exchange) beforeAttempt(_ retryablehttp.Logger, req *http.Request, retry int) {
	ex.attempt = retry + 1
	ex.start = time.Now()
	if retry == 0 {
		ex.first = ex.start
	}
	ex.gotConn.Store(false)
	f := ex.fields()
	f[logRequestHeaders] = RedactHeaders(req.Header)
	ex.c.logger.Debug(ex.ctx, "Console API request", f)
}

func (ex *exchange) afterResponse(_ retryablehttp.Logger, resp *http.Response) {
	f := ex.fields()
	f[logStatus] = resp.StatusCode
	f[logDurationMS] = time.Since(ex.start).Milliseconds()
	f[logRequestID] = scrub(resp.Header.Get(headerRequestID), ex.c.token)
	ex.c.logger.Debug(ex.ctx, "Console API response", f)
}

// checkRetry decides after each attempt, and sets the wait before the next. Never when
// maxRetries is 0, nor once the context is done. After a 429 (refused, not processed:
// any method), for as long as retryThrottled allows. Otherwise at most maxRetries
// times: GET, PUT and DELETE after connection errors and 5xx but 501; POST only when
// the Console certainly did not process it: 503 or a dial error — never after 502,
// 504, a timeout or a reset, whose outcome is unknown.
func (ex *exchange) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, cerr := ex.shouldRetry(ctx, resp, err)
	if ex.c.maxRetries == 0 {
		return false, cerr
	}
	if !retry || cerr != nil || resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		return retry, cerr
	}
	if ex.retries >= ex.c.maxRetries {
		return false, nil
	}
	ex.wait = backoffFor(ex.c.retryWaitMin, ex.c.retryWaitMax, ex.retries, resp, time.Now())
	ex.retries++
	return true, nil
}

// shouldRetry is checkRetry's rule, without the count of retries.
func (ex *exchange) shouldRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	var le *limiterError
	var re *redirectError
	if err != nil {
		// A refused redirect was an answer (a 3xx), not a request lost in flight.
		if ex.gotConn.Load() && !errors.As(err, &re) {
			ex.maybeApplied = true
		}
		f := ex.fields()
		f[logDurationMS] = time.Since(ex.start).Milliseconds()
		f[logError] = scrub(err.Error(), ex.c.token)
		ex.c.logger.Warn(ex.ctx, "Console API request failed", f)
	} else if resp != nil {
		if s := resp.StatusCode; s >= 200 && s < 300 || s == http.StatusBadGateway || s == http.StatusGatewayTimeout {
			ex.maybeApplied = true
		}
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if errors.As(err, &le) || errors.As(err, &re) || ex.hopeless(err) {
			return false, nil
		}
		if ex.idempotent {
			return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		}
		return !ex.gotConn.Load() && isDialError(err), nil
	}
	if resp == nil {
		return false, nil
	}
	s := resp.StatusCode
	if s == http.StatusTooManyRequests {
		return ex.retryThrottled(ctx, resp), nil
	}
	if ex.idempotent {
		return s >= 500 && s != http.StatusNotImplemented, nil
	}
	return s == http.StatusServiceUnavailable, nil
}

// retryThrottled decides on a 429: the Console refused the request unprocessed, so it
// is retried, whatever its method, after throttleWait, as long as that retry starts
// within patience of the first attempt and before the context's deadline.
func (ex *exchange) retryThrottled(ctx context.Context, resp *http.Response) bool {
	now := time.Now()
	wait := throttleWait(ex.c.retryWaitMin, ex.c.retryWaitMax, ex.throttled, resp, now)
	ex.throttled++
	deadline, has := ctx.Deadline()
	if now.Add(wait).Sub(ex.first) > ex.c.patience || has && now.Add(wait).After(deadline) {
		f := ex.fields()
		f[logStatus] = resp.StatusCode
		f[logDurationMS] = now.Sub(ex.first).Milliseconds()
		ex.c.logger.Warn(ex.ctx, "Console API still rate limited: not retried past the time allowed", f)
		return false
	}
	ex.wait = wait
	return true
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// hopeless reports a connection failure that a retry within seconds would only repeat:
// a host name that does not exist (the DNS answer is authoritative, and resolvers cache
// it), a plain-http answer to an https request, or a connection refused by a loopback address (this machine's kernel answered
// that nothing listens on the port; there is no load balancer in between to recover).
func (ex *exchange) hopeless(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return true
	}
	if isHTTPToHTTPS(err) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) && isLoopbackHost(ex.c.baseURL.Hostname())
}

// isHTTPToHTTPS reports net/http's refusal of a plain-http answer to a TLS handshake
// (the server speaks http on an https URL's port). net/http gives it no type of its own.
func isHTTPToHTTPS(err error) bool {
	return err != nil && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

// isTimeout reports an attempt that ran out of its time (request timeout), as opposed
// to a cancellation by the caller.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// connectHint explains a failure to reach the server at all, or returns "".
func connectHint(err error, base *url.URL, setting string) string {
	var dns *net.DNSError
	now := fmt.Sprintf("%s (now %s)", setting, base.Redacted())
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Sprintf("The host name %q does not resolve: check %s for a typo", base.Hostname(), now)
	case isHTTPToHTTPS(err):
		return fmt.Sprintf("The server at %s speaks plain http, not https: check %s; the port may be another "+
			"service's, and only a loopback host (such as the emulator's) may be reached with http://", base.Host, now)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("Nothing accepts connections at %s: check %s, and that the Console (or the emulator) is "+
			"running there", base.Host, now)
	case isDialError(err) || errors.As(err, &dns):
		return fmt.Sprintf("Could not connect to %s: check %s and the network between here and there", base.Host, now)
	}
	return ""
}

// backoff is the wait before the next attempt, as checkRetry decided it; it logs the
// retry.
func (ex *exchange) backoff(_, _ time.Duration, _ int, resp *http.Response) time.Duration {
	wait := ex.wait
	f := ex.fields()
	f[logWaitMS] = wait.Milliseconds()
	if resp != nil {
		f[logStatus] = resp.StatusCode
	}
	ex.c.logger.Warn(ex.ctx, "retrying Console API request", f)
	return wait
}

// backoffFor honours Retry-After (seconds or HTTP date) on 429 and 503, capped at 60s,
// adding a random part up to max(Retry-After, lo) (so that the requests refused
// together do not come back together); otherwise it waits a random time up to
// lo·2^retry, capped at hi (full jitter).
func backoffFor(lo, hi time.Duration, retry int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get(headerRetryAfter), now); ok {
			return d + jitter(max(d, lo))
		}
	}
	return jitter(doubled(lo, hi, retry))
}

// throttleWait is the wait after the n+1th 429 of a request (n from 0): the
// Retry-After asked for, plus a random part up to max(Retry-After, lo)·2^min(n, 2)/2,
// capped at hi; without a usable Retry-After, full jitter as backoffFor. The budget
// paces the retries as well; the random part keeps the requests refused together from
// being sent again together.
func throttleWait(lo, hi time.Duration, n int, resp *http.Response, now time.Time) time.Duration {
	d, ok := parseRetryAfter(resp.Header.Get(headerRetryAfter), now)
	if !ok {
		return jitter(doubled(lo, hi, n))
	}
	return d + jitter(doubled(max(d, lo)/2, hi, min(n, 2)))
}

// doubled is lo·2^n, capped at hi.
func doubled(lo, hi time.Duration, n int) time.Duration {
	if n >= 0 && n < 62 && lo <= hi>>n {
		return lo << n
	}
	return hi
}

// jitter is a random duration in [0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1)) //nolint:gosec // backoff jitter needs no cryptographic randomness
}

// parseRetryAfter reads a Retry-After value, capped at maxRetryAfter.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		if secs >= uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) == -1 {
		return maxRetryAfter, true // digits only, too large for ParseUint
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	switch {
	case d < 0:
		return 0, true
	case d > maxRetryAfter:
		return maxRetryAfter, true
	}
	return d, true
}

// errorHandler runs when the attempts end without success. It hands back the last
// answer, so that the final error carries the Console's own message (never
// go-retryablehttp's "giving up after N attempts"), or else the last failure.
func (ex *exchange) errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err == nil && resp != nil {
		return resp, nil
	}
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err == nil {
		err = errors.New("no answer")
	}
	return nil, err
}
