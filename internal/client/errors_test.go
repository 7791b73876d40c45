package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrorClasses(t *testing.T) {
	type preds struct{ notFound, conflict, unauth, forbidden, limited, unknown bool }
	cases := []struct {
		status int
		want   preds
	}{
		{400, preds{}},
		{401, preds{unauth: true}},
		{403, preds{forbidden: true}},
		{404, preds{notFound: true}},
		{409, preds{conflict: true}},
		{429, preds{limited: true}},
		{500, preds{}},
		{501, preds{}},
		{502, preds{unknown: true}},
		{503, preds{}},
		{504, preds{unknown: true}},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if answerProbe(w, r) {
					return
				}
				w.Header().Set("X-Request-Id", "req-12")
				w.Header().Set("Retry-After", "0")
				writeJSON(w, tc.status, errEnv("the server says no"))
			})
			c, _ := newClient(t, srv.URL, func(c *Config) { c.MaxRetries = 0 })
			_, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "n"})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %T %v, want *APIError", err, err)
			}
			if ae.StatusCode != tc.status || ae.Message != "the server says no" || ae.RequestID != "req-12" ||
				ae.Method != http.MethodPost || ae.Path != "/auth/api/v1/serviceaccount/token/create" {
				t.Errorf("got %+v", *ae)
			}
			got := preds{IsNotFound(err), IsConflict(err), IsUnauthorized(err), IsForbidden(err), IsRateLimited(err), IsOutcomeUnknown(err)}
			if got != tc.want {
				t.Errorf("predicates %+v, want %+v", got, tc.want)
			}
			if rec.calls() != 1 {
				t.Errorf("%d attempts with MaxRetries 0", rec.calls())
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	e := &APIError{StatusCode: 409, Message: "name already used in this scope", RequestID: "req-12",
		Method: "POST", Path: "/auth/api/v1/serviceaccount/token/create"}
	want := "POST /auth/api/v1/serviceaccount/token/create: 409 Conflict: name already used in this scope (request id req-12)"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
	e = &APIError{StatusCode: 599, Method: "GET", Path: "/p"}
	if got := e.Error(); got != "GET /p: status 599: (no message)" {
		t.Errorf("got %q", got)
	}
}

func TestWrappedErrorsStillClassify(t *testing.T) {
	err := &APIError{StatusCode: 404}
	wrapped := errors.Join(errors.New("reading"), err)
	if !IsNotFound(wrapped) || IsNotFound(errors.New("404")) || IsNotFound(nil) || IsOutcomeUnknown(nil) {
		t.Error("predicates look through wrapping, and only at Console answers")
	}
}

func TestNotAConsoleResponse(t *testing.T) {
	cases := map[string]struct {
		status int
		ctype  string
		body   string
		reason string
	}{
		"html 404 from a proxy": {404, "text/html", "<html><body>Not Found</body></html>", "an HTML page"},
		"html without type":     {404, "", "\n <!DOCTYPE html><title>404</title>", "an HTML page"},
		"html 200":              {200, "text/html; charset=utf-8", "<p>welcome</p>", "an HTML page"},
		"malformed JSON":        {200, "application/json", `{"success": true, "data": `, "neither JSON nor HTML"},
		"empty body":            {200, "application/json", ``, "an empty body"},
		"empty 404":             {404, "", ``, "an empty body"},
		"JSON array":            {200, "application/json", `[1,2]`, "JSON that is not the Console's envelope"},
		"no success key":        {200, "application/json", `{"data": []}`, "JSON that is not the Console's envelope"},
		"success is a string":   {200, "application/json", `{"success": "true", "data": []}`, "JSON that is not"},
		"keys in other case":    {200, "application/json", `{"Success": true, "Data": []}`, "JSON that is not"},
		"error without message": {400, "application/json", `{"success": false, "errors": {}}`, "JSON that is not"},
		"errors is a list":      {400, "application/json", `{"success": false, "errors": ["x"]}`, "JSON that is not"},
		"gateway JSON 404":      {404, "application/json", `{"message":"no Route matched with those values"}`, "JSON that is not"},
		"success with 500":      {500, "application/json", `{"success": true, "data": []}`, "error status"},
		"data is an object":     {200, "application/json", `{"success": true, "data": {}}`, "unexpected payload"},
		"trailing garbage":      {200, "application/json", `{"success": true, "data": []} x`, "neither JSON nor HTML"},
		"redirect status":       {304, "application/json", ``, "an empty body"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			c, _ := newClient(t, srv.URL, func(c *Config) { c.MaxRetries = 0 })
			_, err := c.ListOrganizations(context.Background())
			var ue *UnexpectedResponseError
			if !errors.As(err, &ue) {
				t.Fatalf("got %T %v", err, err)
			}
			msg := err.Error()
			if ue.StatusCode != tc.status || !strings.Contains(msg, "not a Console response") ||
				!strings.Contains(msg, http.StatusText(tc.status)) || !strings.Contains(msg, tc.reason) {
				t.Errorf("got %q", msg)
			}
			// The URL actually requested, and what to check.
			if want := "GET " + srv.URL + "/auth/api/v1/organization/list: "; !strings.HasPrefix(msg, want) {
				t.Errorf("got %q, want it to start %q", msg, want)
			}
			if !strings.Contains(msg, "Check api_url (now "+srv.URL+")") && !strings.Contains(msg, "otherwise check api_url") {
				t.Errorf("no hint to check api_url: %q", msg)
			}
			if IsNotFound(err) {
				t.Error("a proxy's 404 page is not the Console's not-found")
			}
		})
	}
}

func TestNotAConsoleResponseQuotesBoundedScrubbedBody(t *testing.T) {
	body := "<html>" + testToken + strings.Repeat("é", 300) + "</html>"
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("X-Request-Id", "gw-"+testToken)
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(body))
	})
	c, _ := newClient(t, srv.URL, func(c *Config) { c.MaxRetries = 0 })
	_, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "n"})
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v", err)
	}
	mustNotContainToken(t, err)
	if len(ue.Body) > 200 || !strings.HasPrefix(ue.Body, "<html>[REDACTED]") || !strings.Contains(ue.RequestID, "[REDACTED]") {
		t.Errorf("body %q (%d bytes), request id %q", ue.Body, len(ue.Body), ue.RequestID)
	}
	if !IsOutcomeUnknown(err) {
		t.Error("a 502 from a gateway leaves a POST's outcome unknown")
	}
}

func TestHugeBodyIsBounded(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(http.StatusOK)
		chunk := []byte(strings.Repeat(" ", 64<<10))
		_, _ = w.Write([]byte(`{"success": true, "data": [`))
		for i := 0; i < 80; i++ { // 5 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`]}`))
	})
	c, _ := newClient(t, srv.URL)
	_, err := c.ListOrganizations(context.Background())
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "4 MiB") {
		t.Fatalf("got %v", err)
	}
}

func TestTokenIsScrubbedFromErrors(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("X-Request-Id", testToken)
		writeJSON(w, 401, errEnv("token "+r.Header.Get("Authorization")+" is unknown"))
	})
	c, _ := newClient(t, srv.URL)
	_, err := c.ListOrganizations(context.Background())
	mustNotContainToken(t, err)
	if !IsUnauthorized(err) || !strings.Contains(err.Error(), "token [REDACTED] is unknown") {
		t.Errorf("got %v", err)
	}
	// Caller input is scrubbed too.
	_, err = c.GetServiceAccount(context.Background(), Scope{OrganizationID: orgID}, testToken)
	if err == nil {
		t.Fatal("no error")
	}
	mustNotContainToken(t, err)
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestOutcomeOfTransportFailures(t *testing.T) {
	t.Run("connection refused is known: not applied", func(t *testing.T) {
		addr := closedAddr(t)
		c, lg := newClient(t, "http://"+addr, func(c *Config) { c.MaxRetries = 2 })
		_, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "n"})
		if err == nil || IsOutcomeUnknown(err) {
			t.Fatalf("got %v, outcome unknown %v", err, IsOutcomeUnknown(err))
		}
		if !strings.Contains(err.Error(), "POST /auth/api/v1/serviceaccount/token/create") ||
			strings.Contains(err.Error(), "giving up") {
			t.Errorf("message %q", err)
		}
		// Refused by a loopback address: this machine says nothing listens; no retry.
		if n := lg.count("Console API request"); n != 1 {
			t.Errorf("%d attempts, want 1: a refusal by a loopback address is not retried", n)
		}
		for _, want := range []string{"(1 attempt over ", "Nothing accepts connections at " + addr,
			"check api_url (now http://" + addr + ")"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Error("the cause stays reachable")
		}
	})
	t.Run("timeout after sending is unknown", func(t *testing.T) {
		release := make(chan struct{})
		srv, rec := newServer(t, func(_ http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		defer close(release)
		c, _ := newClient(t, srv.URL, func(c *Config) { c.RequestTimeout = 100 * time.Millisecond })
		_, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "n"})
		if !IsOutcomeUnknown(err) {
			t.Fatalf("got %v, want outcome unknown", err)
		}
		if rec.n() != 1 {
			t.Errorf("a POST was retried after a timeout: %d attempts", rec.n())
		}
		if !strings.Contains(err.Error(), "may have applied") {
			t.Errorf("message %q", err)
		}
	})
	t.Run("connection reset after sending is unknown", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { hangUp(t, w) })
		c, _ := newClient(t, srv.URL)
		_, err := c.RenewServiceAccountToken(context.Background(), Scope{OrganizationID: orgID}, saID, nil)
		if !IsOutcomeUnknown(err) {
			t.Fatalf("got %v, want outcome unknown", err)
		}
		if rec.n() != 1 {
			t.Errorf("a POST was retried after a reset: %d attempts", rec.n())
		}
	})
	t.Run("503 is known: answered before processing", func(t *testing.T) {
		if IsOutcomeUnknown(&APIError{StatusCode: 503}) || !IsOutcomeUnknown(&APIError{StatusCode: 504}) {
			t.Error("503 known, 504 unknown")
		}
	})
	t.Run("cancelled before sending is known", func(t *testing.T) {
		srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, 200, okEnv([]any{})) })
		c, _ := newClient(t, srv.URL)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.CreateServiceAccount(ctx, orgID, CreateServiceAccountInput{Name: "n"})
		if !errors.Is(err, context.Canceled) || IsOutcomeUnknown(err) || rec.n() != 0 {
			t.Errorf("got %v, unknown %v, %d requests", err, IsOutcomeUnknown(err), rec.n())
		}
	})
}

// hangUp closes the connection without an answer.
func hangUp(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // a reset rather than a clean close
	}
	_ = conn.Close()
}

func TestBodySnippetCutsOnRuneBoundary(t *testing.T) {
	s := bodySnippet([]byte(strings.Repeat("a", 199)+"é"), "")
	if s != strings.Repeat("a", 199) {
		t.Errorf("got %q", s)
	}
	if got := bodySnippet([]byte("short"), ""); got != "short" {
		t.Errorf("got %q", got)
	}
}

// A GET applies nothing: whatever goes wrong, its outcome is known.
func TestOutcomeOfAReadIsKnown(t *testing.T) {
	for _, err := range []error{
		&UnexpectedResponseError{StatusCode: 200, Method: http.MethodGet},
		&UnexpectedResponseError{StatusCode: 502, Method: http.MethodGet},
		&APIError{StatusCode: 504, Method: http.MethodGet},
		&transportError{method: http.MethodGet, maybeApplied: true},
	} {
		if IsOutcomeUnknown(err) {
			t.Errorf("%#v: outcome unknown for a GET", err)
		}
	}
	for _, err := range []error{
		&UnexpectedResponseError{StatusCode: 201, Method: http.MethodPost},
		&UnexpectedResponseError{StatusCode: 504, Method: http.MethodPut},
		&APIError{StatusCode: 502, Method: http.MethodDelete},
		&transportError{method: http.MethodPost, maybeApplied: true},
	} {
		if !IsOutcomeUnknown(err) {
			t.Errorf("%#v: outcome known for a write", err)
		}
	}
}

// Issue 19, item 5: a 400 that names a field of the request is read into the part of
// the input it refuses, so that the provider can name its own attribute.
func TestInvalidInputOf(t *testing.T) {
	cases := []struct {
		msg  string
		want InvalidInput
		ok   bool
	}{
		{`roles[1].roles_id[2]: unknown permission code "x"`, InvalidInput{Field: FieldRoleCodes, Role: 1, Item: 2, Problem: `unknown permission code "x"`}, true},
		{`roles[0].roles_id: 101 permission codes: at most 100 per entry`, InvalidInput{Field: FieldRoleCodes, Role: 0, Item: -1, Problem: `101 permission codes: at most 100 per entry`}, true},
		{`roles[3].collection_id: "p" is neither this organization nor one of its projects`, InvalidInput{Field: FieldRoleCollection, Role: 3, Item: -1, Problem: `"p" is neither this organization nor one of its projects`}, true},
		{`custom_role_ids[4]: no custom role c in this organization`, InvalidInput{Field: FieldCustomRoleID, Role: -1, Item: 4, Problem: `no custom role c in this organization`}, true},
		{`description: too long (501 characters): at most 500 characters`, InvalidInput{Field: FieldDescription, Role: -1, Item: -1, Problem: `too long (501 characters): at most 500 characters`}, true},
		{`expired_in: must be in the future`, InvalidInput{Field: FieldExpiresAt, Role: -1, Item: -1, Problem: `must be in the future`}, true},
		{`malformed JSON in request body: unexpected end of input`, InvalidInput{Field: FieldOther, Role: -1, Item: -1, Problem: `malformed JSON in request body: unexpected end of input`}, false},
	}
	for _, tc := range cases {
		err := error(&APIError{StatusCode: 400, Message: tc.msg, RequestID: "req-1", Method: "POST", Path: "/x"})
		got, ok := InvalidInputOf(fmt.Errorf("wrapped: %w", err))
		tc.want.RequestID = "req-1"
		if ok != tc.ok || got != tc.want {
			t.Errorf("%q: got %+v, %v; want %+v, %v", tc.msg, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := InvalidInputOf(&APIError{StatusCode: 409, Message: "name: already used"}); ok {
		t.Error("a 409 is not an invalid input")
	}
}
