// Package client is the Platformer Console API client used by the Terraform provider.
// It is plain Go: the standard library, go-retryablehttp, go-cleanhttp and
// golang.org/x/time/rate, and nothing from Terraform.
//
// Every [model] choice of the API contract (paths, headers, JSON fields, time format,
// paging, envelope decoding) lives in contract.go. A Client is safe for concurrent use.
//
// The token is sent only to the base URL's origin: redirects are followed within that
// origin (same scheme, host and port) and refused, with an error, anywhere else.
package client

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the Platformer Console API's production gateway.
const DefaultBaseURL = "https://api.platformer.com"

const (
	defaultUserAgent      = "terraform-provider-platformer"
	defaultURLSetting     = "api_url"
	defaultTimeoutSetting = "request_timeout"
	defaultRequestTimeout = 60 * time.Second
	defaultMinRetryWait   = 1 * time.Second
	defaultMaxRetryWait   = 30 * time.Second
	// DefaultRateLimitPatience is how long a request the Console answers 429 is
	// retried for.
	DefaultRateLimitPatience = 5 * time.Minute
)

// Config configures a Client. Only Token is required.
type Config struct {
	// BaseURL is the Console API's base URL, as ParseBaseURL accepts it. Empty means
	// DefaultBaseURL.
	BaseURL string
	// URLSetting is how the user sets BaseURL, named in the errors that ask to check
	// it (an answer that is not the Console's, a host that cannot be reached). Empty
	// means "api_url".
	URLSetting string
	// TimeoutSetting is how the user sets RequestTimeout, named in the error of an
	// attempt that ran out of time. Empty means "request_timeout".
	TimeoutSetting string
	// Token is the Console API token, sent as the raw Authorization header.
	Token string
	// UserAgent is sent on every request. Empty means "terraform-provider-platformer".
	UserAgent string
	// MaxRetries is how many times a failed attempt may be retried (0: never). It is
	// used as given; the provider passes its own default. A 429 is not counted: unless
	// MaxRetries is 0, a request the Console refuses with 429 is retried for
	// RateLimitPatience.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between attempts.
	// Zero means 1s and 30s.
	RetryWaitMin, RetryWaitMax time.Duration
	// RequestTimeout bounds each attempt, reading the body included. Zero means 60s.
	RequestTimeout time.Duration
	// RequestsPerSecond is a ceiling on the attempts this Client makes, retries and
	// redirects included. Zero means none. Below it, the process's budget for the
	// Console paces every Client by the Console's 429s (budget.go).
	RequestsPerSecond float64
	// MinRequestsPerSecond is the slowest the budget may go after 429s. Zero means
	// DefaultMinRequestsPerSecond.
	MinRequestsPerSecond float64
	// RateLimitPatience is how long, from its first attempt, a request answered 429 is
	// retried (each retry no earlier than the Retry-After asked for), within its
	// context's deadline. Zero means DefaultRateLimitPatience.
	RateLimitPatience time.Duration
	// Logger receives the request log; nil logs nothing.
	Logger Logger
	// HTTPClient is an optional base: its Transport (and Jar) are used; its Timeout
	// and CheckRedirect are replaced. It is copied, not modified.
	HTTPClient *http.Client
}

// Client calls the Platformer Console API.
type Client struct {
	baseURL    *url.URL
	base       string // scheme://host[/prefix] without a trailing slash
	urlSetting string
	token      string
	// requestTimeout bounds each attempt; timeoutSetting is how the user sets it.
	requestTimeout time.Duration
	timeoutSetting string
	userAgent      string
	maxRetries     int
	retryWaitMin   time.Duration
	retryWaitMax   time.Duration
	patience       time.Duration // RateLimitPatience
	logger         Logger
	httpClient     *http.Client

	// routesConfirmed: some call got a success envelope from this base URL, which proves
	// that the Console's routes are where the client sends them (see confirmNotFound).
	routesConfirmed atomic.Bool
	probeMu         sync.Mutex // one route probe at a time
	// clockOffset is the Console's clock minus the local clock, in nanoseconds, as last
	// estimated from a Date header; clockUnknown until then (see ConsoleNow).
	clockOffset atomic.Int64
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkToken(cfg.Token); err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:      base,
		base:         base.Scheme + "://" + base.Host + base.EscapedPath(),
		urlSetting:   cfg.URLSetting,
		token:        cfg.Token,
		userAgent:    cfg.UserAgent,
		maxRetries:   cfg.MaxRetries,
		retryWaitMin: cfg.RetryWaitMin,
		retryWaitMax: cfg.RetryWaitMax,
		logger:       cfg.Logger,
	}
	c.clockOffset.Store(clockUnknown)
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	} else if !validHeaderValue(c.userAgent) {
		return nil, errors.New("the user agent contains characters that an HTTP header cannot carry")
	}
	if c.logger == nil {
		c.logger = nopLogger{}
	}
	if c.urlSetting == "" {
		c.urlSetting = defaultURLSetting
	} else if !validHeaderValue(c.urlSetting) {
		return nil, errors.New("the URL setting's name contains control characters")
	}
	if err := c.checkRetries(cfg); err != nil {
		return nil, err
	}
	timeout := cfg.RequestTimeout
	if timeout < 0 {
		return nil, errors.New("the request timeout cannot be negative")
	}
	if timeout == 0 {
		timeout = defaultRequestTimeout
	}
	c.requestTimeout, c.timeoutSetting = timeout, cfg.TimeoutSetting
	if c.timeoutSetting == "" {
		c.timeoutSetting = defaultTimeoutSetting
	}
	rps := cfg.RequestsPerSecond
	if rps < 0 || math.IsNaN(rps) {
		return nil, fmt.Errorf("requests per second is %v: use 0 (no limit) or more", rps)
	}
	floor := cfg.MinRequestsPerSecond
	if floor < 0 || math.IsNaN(floor) {
		return nil, fmt.Errorf("the minimum requests per second is %v: use 0 (the default) or more", floor)
	}
	if floor == 0 {
		floor = DefaultMinRequestsPerSecond
	}
	if c.patience = cfg.RateLimitPatience; c.patience < 0 {
		return nil, errors.New("the rate limit patience cannot be negative")
	} else if c.patience == 0 {
		c.patience = DefaultRateLimitPatience
	}

	c.httpClient = c.newHTTPClient(cfg.HTTPClient, rps, floor, timeout)
	return c, nil
}

// newHTTPClient is a copy of base (nil: a new pooled one) whose transport is paced by
// the ceiling rps (0: none) and the process's budget for the Console, floor the
// slowest this Client lets the budget go.
func (c *Client) newHTTPClient(base *http.Client, rps, floor float64, timeout time.Duration) *http.Client {
	hc := &http.Client{}
	if base != nil {
		copied := *base
		hc = &copied
	}
	transport := hc.Transport
	if transport == nil {
		if base != nil {
			transport = http.DefaultTransport
		} else {
			transport = cleanhttp.DefaultPooledTransport()
		}
	}
	lt := &limitedTransport{next: transport, budget: budgetFor(c.baseURL.Scheme + "://" + c.baseURL.Host), floor: floor}
	if rps > 0 {
		lt.ceiling = rate.NewLimiter(rate.Limit(rps), 1)
	}
	hc.Transport = lt
	hc.Timeout = timeout
	hc.CheckRedirect = c.checkRedirect
	return hc
}

// checkRetries checks the retry settings and fills in the default waits.
func (c *Client) checkRetries(cfg Config) error {
	if cfg.MaxRetries < 0 {
		return fmt.Errorf("max retries is %d: use 0 (no retries) or more", cfg.MaxRetries)
	}
	if cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 {
		return errors.New("retry waits cannot be negative")
	}
	if c.retryWaitMin == 0 {
		c.retryWaitMin = defaultMinRetryWait
	}
	if c.retryWaitMax == 0 {
		c.retryWaitMax = defaultMaxRetryWait
	}
	if c.retryWaitMin > c.retryWaitMax {
		return fmt.Errorf("the minimum retry wait (%s) exceeds the maximum (%s)", c.retryWaitMin, c.retryWaitMax)
	}
	return nil
}

// acceptedBaseURL is the form every base URL error shows.
const acceptedBaseURL = "use the Console API's base URL: an absolute https URL with a host and, only behind a proxy, " +
	"the proxy's path prefix, but no credentials, query or fragment, such as " + DefaultBaseURL

// ParseBaseURL is the one place where the rule for the Console API's base URL lives. It
// returns the URL to send requests under, without a trailing slash, or an error that
// says what is wrong and what is accepted:
//
//   - an absolute https URL with a host; http only for a loopback host (localhost,
//     127.0.0.0/8, ::1), since the token would otherwise travel in clear text;
//   - no credentials, query or fragment (credentials are never echoed);
//   - no API path: the client adds "/auth/api/v1/..." itself, so a path that starts
//     with "/auth" or holds "/auth/api" (such as ".../auth/api/v1") is refused with the
//     URL to use instead; any other path is a proxy's prefix and is kept.
//
// An empty string means DefaultBaseURL.
func ParseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	if err := missingScheme(raw); err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("the API URL does not parse: " + acceptedBaseURL)
	}
	shown := u.Redacted()
	if (u.Scheme != "https" && u.Scheme != "http") || u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("the API URL %q is not an absolute http(s) URL: %s", shown, acceptedBaseURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("the API URL carries credentials, which are never sent this way (the token goes in its own "+
			"setting): %s", acceptedBaseURL)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		// Not echoed: a query may hold a secret.
		return nil, errors.New("the API URL has a query or a fragment: " + acceptedBaseURL)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("the API URL %q uses http: the token would travel in clear text; use https "+
			"(http is accepted only for a loopback host: localhost, 127.0.0.0/8 or ::1)", shown)
	}
	trimmed := *u
	trimmed.Path = strings.TrimRight(u.Path, "/")
	trimmed.RawPath = ""
	if u.RawPath != "" {
		trimmed.RawPath = strings.TrimRight(u.RawPath, "/")
	}
	if prefix, ok := cutAPIPath(trimmed.Path); ok {
		want := trimmed
		want.Path, want.RawPath = prefix, ""
		return nil, fmt.Errorf("the API URL %q includes the API path %q: requests go to %s/..., added to the "+
			"base URL, so use the base URL without it, %q", shown, strings.TrimPrefix(trimmed.Path, prefix),
			pathPrefixAuth, want.String())
	}
	return &trimmed, nil
}

// missingScheme is the error of a base URL written without its scheme, such as
// "127.0.0.1:8787" or "api.platformer.com": it says which one to add (http for a
// loopback host, where it is accepted, https otherwise). It is nil for anything else,
// and for a URL with credentials, which the rest of ParseBaseURL refuses unechoed.
func missingScheme(raw string) error {
	if strings.Contains(raw, "://") {
		return nil
	}
	u, parseErr := url.Parse("https://" + raw)
	if parseErr != nil {
		return nil //nolint:nilerr // not a host without its scheme: ParseBaseURL's rules say what is wrong
	}
	if u.Hostname() == "" || u.User != nil || strings.ContainsAny(raw, "?#") {
		return nil
	}
	if isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("the API URL %q has no scheme: add http:// for this loopback host, %q (or https:// if it "+
			"serves TLS)", raw, "http://"+raw)
	}
	return fmt.Errorf("the API URL %q has no scheme: add https://, %q", raw, "https://"+raw)
}

// cutAPIPath reports whether path (no trailing slash) holds the API path: it starts with
// the auth service's segment, or holds its API path anywhere; prefix is what precedes it.
func cutAPIPath(path string) (prefix string, found bool) {
	lower := strings.ToLower(path)
	if lower == serviceAuth || strings.HasPrefix(lower, serviceAuth+"/") {
		return "", true
	}
	if i := strings.Index(lower+"/", serviceAuth+"/api/"); i >= 0 {
		return path[:i], true
	}
	return "", false
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkToken(token string) error {
	if token == "" {
		return errors.New("an API token is required")
	}
	if strings.TrimSpace(token) != token {
		return errors.New("the API token has leading or trailing white space")
	}
	if !validHeaderValue(token) {
		return errors.New("the API token contains characters that an HTTP header cannot carry")
	}
	return nil
}

// validHeaderValue rejects control characters (tab aside), which would let a value
// break out of its header.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}
