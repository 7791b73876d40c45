package client

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewValidatesBaseURL(t *testing.T) {
	cases := []struct {
		url     string
		wantErr string // "" = accepted
	}{
		{"", ""}, // DefaultBaseURL
		{"https://api.platformer.com", ""},
		{"https://api.platformer.com/", ""},
		{"https://beta.api.platformer.com:8443/prefix/", ""},
		{"http://localhost:8080", ""},
		{"http://LOCALHOST", ""},
		{"http://127.0.0.1:9999/", ""},
		{"http://127.5.6.7", ""},
		{"http://[::1]:8080", ""},
		{"http://api.platformer.com", "clear text"},
		{"http://10.0.0.1:8080", "clear text"},
		{"http://localhost.example.com", "clear text"},
		{"api.platformer.com", `has no scheme: add https://, "https://api.platformer.com"`},
		{"/relative/path", "absolute http(s) URL"},
		{"ftp://api.platformer.com", "absolute http(s) URL"},
		{"https://", "absolute http(s) URL"},
		{"https:api.platformer.com", "absolute http(s) URL"},
		{"https://user:pw@api.platformer.com", "carries credentials"},
		{"https://api.platformer.com/?x=1", "query or a fragment"},
		{"https://api.platformer.com/#frag", "query or a fragment"},
		{"https://api.platformer.com/%zz", "does not parse"},
		{"::::", "does not parse"},
	}
	for _, tc := range cases {
		_, err := New(Config{BaseURL: tc.url, Token: testToken})
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("New(%q) = %v, want accepted", tc.url, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("New(%q) = %v, want an error containing %q", tc.url, err, tc.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("New(%q) echoes credentials: %v", tc.url, err)
		}
	}
	_, err := New(Config{BaseURL: "http://api.platformer.com", Token: testToken})
	if err == nil || !strings.Contains(err.Error(), "use https") {
		t.Errorf("got %v", err)
	}
}

func TestNewValidatesTheRest(t *testing.T) {
	cases := map[string]Config{
		"empty token":          {},
		"token with newline":   {Token: "abc\r\nX-Evil: 1"},
		"token with spaces":    {Token: " abc "},
		"negative retries":     {Token: "t", MaxRetries: -1},
		"negative wait":        {Token: "t", RetryWaitMin: -time.Second},
		"min above max":        {Token: "t", RetryWaitMin: time.Minute, RetryWaitMax: time.Second},
		"min above default":    {Token: "t", RetryWaitMin: time.Hour},
		"negative timeout":     {Token: "t", RequestTimeout: -1},
		"negative rate":        {Token: "t", RequestsPerSecond: -1},
		"user agent with CRLF": {Token: "t", UserAgent: "x\r\ny"},
	}
	for name, cfg := range cases {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "abc") {
			t.Errorf("%s: the error echoes the token: %v", name, err)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != DefaultBaseURL || c.userAgent == "" || c.retryWaitMin != time.Second ||
		c.retryWaitMax != 30*time.Second || c.httpClient.Timeout != 60*time.Second || c.maxRetries != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if _, ok := c.logger.(nopLogger); !ok {
		t.Error("a nil Logger logs nothing")
	}
	if lt, ok := c.httpClient.Transport.(*limitedTransport); !ok || lt.ceiling != nil || lt.budget == nil {
		t.Error("no ceiling unless asked for, and always the budget")
	}
}

func TestNewCopiesBaseHTTPClient(t *testing.T) {
	base := &http.Client{Timeout: time.Hour}
	c, err := New(Config{Token: testToken, HTTPClient: base, RequestTimeout: 5 * time.Second, RequestsPerSecond: 10})
	if err != nil {
		t.Fatal(err)
	}
	if base.Timeout != time.Hour || base.CheckRedirect != nil || base.Transport != nil {
		t.Error("the base client was modified")
	}
	if c.httpClient == base || c.httpClient.Timeout != 5*time.Second || c.httpClient.CheckRedirect == nil {
		t.Errorf("client %+v", c.httpClient)
	}
	lt, ok := c.httpClient.Transport.(*limitedTransport)
	if !ok || lt.next != http.DefaultTransport {
		t.Errorf("transport %T", c.httpClient.Transport)
	}
}
