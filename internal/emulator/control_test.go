package emulator

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClockControl(t *testing.T) {
	h := newHarness(t, Options{})
	expiring := h.do(t, req{method: "POST", path: apiPrefix + "/serviceaccount/token/create", org: OrganizationID,
		body: map[string]any{"name": "hourly", "expired_in": t0.Add(time.Hour).Format(time.RFC3339)}})
	mustStatus(t, expiring, http.StatusCreated)
	var a issuedJSON
	expiring.data(t, &a)

	r := h.do(t, req{method: "POST", path: "/_emulator/clock", body: map[string]any{"advance": "59m59s"}})
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.raw), `"now":"2030-01-01T12:59:59Z"`) {
		t.Fatalf("advance: %s", r.raw)
	}
	mustStatus(t, h.orgListAs(t, a.Token), http.StatusOK)

	mustStatus(t, h.do(t, req{method: "POST", path: "/_emulator/clock", body: map[string]any{"set": "2030-01-01T13:00:00Z"}}), http.StatusOK)
	mustRefuse(t, h.orgListAs(t, a.Token), http.StatusUnauthorized, "token expired")
	if !h.clock.Now().Equal(t0.Add(time.Hour)) {
		t.Fatalf("clock %v", h.clock.Now())
	}

	tests := []struct {
		name, body, message string
	}{
		{"both", `{"advance":"1h","set":"2030-01-01T00:00:00Z"}`, "send exactly one of"},
		{"neither", `{}`, "send exactly one of"},
		{"bad duration", `{"advance":"soon"}`, `advance: "soon" is not a duration. Use a number with a unit: d, h, m or s, for example "30d"`},
		{"negative duration", `{"advance":"-1h"}`, `advance: "-1h" is not positive`},
		{"below a second", `{"advance":"500ms"}`, `advance: "500ms" uses "ms": units below a second are not accepted`},
		{"bad time", `{"set":"tomorrow"}`, `set: must be an RFC 3339 timestamp`},
		{"unknown field", `{"advance":"1h","by":"me"}`, `unknown field "by"`},
		{"malformed", `{"advance":`, "malformed JSON"},
		{"not a string", `{"advance":3600}`, "advance: must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustRefuse(t, h.do(t, req{method: "POST", path: "/_emulator/clock", body: tt.body}), http.StatusBadRequest, tt.message)
		})
	}
	if h.Stats().Total != 3 { // the create and two organization lists
		t.Fatalf("control routes counted: %+v", h.Stats())
	}
}

// The clock route takes durations as the provider does (package duration): "31d" moves
// the clock 31 days, "1d12h" a day and a half. Before, it took Go durations only and
// refused "31d", which expires_in accepts.
func TestClockControlTakesDays(t *testing.T) {
	h := newHarness(t, Options{})
	t0 := h.clock.Now()
	for _, advance := range []string{"31d", "1d12h", "0"} {
		mustStatus(t, h.do(t, req{method: "POST", path: "/_emulator/clock", body: map[string]any{"advance": advance}}), http.StatusOK)
	}
	if want := t0.Add(32*24*time.Hour + 12*time.Hour); !h.clock.Now().Equal(want) {
		t.Fatalf("clock %v, want %v", h.clock.Now(), want)
	}
}

func TestClockControlNeedsManualClock(t *testing.T) {
	h := newHarness(t, Options{Clock: realClock{}})
	r := h.do(t, req{method: "POST", path: "/_emulator/clock", body: map[string]any{"advance": "1h"}})
	mustRefuse(t, r, http.StatusConflict, "runs on real time")
}

func TestResetControl(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "lost", nil)
	r := h.do(t, req{method: "POST", path: "/_emulator/reset"})
	mustStatus(t, r, http.StatusOK)
	if h.ServiceAccountCount() != 0 {
		t.Fatal("reset kept accounts")
	}
	mustRefuse(t, h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + a.ServiceAccount.ID, org: OrganizationID}),
		http.StatusNotFound, "service account not found")
	// A name freed by the reset can be used again.
	h.create(t, "", "", "lost", nil)
}

func TestControlRouting(t *testing.T) {
	h := newHarness(t, Options{})
	mustStatus(t, h.do(t, req{method: "GET", path: "/_emulator/healthz", noAuth: true}), http.StatusOK)
	mustRefuse(t, h.do(t, req{method: "GET", path: "/_emulator/nothing"}), http.StatusNotFound, "no such control route")
	mustRefuse(t, h.do(t, req{method: "GET", path: "/_emulator"}), http.StatusNotFound, "no such control route")
	r := h.do(t, req{method: "GET", path: "/_emulator/reset"})
	mustRefuse(t, r, http.StatusMethodNotAllowed, "allowed: POST")
	if r.header.Get("Allow") != "POST" {
		t.Fatalf("Allow %q", r.header.Get("Allow"))
	}
	r = h.do(t, req{method: "PUT", path: "/_emulator/stats"})
	mustRefuse(t, r, http.StatusMethodNotAllowed, "allowed: GET, DELETE")
}
