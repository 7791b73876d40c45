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
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the Platformer Console API's production gateway.
const DefaultBaseURL = "https://api.platformer.com"

const (
	defaultUserAgent      = "terraform-provider-platformer"
	defaultRequestTimeout = 60 * time.Second
	defaultMinRetryWait   = 1 * time.Second
	defaultMaxRetryWait   = 30 * time.Second
)

// Config configures a Client. Only Token is required.
type Config struct {
	// BaseURL is an absolute https URL; http is accepted only for a loopback host
	// (localhost, 127.0.0.0/8, ::1). A trailing slash is tolerated. Empty means
	// DefaultBaseURL.
	BaseURL string
	// Token is the Console API token, sent as the raw Authorization header.
	Token string
	// UserAgent is sent on every request. Empty means "terraform-provider-platformer".
	UserAgent string
	// MaxRetries is how many times a failed attempt may be retried (0: never). It is
	// used as given; the provider passes its own default.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between attempts.
	// Zero means 1s and 30s.
	RetryWaitMin, RetryWaitMax time.Duration
	// RequestTimeout bounds each attempt, reading the body included. Zero means 60s.
	RequestTimeout time.Duration
	// RequestsPerSecond limits the attempts this Client makes, retries and redirects
	// included. Zero means no limit.
	RequestsPerSecond float64
	// Logger receives the request log; nil logs nothing.
	Logger Logger
	// HTTPClient is an optional base: its Transport (and Jar) are used; its Timeout
	// and CheckRedirect are replaced. It is copied, not modified.
	HTTPClient *http.Client
}

// Client calls the Platformer Console API.
type Client struct {
	baseURL      *url.URL
	base         string // scheme://host[/prefix] without a trailing slash
	token        string
	userAgent    string
	maxRetries   int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	logger       Logger
	httpClient   *http.Client
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkToken(cfg.Token); err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:      base,
		base:         base.Scheme + "://" + base.Host + strings.TrimRight(base.EscapedPath(), "/"),
		token:        cfg.Token,
		userAgent:    cfg.UserAgent,
		maxRetries:   cfg.MaxRetries,
		retryWaitMin: cfg.RetryWaitMin,
		retryWaitMax: cfg.RetryWaitMax,
		logger:       cfg.Logger,
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	} else if !validHeaderValue(c.userAgent) {
		return nil, errors.New("the user agent contains characters that an HTTP header cannot carry")
	}
	if c.logger == nil {
		c.logger = nopLogger{}
	}
	if cfg.MaxRetries < 0 {
		return nil, fmt.Errorf("max retries is %d: use 0 (no retries) or more", cfg.MaxRetries)
	}
	if cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 {
		return nil, errors.New("retry waits cannot be negative")
	}
	if c.retryWaitMin == 0 {
		c.retryWaitMin = defaultMinRetryWait
	}
	if c.retryWaitMax == 0 {
		c.retryWaitMax = defaultMaxRetryWait
	}
	if c.retryWaitMin > c.retryWaitMax {
		return nil, fmt.Errorf("the minimum retry wait (%s) exceeds the maximum (%s)", c.retryWaitMin, c.retryWaitMax)
	}
	timeout := cfg.RequestTimeout
	if timeout < 0 {
		return nil, errors.New("the request timeout cannot be negative")
	}
	if timeout == 0 {
		timeout = defaultRequestTimeout
	}
	rps := cfg.RequestsPerSecond
	if rps < 0 || math.IsNaN(rps) {
		return nil, fmt.Errorf("requests per second is %v: use 0 (no limit) or more", rps)
	}

	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	transport := hc.Transport
	if transport == nil {
		if cfg.HTTPClient != nil {
			transport = http.DefaultTransport
		} else {
			transport = cleanhttp.DefaultPooledTransport()
		}
	}
	if rps > 0 {
		transport = &limitedTransport{next: transport, limiter: rate.NewLimiter(rate.Limit(rps), 1)}
	}
	hc.Transport = transport
	hc.Timeout = timeout
	hc.CheckRedirect = c.checkRedirect
	c.httpClient = hc
	return c, nil
}

const acceptedBaseURL = "use an absolute http(s) URL with a host and no credentials, query or fragment, such as " + DefaultBaseURL

func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("the base URL does not parse: " + acceptedBaseURL)
	}
	shown := u.Redacted()
	if (u.Scheme != "https" && u.Scheme != "http") || u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("base URL %q is not valid: %s", shown, acceptedBaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		return nil, fmt.Errorf("base URL %q is not valid: %s", shown, acceptedBaseURL)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("base URL %q uses http: the token would travel in clear text; use https "+
			"(http is accepted only for a loopback host: localhost, 127.0.0.0/8 or ::1)", shown)
	}
	return u, nil
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
