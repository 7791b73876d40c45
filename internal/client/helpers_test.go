package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests spell the wire (paths, headers, JSON fields) on their own, so that they
// check contract.go rather than repeat it.

const (
	testToken = "tok-S3CRET-9f2c41d7"
	testAgent = "platformer-client-test/1.0"
	orgID     = "0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6f"
	projectID = "5a4e3c2b-1d0f-4e9a-8b7c-6d5e4f3a2b1c"
	saID      = "9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a"
	tokenID   = "11111111-2222-4333-8444-555555555555"
)

func uuidN(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

// captureLogger records log lines.
type captureLogger struct {
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	level, msg string
	fields     map[string]any
}

func (l *captureLogger) Debug(_ context.Context, msg string, f map[string]any) {
	l.add("debug", msg, f)
}
func (l *captureLogger) Warn(_ context.Context, msg string, f map[string]any) { l.add("warn", msg, f) }

func (l *captureLogger) add(level, msg string, f map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{level: level, msg: msg, fields: f})
}

func (l *captureLogger) all() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logLine(nil), l.lines...)
}

func (l *captureLogger) text() string {
	var b strings.Builder
	for _, ln := range l.all() {
		fmt.Fprintf(&b, "%s %s %v\n", ln.level, ln.msg, ln.fields)
	}
	return b.String()
}

// count is how many lines have msg.
func (l *captureLogger) count(msg string) int {
	n := 0
	for _, ln := range l.all() {
		if ln.msg == msg {
			n++
		}
	}
	return n
}

// recorded is a request as a fake Console saw it.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

// add records req and returns its number, from 1.
func (r *recorder) add(req *http.Request) int {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, recorded{
		Method: req.Method, Path: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery, Header: req.Header.Clone(), Body: body,
	})
	return len(r.reqs)
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func (r *recorder) n() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// calls is how many requests were not the client's route probe (see probePath).
func (r *recorder) calls() int {
	n := 0
	for _, req := range r.all() {
		if req.Path != probePath {
			n++
		}
	}
	return n
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	all := r.all()
	if len(all) == 0 {
		t.Fatal("the server saw no request")
	}
	return all[len(all)-1]
}

// newServer starts a fake Console that records each request and then calls h.
// The nth request (from 1) is passed to h.
func newServer(t testing.TB, h func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, rec.add(r))
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// newClient makes a Client for a fake Console with fast retries and a capturing
// logger; at cleanup it checks that no log line holds the token.
func newClient(t testing.TB, baseURL string, mod ...func(*Config)) (*Client, *captureLogger) {
	t.Helper()
	lg := &captureLogger{}
	cfg := Config{
		BaseURL:      baseURL,
		Token:        testToken,
		UserAgent:    testAgent,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Logger:       lg,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if s := lg.text(); strings.Contains(s, testToken) {
			t.Errorf("the token appears in the log:\n%s", s)
		}
		for _, ln := range lg.all() {
			if h, ok := ln.fields["request_headers"].(http.Header); ok {
				if got := h.Get("Authorization"); got != "[REDACTED]" {
					t.Errorf("logged Authorization = %q, want [REDACTED]", got)
				}
			}
		}
	})
	return c, lg
}

// probePath is what the client GETs to confirm that a 404 comes from a route of the
// Console: the organization listing.
const probePath = "/auth/api/v1/organization/list"

// answerProbe answers the client's route probe with an organization list, and reports
// whether r was it.
func answerProbe(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != probePath {
		return false
	}
	writeJSON(w, http.StatusOK, okEnv([]any{map[string]any{"organization_id": orgID, "name": "acme"}}))
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func okEnv(data any) map[string]any { return map[string]any{"success": true, "data": data} }

func errEnv(msg string) map[string]any {
	return map[string]any{"success": false, "errors": map[string]any{"message": msg}}
}

// saJSON is a service account on the wire.
func saJSON(id string) map[string]any {
	return map[string]any{
		"id":              id,
		"name":            "ci-deployer",
		"description":     "deploys from CI",
		"organization_id": orgID,
		"project_id":      projectID,
		"roles": []any{
			map[string]any{"collection_id": projectID, "roles_id": []any{"rudder.app.viewer", "mizzen.viewer"}},
		},
		"custom_role_ids":  []any{uuidN(7)},
		"token_id":         tokenID,
		"token_expires_at": "2030-01-02T03:04:05Z",
		"token_renewed_at": "2025-06-01T10:00:00Z",
		"created_at":       "2025-05-01T09:00:00Z",
		"updated_at":       "2025-06-01T10:00:00Z",
	}
}

func mustNotContainToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Errorf("the token appears in the error: %v", err)
	}
}
