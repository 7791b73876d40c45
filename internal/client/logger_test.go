package client

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestRedactHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", testToken)
	h.Set("Cookie", "a=b")
	h.Set("x-organization-id", orgID)
	h["proxy-authorization"] = []string{"p"} // not canonical
	got := RedactHeaders(h)
	want := http.Header{
		"Authorization":       {"[REDACTED]"},
		"Cookie":              {"[REDACTED]"},
		"X-Organization-Id":   {orgID},
		"proxy-authorization": {"[REDACTED]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	if h.Get("Authorization") != testToken {
		t.Error("the input was modified")
	}
	if RedactHeaders(nil) != nil {
		t.Error("nil stays nil")
	}
}

func TestLogLines(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("X-Request-Id", "req-"+string(rune('0'+n)))
		flaky(1, 503, "0")(w, r, n)
	})
	c, lg := newClient(t, srv.URL)
	if _, err := c.ListServiceAccountsPage(context.Background(), Scope{OrganizationID: orgID}, 1, 100); err == nil {
		t.Fatal("the fake answers a service account, not a page")
	}
	var requests, responses, retries []map[string]any
	for _, ln := range lg.all() {
		switch ln.msg {
		case "Console API request":
			requests = append(requests, ln.fields)
		case "Console API response":
			responses = append(responses, ln.fields)
		case "retrying Console API request":
			retries = append(retries, ln.fields)
			if ln.level != "warn" {
				t.Error("retries are warnings")
			}
		}
	}
	if len(requests) != 2 || len(responses) != 2 || len(retries) != 1 {
		t.Fatalf("log:\n%s", lg.text())
	}
	for i, f := range responses {
		if f["method"] != "GET" || f["path"] != "/auth/api/v1/serviceaccount/list?page=1&page_size=100" ||
			f["attempt"] != i+1 || f["request_id"] != "req-"+string(rune('1'+i)) {
			t.Errorf("response %d: %v", i, f)
		}
		if _, ok := f["duration_ms"].(int64); !ok {
			t.Errorf("duration_ms: %v", f)
		}
	}
	if responses[0]["status"] != 503 || responses[1]["status"] != 200 {
		t.Errorf("statuses %v %v", responses[0]["status"], responses[1]["status"])
	}
	if retries[0]["wait_ms"] != int64(0) || retries[0]["attempt"] != 1 {
		t.Errorf("retry %v", retries[0])
	}
	h := requests[0]["request_headers"].(http.Header)
	if h.Get("Authorization") != "[REDACTED]" || h.Get("X-Organization-Id") != orgID {
		t.Errorf("logged headers %v", h)
	}
}

func TestLogsHoldNoBodyAndNoToken(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, 201, okEnv(map[string]any{"token": "issued-SECRET", "service_account": saJSON(saID)}))
	})
	c, lg := newClient(t, srv.URL)
	if _, err := c.CreateServiceAccount(context.Background(), orgID, CreateServiceAccountInput{Name: "body-marker"}); err != nil {
		t.Fatal(err)
	}
	s := lg.text()
	for _, secret := range []string{testToken, "issued-SECRET", "body-marker", "ci-deployer"} {
		if strings.Contains(s, secret) {
			t.Errorf("the log holds %q:\n%s", secret, s)
		}
	}
}

func TestTransportFailureIsLoggedScrubbed(t *testing.T) {
	c, lg := newClient(t, "http://"+closedAddr(t), func(c *Config) { c.MaxRetries = 0 })
	_ = get(c)
	if lg.count("Console API request failed") != 1 {
		t.Errorf("log:\n%s", lg.text())
	}
}
