package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
)

func TestEnvelopes(t *testing.T) {
	h := newHarness(t, Options{})

	okReply := h.orgListAs(t, "")
	mustStatus(t, okReply, http.StatusOK)
	var success map[string]json.RawMessage
	if err := json.Unmarshal(okReply.raw, &success); err != nil {
		t.Fatal(err)
	}
	if len(success) != 2 || string(success["success"]) != "true" || success["data"] == nil {
		t.Fatalf("success envelope %s", okReply.raw)
	}

	bad := h.orgListAs(t, "nope")
	var failure struct {
		Success *bool                      `json:"success"`
		Errors  map[string]json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(bad.raw, &failure); err != nil {
		t.Fatal(err)
	}
	if failure.Success == nil || *failure.Success || len(failure.Errors) != 1 || failure.Errors["message"] == nil {
		t.Fatalf("error envelope %s", bad.raw)
	}

	for _, r := range []reply{okReply, bad} {
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
}

func TestRequestIDsOnEveryResponse(t *testing.T) {
	h := newHarness(t, Options{})
	shape := regexp.MustCompile(`^req-\d{6,}$`)
	seen := map[string]bool{}
	for _, q := range []req{
		{method: "GET", path: apiPrefix + "/organization/list"},
		{method: "GET", path: apiPrefix + "/organization/list", noAuth: true},
		{method: "GET", path: "/nowhere"},
		{method: "GET", path: "/_emulator/healthz"},
		{method: "GET", path: "/_emulator/nowhere"},
	} {
		r := h.do(t, q)
		id := r.header.Get("X-Request-Id")
		if !shape.MatchString(id) || seen[id] {
			t.Fatalf("%s %s: X-Request-Id %q (seen before: %v)", q.method, q.path, id, seen[id])
		}
		seen[id] = true
	}
}

func TestDeleteAnswersDataNull(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "gone", nil)
	r := h.do(t, req{method: "DELETE", path: apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID, org: OrganizationID})
	mustStatus(t, r, http.StatusOK)
	if got := string(r.raw); got != `{"success":true,"data":null}`+"\n" {
		t.Fatalf("body %q", got)
	}
}
