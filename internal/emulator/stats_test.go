package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestStatsCountByRouteAndStatus(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create(t, "", "", "counted", nil).ServiceAccount.ID
	h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + a, org: OrganizationID})
	h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + a, org: OrganizationID})
	h.do(t, req{method: "GET", path: apiPrefix + "/serviceaccount/" + newUUID(), org: OrganizationID})
	h.do(t, req{method: "PATCH", path: apiPrefix + "/serviceaccount/" + a, org: OrganizationID})
	h.do(t, req{method: "GET", path: "/nowhere"})
	h.do(t, req{method: "GET", path: "/_emulator/healthz"})
	h.do(t, req{method: "GET", path: "/_emulator/stats"})

	want := Stats{Total: 6, Requests: []RouteStat{
		{Method: "GET", Route: unmatchedRoute, Status: 404, Count: 1},
		{Method: "POST", Route: apiPrefix + "/serviceaccount/token/create", Status: 201, Count: 1},
		{Method: "GET", Route: apiPrefix + "/serviceaccount/{id}", Status: 200, Count: 2},
		{Method: "GET", Route: apiPrefix + "/serviceaccount/{id}", Status: 404, Count: 1},
		{Method: "PATCH", Route: apiPrefix + "/serviceaccount/{id}", Status: 405, Count: 1},
	}}
	if got := h.Stats(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Stats\n got %+v\nwant %+v", got, want)
	}
	if got := h.Stats().Count("GET", apiPrefix+"/serviceaccount/{id}"); got != 3 {
		t.Fatalf("Count = %d, want 3", got)
	}

	r := h.do(t, req{method: "GET", path: "/_emulator/stats"})
	mustStatus(t, r, http.StatusOK)
	var fromRoute Stats
	if err := json.Unmarshal(r.raw, &fromRoute); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromRoute, want) {
		t.Fatalf("GET /_emulator/stats %s", r.raw)
	}
	var rawKeys struct {
		Requests []map[string]any `json:"requests"`
	}
	_ = json.Unmarshal(r.raw, &rawKeys)
	if keys := sortedKeys(rawKeys.Requests[0]); !reflect.DeepEqual(keys, []string{"count", "method", "route", "status"}) {
		t.Fatalf("route stat keys %v", keys)
	}

	mustStatus(t, h.do(t, req{method: "DELETE", path: "/_emulator/stats"}), http.StatusOK)
	if got := h.Stats(); got.Total != 0 || len(got.Requests) != 0 || got.Requests == nil {
		t.Fatalf("after DELETE: %+v", got)
	}
	h.orgListAs(t, "")
	h.ResetStats()
	r = h.do(t, req{method: "GET", path: "/_emulator/stats"})
	if string(r.raw) != `{"total":0,"requests":[]}`+"\n" {
		t.Fatalf("after ResetStats: %s", r.raw)
	}
}
