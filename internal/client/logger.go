package client

import (
	"context"
	"net/http"
	"strings"
)

// Logger receives the client's log lines with structured fields. The client logs every
// attempt (method, path with query, attempt number, status, duration, request id) and
// every retry with its wait. It never logs a body, and request headers only through
// RedactHeaders. A nil Config.Logger logs nothing.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Log field names.
const (
	logMethod         = "method"
	logPath           = "path"
	logAttempt        = "attempt"
	logStatus         = "status"
	logDurationMS     = "duration_ms"
	logRequestID      = "request_id"
	logWaitMS         = "wait_ms"
	logError          = "error"
	logRequestHeaders = "request_headers"
)

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}

// RedactHeaders returns a copy of h in which the value of every credential-bearing
// header (Authorization, Proxy-Authorization, Cookie, Set-Cookie) is replaced by
// "[REDACTED]". h is not modified.
func RedactHeaders(h http.Header) http.Header {
	out := h.Clone()
	for k := range out {
		for _, s := range sensitiveHeaders {
			if strings.EqualFold(k, s) {
				out[k] = []string{redacted}
			}
		}
	}
	return out
}
