package client

import (
	"strings"
	"testing"
)

func TestParseBaseURL(t *testing.T) {
	cases := []struct {
		raw     string
		want    string // the URL returned, when accepted
		wantErr []string
	}{
		{raw: "", want: DefaultBaseURL},
		{raw: "https://api.platformer.com/", want: "https://api.platformer.com"},
		{raw: "https://gw.example.com/platformer//", want: "https://gw.example.com/platformer"},
		{raw: "https://gw.example.com/authority", want: "https://gw.example.com/authority"},
		{raw: "https://gw.example.com/x/auth-proxy", want: "https://gw.example.com/x/auth-proxy"},
		{raw: "http://127.0.0.1:8787", want: "http://127.0.0.1:8787"},
		// The API path, appended by mistake: refused, with the URL to use.
		{raw: "http://127.0.0.1:8899/auth/api/v1", wantErr: []string{
			`"http://127.0.0.1:8899/auth/api/v1" includes the API path "/auth/api/v1"`, `use the base URL without it, "http://127.0.0.1:8899"`}},
		{raw: "https://api.platformer.com/auth/api/v1/", wantErr: []string{`"https://api.platformer.com"`}},
		{raw: "https://api.platformer.com/AUTH/api/v1", wantErr: []string{`without it, "https://api.platformer.com"`}},
		{raw: "https://api.platformer.com/auth", wantErr: []string{`includes the API path "/auth"`}},
		{raw: "https://api.platformer.com/auth/api", wantErr: []string{`includes the API path "/auth/api"`}},
		{raw: "https://api.platformer.com/auth/api/v1/serviceaccount/list", wantErr: []string{`without it, "https://api.platformer.com"`}},
		{raw: "https://gw.example.com/platformer/auth/api/v1", wantErr: []string{
			`includes the API path "/auth/api/v1"`, `without it, "https://gw.example.com/platformer"`}},
		{raw: "http://api.platformer.com", wantErr: []string{"clear text", "use https"}},
		{raw: "api.platformer.com", wantErr: []string{`has no scheme: add https://, "https://api.platformer.com"`}},
		{raw: "127.0.0.1:8787", wantErr: []string{`has no scheme: add http:// for this loopback host, "http://127.0.0.1:8787"`}},
	}
	for _, tc := range cases {
		u, err := ParseBaseURL(tc.raw)
		if tc.wantErr == nil {
			if err != nil || u.String() != tc.want {
				t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", tc.raw, u, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseBaseURL(%q) = %v, want an error", tc.raw, u)
			continue
		}
		for _, w := range tc.wantErr {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseBaseURL(%q) = %q, want it to contain %q", tc.raw, err, w)
			}
		}
		if _, newErr := New(Config{BaseURL: tc.raw, Token: testToken}); newErr == nil || newErr.Error() != err.Error() {
			t.Errorf("New(%q) = %v: New must apply ParseBaseURL's rule", tc.raw, newErr)
		}
	}
}

// The base URL's path prefix (a proxy's) is kept in every request.
func TestParseBaseURLKeepsProxyPrefix(t *testing.T) {
	u, err := ParseBaseURL("https://gw.example.com/a%2Fb/")
	if err != nil {
		t.Fatal(err)
	}
	if u.EscapedPath() != "/a%2Fb" {
		t.Errorf("escaped path %q", u.EscapedPath())
	}
}

// Neither credentials nor a query, which may hold secrets, are echoed.
func TestParseBaseURLEchoesNoSecret(t *testing.T) {
	for _, raw := range []string{"https://user:s3cret@api.platformer.com", "https://api.platformer.com/?key=s3cret",
		"https://api.platformer.com/#s3cret"} {
		if _, err := ParseBaseURL(raw); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseBaseURL(%q) = %v", raw, err)
		}
	}
}
