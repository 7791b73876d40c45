package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseDepartedWrites(t *testing.T) {
	for in, want := range map[string]DepartedWrites{"": DepartedWritesCommit, "commit": DepartedWritesCommit, "cancel": DepartedWritesCancel} {
		if got, err := ParseDepartedWrites(in); err != nil || got != want {
			t.Errorf("ParseDepartedWrites(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseDepartedWrites("abort"); err == nil || !strings.Contains(err.Error(), `use "commit" or "cancel"`) {
		t.Errorf("got %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an unknown DepartedWrites")
		}
	}()
	New(Options{DepartedWrites: "abort"})
}

// A write whose client leaves while the emulator waits out its latency is committed
// (the default) or dropped (cancel); a read is dropped either way.
func TestDepartedWrites(t *testing.T) {
	const latency = 150 * time.Millisecond
	for _, mode := range []DepartedWrites{"", DepartedWritesCommit, DepartedWritesCancel} {
		t.Run(string(mode)+"/", func(t *testing.T) {
			h := newHarness(t, Options{DepartedWrites: mode})
			kept := h.create(t, "", "", "kept", nil) // to update and delete
			h.SetLatency(latency)
			h.ResetStats()
			depart := func(method, path string, body any) {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				defer cancel()
				var rd io.Reader
				if body != nil {
					raw, _ := json.Marshal(body)
					rd = bytes.NewReader(raw)
				}
				r, _ := http.NewRequestWithContext(ctx, method, h.URL+path, rd)
				r.Header.Set("Authorization", DefaultAdminToken)
				r.Header.Set("x-organization-id", OrganizationID)
				if body != nil {
					r.Header.Set("Content-Type", "application/json")
				}
				if _, err := http.DefaultClient.Do(r); !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("%s %s: err %v, want the client to leave", method, path, err)
				}
			}
			depart("POST", apiPrefix+"/serviceaccount/token/create", map[string]any{"name": "departed",
				"description": "", "expired_in": nil, "roles": []any{}, "custom_role_ids": []any{}})
			depart("PUT", apiPrefix+"/serviceaccount/"+kept.ServiceAccount.ID, map[string]any{"name": "renamed",
				"description": "", "roles": []any{}, "custom_role_ids": []any{}})
			depart("GET", apiPrefix+"/serviceaccount/list", nil)

			// Wait until the emulator has finished with all three.
			deadline := time.Now().Add(5 * time.Second)
			for h.Stats().Total < 3 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			h.SetLatency(0)
			var list struct{ Items []accountJSON }
			h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/list", org: OrganizationID}).data(t, &list)
			names := map[string]bool{}
			for _, a := range list.Items {
				names[a.Name] = true
			}
			stats := h.Stats()
			commit := mode != DepartedWritesCancel
			if names["departed"] != commit || names["renamed"] != commit || names["kept"] == commit {
				t.Errorf("mode %q: accounts %v after the clients left", mode, names)
			}
			want499 := 1 // the read
			if !commit {
				want499 = 3
			}
			got499 := 0
			for _, s := range stats.Requests {
				if s.Status == statusClientClosedRequest {
					got499 += s.Count
				}
			}
			if got499 != want499 {
				t.Errorf("mode %q: %d requests answered 499, want %d: %+v", mode, got499, want499, stats)
			}
		})
	}
}
