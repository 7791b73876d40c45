package emulator

import (
	"regexp"
	"testing"
)

func TestNewToken(t *testing.T) {
	shape := regexp.MustCompile(`^pst_[0-9A-Za-z]{40}$`)
	seen := map[string]bool{}
	for range 200 {
		tok := newToken()
		if !shape.MatchString(tok) {
			t.Fatalf("token %q does not match %s", tok, shape)
		}
		if seen[tok] {
			t.Fatalf("token repeated")
		}
		seen[tok] = true
	}
}

func TestNewUUID(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for range 100 {
		if id := newUUID(); !shape.MatchString(id) {
			t.Fatalf("%q is not a version 4 UUID", id)
		}
	}
}

func TestParseUUID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{OrganizationID, OrganizationID, true},
		{"A1C3E000-0000-4000-8000-000000000001", OrganizationID, true},
		{"", "", false},
		{"a1c3e000000040008000000000000001", "", false},
		{"a1c3e000-0000-4000-8000-00000000000g", "", false},
		{"a1c3e000-0000-4000-8000_000000000001", "", false},
		{"{a1c3e000-0000-4000-8000-000000000001}", "", false},
	}
	for _, tt := range tests {
		got, ok := parseUUID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseUUID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHashTokenDistinguishes(t *testing.T) {
	if hashToken("a") == hashToken("b") || hashToken("a") != hashToken("a") {
		t.Fatal("hashToken is not a function of the token")
	}
}
