package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// redacted replaces secrets in error messages and logs.
const redacted = "[REDACTED]"

// maxBodySnippet is how much of an unexpected error body an error message quotes.
const maxBodySnippet = 200

// APIError is an answer of the Console that is not a success: the HTTP status and the
// message of the Console's error envelope. Messages reach the user; the configured
// token is scrubbed from them.
type APIError struct {
	StatusCode   int
	Message      string
	RequestID    string
	Method, Path string
}

// Error reads like
// "POST /auth/api/v1/serviceaccount/token/create: 409 Conflict: name already used in
// this scope (request id req-12)".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(no message)"
	}
	return fmt.Sprintf("%s %s: %s: %s%s", e.Method, e.Path, statusLine(e.StatusCode), msg, requestIDSuffix(e.RequestID))
}

// UnexpectedResponseError is an HTTP answer that is not the Console's answer to the
// call: a body that is not JSON or not the Console's envelope (a proxy's HTML page, an
// empty body), a success envelope whose payload does not decode, a body larger than
// the client reads, or a 404 whose route could not be confirmed (see
// IsNotFound). It is not an APIError, so IsNotFound and friends never
// mistake it for the Console's own answer about an object.
type UnexpectedResponseError struct {
	StatusCode int
	Method     string
	// Path is the request's path relative to the base URL; URL is the absolute URL
	// requested, base URL included.
	Path, URL string
	RequestID string
	// Reason says what was wrong with the answer.
	Reason string
	// Body quotes at most 200 bytes of the body of an error status, with the configured
	// token scrubbed. It is empty for success statuses, whose body may carry a secret.
	Body string
	// Hint says what to check, usually the base URL.
	Hint string
}

// Error reads like
// "GET https://proxy.example.com/auth/api/v1/serviceaccount/…: 404 Not Found: not a
// Console response: an HTML page, …; body starts "<html>…". Check api_url (…): …".
func (e *UnexpectedResponseError) Error() string {
	where := e.URL
	if where == "" {
		where = e.Path
	}
	s := e.Method + " " + where + ": " + e.answer()
	if e.Hint != "" {
		s += ". " + e.Hint
	}
	return s
}

// answer is the message without the request and the hint.
func (e *UnexpectedResponseError) answer() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: not a Console response", statusLine(e.StatusCode))
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, "; body starts %q", e.Body)
	}
	b.WriteString(requestIDSuffix(e.RequestID))
	return b.String()
}

// transportError is a request that got no HTTP answer: a connection, TLS, timeout,
// redirect or rate-limiter failure.
type transportError struct {
	method, path string
	msg          string // scrubbed
	err          error
	// maybeApplied: the request may have reached the Console (a connection had been
	// obtained when it failed, or an earlier attempt got an ambiguous answer).
	maybeApplied bool
	// timedOut: no answer came within the time each attempt was allowed, after every
	// attempt, and the caller had not given up.
	timedOut bool
}

func (e *transportError) Error() string {
	s := e.method + " " + e.path + ": " + e.msg
	if e.maybeApplied && e.method != http.MethodGet {
		s += " (no answer was received: the Console may have applied the request)"
	}
	return s
}

func (e *transportError) Unwrap() error { return e.err }

// rateLimitedError is a call whose last attempt was answered 429, once the client had
// retried it for as long as it allows (Config.RateLimitPatience, the context's
// deadline). It wraps the error of that answer.
type rateLimitedError struct {
	err      error
	attempts int
	spent    time.Duration
	patience time.Duration
	// maybeApplied: an earlier attempt of this write got no clear answer (a timeout, a
	// reset, a 502 or 504), so the write may have been applied although the last
	// attempt was refused unprocessed.
	maybeApplied bool
}

func (e *rateLimitedError) Error() string {
	s := fmt.Sprintf("%s (still rate limited after %s over %s; a request answered 429 is retried for up to %s)",
		e.err, plural(e.attempts, "attempt"), roundDuration(e.spent), e.patience)
	if e.maybeApplied {
		s += " (an earlier attempt got no clear answer: the Console may have applied the request)"
	}
	return s
}

func (e *rateLimitedError) Unwrap() error { return e.err }

// IsNotFound reports whether the Console answered 404: no such object in this scope.
// It is true only of the Console's own answer: its error envelope, on a route that
// exists (a 404 whose route could not be confirmed is an UnexpectedResponseError).
func IsNotFound(err error) bool { return apiStatus(err) == http.StatusNotFound }

// IsConflict reports whether the Console answered 409: name already used in this scope.
func IsConflict(err error) bool { return apiStatus(err) == http.StatusConflict }

// IsUnauthorized reports whether the Console answered 401: missing, unknown, expired
// or invalidated token.
func IsUnauthorized(err error) bool { return apiStatus(err) == http.StatusUnauthorized }

// IsForbidden reports whether the Console answered 403: the token lacks a permission.
func IsForbidden(err error) bool { return apiStatus(err) == http.StatusForbidden }

// IsRateLimited reports whether the last answer was 429, from the Console or from
// anything in front of it.
func IsRateLimited(err error) bool { return anyStatus(err) == http.StatusTooManyRequests }

// IsTimeout reports whether no answer came within the time each attempt was allowed
// (Config.RequestTimeout), after every attempt; a cancellation by the caller is not one.
func IsTimeout(err error) bool {
	var te *transportError
	return errors.As(err, &te) && te.timedOut
}

// IsRedirectRefused reports whether the server answered with a redirect that was not
// followed: one to another origin, or one answering a write.
func IsRedirectRefused(err error) bool {
	var re *redirectError
	return errors.As(err, &re)
}

// IsOutcomeUnknown reports whether a write may have been applied although no success
// was seen: a 502 or 504 answer, a success status whose body could not be read or
// decoded, or a failure (timeout, connection reset, cancellation) after a connection
// to the server had been obtained; or a 429 (refused, not processed) that ends retries
// of a write after such an attempt. A dial error (the server was never reached), a 503
// or 429 (answered before processing), every other answer, and any failure of a GET
// (which applies nothing) are known outcomes.
func IsOutcomeUnknown(err error) bool {
	var rl *rateLimitedError
	if errors.As(err, &rl) {
		return rl.maybeApplied
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.maybeApplied && te.method != http.MethodGet
	}
	var ue *UnexpectedResponseError
	if errors.As(err, &ue) {
		return ue.Method != http.MethodGet && (ue.StatusCode >= 200 && ue.StatusCode < 300 ||
			ue.StatusCode == http.StatusBadGateway || ue.StatusCode == http.StatusGatewayTimeout)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Method != http.MethodGet &&
			(ae.StatusCode == http.StatusBadGateway || ae.StatusCode == http.StatusGatewayTimeout)
	}
	return false
}

// InputField is a part of a request's input (CreateServiceAccountInput,
// UpdateServiceAccountInput, a renewal's expiry) that the Console can refuse.
type InputField int

// The parts of an input that a refusal can name.
const (
	FieldOther          InputField = iota // a field this client does not know
	FieldName                             // Name
	FieldDescription                      // Description
	FieldProjectID                        // ProjectID
	FieldExpiresAt                        // ExpiresAt
	FieldRoleCollection                   // Roles[Role].CollectionID
	FieldRoleCodes                        // Roles[Role].RoleIDs, or its element Item
	FieldCustomRoleID                     // CustomRoleIDs[Item]
)

// InvalidInput is a refusal of the Console (a 400) that names the part of the input it
// refused, in the terms of this package's input types, not of the wire.
type InvalidInput struct {
	Field InputField
	// Role is the index in Roles (FieldRoleCollection, FieldRoleCodes); -1 otherwise.
	Role int
	// Item is the index in RoleIDs (FieldRoleCodes) or CustomRoleIDs; -1 when the
	// refusal is about the whole list, or for other fields.
	Item int
	// Problem is what the Console said is wrong, without the field's name.
	Problem string
	// RequestID is the Console's id of the request, "" when none.
	RequestID string
}

// InvalidInputOf reports the part of the input that the Console refused, when err is
// the Console's 400 and its message names a field of the request.
func InvalidInputOf(err error) (InvalidInput, bool) {
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		return InvalidInput{}, false
	}
	in, ok := parseInvalidInput(ae.Message)
	in.RequestID = ae.RequestID
	return in, ok
}

// apiStatus is the status of a Console answer (an APIError), or 0.
func apiStatus(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// anyStatus is the status of any HTTP answer, Console or not, or 0.
func anyStatus(err error) int {
	if s := apiStatus(err); s != 0 {
		return s
	}
	var ue *UnexpectedResponseError
	if errors.As(err, &ue) {
		return ue.StatusCode
	}
	return 0
}

func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("%d %s", code, text)
	}
	return fmt.Sprintf("status %d", code)
}

func requestIDSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (request id " + id + ")"
}

// scrub replaces every occurrence of token in s.
func scrub(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, redacted)
}

// bodySnippet is at most maxBodySnippet bytes of body, scrubbed before it is cut so
// that no part of the token survives the cut, and cut on a rune boundary.
func bodySnippet(body []byte, token string) string {
	s := scrub(string(body), token)
	if len(s) <= maxBodySnippet {
		return s
	}
	s = s[:maxBodySnippet]
	i := len(s) - 1
	for i > 0 && i > len(s)-utf8.UTFMax && !utf8.RuneStart(s[i]) {
		i--
	}
	if !utf8.FullRuneInString(s[i:]) {
		s = s[:i]
	}
	return s
}
