package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// FuzzResponseOverHTTP sends arbitrary answers through the whole receive path of a call
// — the HTTP response, the bounded read, the envelope and the payload decoding — with
// bodies padded (JSON allows trailing white space) up to and past the 4 MiB the client
// reads. FuzzDecodeEnvelope covers the decoding alone; this adds the read: whatever the
// body, the client reads at most 4 MiB and one byte, refuses a larger body whatever its
// status, and otherwise answers exactly as the decoding of that body does. Never a
// panic, never the token in an error.
//
// Run it with: go test ./internal/client -run '^$' -fuzz FuzzResponseOverHTTP
func FuzzResponseOverHTTP(f *testing.F) {
	issued, _ := json.Marshal(okEnv(map[string]any{"token": "pst_new", "service_account": saJSON(saID)}))
	refused, _ := json.Marshal(errEnv("service account not found"))
	leaky, _ := json.Marshal(errEnv("bad token " + testToken))
	for _, seed := range []struct {
		status int
		body   []byte
		pad    uint32
	}{
		{200, issued, 0},
		{200, issued, uint32(maxResponseBody - len(issued))},     // exactly the limit: read and decoded
		{200, issued, uint32(maxResponseBody - len(issued) + 1)}, // one byte more: refused
		{404, refused, 0},
		{404, refused, uint32(maxResponseBody)},
		{401, leaky, 0},
		{200, []byte(`{"success":true,"data":{"token":"","service_account":null}}`), 3},
		{200, []byte("<html>" + testToken + "</html>"), 0},
		{502, []byte("<html>bad gateway</html>"), 1 << 20},
		{200, nil, 0},
		{500, []byte(`{"success":true,"data":1}`), 0},
	} {
		f.Add(seed.status, seed.body, seed.pad)
	}

	var mu sync.Mutex
	var status int
	var body []byte
	var pad int
	srv, _ := newServer(f, func(w http.ResponseWriter, _ *http.Request, _ int) {
		mu.Lock()
		st, b, p := status, body, pad
		mu.Unlock()
		w.WriteHeader(st)
		if _, err := w.Write(b); err != nil {
			return
		}
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for p > 0 {
			n := min(p, len(chunk))
			if _, err := w.Write(chunk[:n]); err != nil {
				return // the client stopped reading
			}
			p -= n
		}
	})
	c, _ := newClient(f, srv.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	r := apiRequest{method: http.MethodPost, path: pathRenewServiceAccountToken(saID)}

	f.Fuzz(func(t *testing.T, st int, b []byte, p uint32) {
		switch {
		case st < 200 || st > 599, st == http.StatusNoContent, st == http.StatusNotModified:
			st = http.StatusOK // statuses that cannot carry a body
		}
		padding := int(p % uint32(maxResponseBody+(64<<10)))
		mu.Lock()
		status, body, pad = st, b, padding
		mu.Unlock()

		got, err := c.RenewServiceAccountToken(context.Background(), Scope{OrganizationID: orgID}, saID, nil)
		if err != nil && strings.Contains(err.Error(), testToken) {
			t.Fatalf("the token appears in the error: %v", err)
		}
		if len(b)+padding > maxResponseBody {
			var ue *UnexpectedResponseError
			if !errors.As(err, &ue) || ue.StatusCode != st || !strings.Contains(ue.Reason, "4 MiB") {
				t.Fatalf("a body of %d bytes (status %d) was not refused as too large: %v", len(b)+padding, st, err)
			}
			return
		}
		full := append(append([]byte{}, b...), strings.Repeat(" ", padding)...)
		var want *IssuedToken
		wantErr := c.interpret(r, answer{status: st, body: full}, func(d json.RawMessage) (err error) {
			want, err = decodeIssuedToken(d)
			return err
		})
		switch {
		case (err == nil) != (wantErr == nil):
			t.Fatalf("status %d, %d bytes: over HTTP %v, decoded directly %v", st, len(full), err, wantErr)
		case err != nil && err.Error() != wantErr.Error():
			t.Fatalf("status %d: over HTTP %q, decoded directly %q", st, err, wantErr)
		case err == nil && (got.Token != want.Token || got.ServiceAccount.ID != want.ServiceAccount.ID || got.Token == ""):
			t.Fatalf("status %d: over HTTP %+v, decoded directly %+v", st, got, want)
		}
	})
}
