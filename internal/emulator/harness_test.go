package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// t0 is where every test's ManualClock starts.
var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// harness is a running emulator on a ManualClock, with helpers to call it.
type harness struct {
	*Running
	clock *ManualClock
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clock, _ := opts.Clock.(*ManualClock)
	if opts.Clock == nil {
		clock = NewManualClock(t0)
		opts.Clock = clock
	}
	r, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(r.Close)
	return &harness{Running: r, clock: clock}
}

// req describes one call. An empty token means the admin token; noAuth sends none.
// org and project set the scope headers when not empty. body is sent as is when it is
// a string, JSON-encoded otherwise, and not at all when nil.
type req struct {
	method, path string
	token        string
	noAuth       bool
	org, project string
	body         any
	header       map[string]string
	ctx          context.Context
}

type reply struct {
	status int
	header http.Header
	raw    []byte
	env    struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Errors  *struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
}

func (r reply) message() string {
	if r.env.Errors == nil {
		return ""
	}
	return r.env.Errors.Message
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.status, r.raw) }

// data decodes the envelope's data into v.
func (r reply) data(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.env.Data, v); err != nil {
		t.Fatalf("decoding data of %s: %v", r, err)
	}
}

func (h *harness) do(t *testing.T, q req) reply {
	t.Helper()
	var body io.Reader
	switch b := q.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encoding body: %v", err)
		}
		body = bytes.NewReader(raw)
	}
	ctx := q.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := http.NewRequestWithContext(ctx, q.method, h.URL+q.path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if !q.noAuth {
		token := q.token
		if token == "" {
			token = DefaultAdminToken
		}
		r.Header.Set("Authorization", token)
	}
	if q.org != "" {
		r.Header.Set("x-organization-id", q.org)
	}
	if q.project != "" {
		r.Header.Set("x-project-id", q.project)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	out := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(q.path, apiPrefix) || len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out.env)
	}
	return out
}

// mustStatus fails the test unless the reply has the status.
func mustStatus(t *testing.T, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
}

// mustRefuse fails the test unless the reply is an error envelope with the status and
// a message containing want.
func mustRefuse(t *testing.T, r reply, status int, want string) {
	t.Helper()
	mustStatus(t, r, status)
	if r.env.Success || r.env.Errors == nil {
		t.Fatalf("not an error envelope: %s", r.raw)
	}
	if !strings.Contains(r.message(), want) {
		t.Fatalf("message %q does not contain %q", r.message(), want)
	}
}

// accountJSON is the contract's service-account object, as a client decodes it.
type accountJSON struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	OrganizationID string  `json:"organization_id"`
	ProjectID      *string `json:"project_id"`
	Roles          []struct {
		CollectionID string   `json:"collection_id"`
		RolesID      []string `json:"roles_id"`
	} `json:"roles"`
	CustomRoleIDs  []string `json:"custom_role_ids"`
	TokenID        string   `json:"token_id"`
	TokenExpiresAt *string  `json:"token_expires_at"`
	TokenRenewedAt string   `json:"token_renewed_at"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

type issuedJSON struct {
	Token          string      `json:"token"`
	ServiceAccount accountJSON `json:"service_account"`
}

// roles builds a roles field: pairs of collection id and its codes.
func roles(pairs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, map[string]any{"collection_id": pairs[i], "roles_id": pairs[i+1]})
	}
	return out
}

// create creates a service account with the admin token (or token) and returns what
// the emulator issued. project may be empty for an organization-level account.
func (h *harness) create(t *testing.T, token, project, name string, bindings []map[string]any) issuedJSON {
	t.Helper()
	body := map[string]any{"name": name, "description": "test account", "expired_in": nil, "roles": bindings, "custom_role_ids": []string{}}
	if project != "" {
		body["project_id"] = project
	}
	r := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", token: token, org: OrganizationID, body: body})
	mustStatus(t, r, http.StatusCreated)
	var out issuedJSON
	r.data(t, &out)
	return out
}

// orgListAs lists the organizations with a token and returns the status.
func (h *harness) orgListAs(t *testing.T, token string) reply {
	t.Helper()
	return h.do(t, req{method: "GET", path: apiPrefix + "/organization/list", token: token})
}
