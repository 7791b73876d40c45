package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestTokenManagers_claim(t *testing.T) {
	cfg := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	const acct = "a1c3e000-0000-4000-8000-0000000000aa"
	const tok = "platformer_service_account_token"
	const rot = "platformer_service_account_rotating_token"
	type step struct {
		account string
		claim   managerClaim
		wantOK  bool
	}
	cases := map[string][]step{
		"one create": {{acct, managerClaim{Manager: tok, Config: cfg("a"), Once: true}, true}},
		"one update": {{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t1"}, true}},
		"two blocks with different configurations": {
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t1"}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("b"), Prior: "t2"}, false},
		},
		"two existing instances with the same configuration": {
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t1"}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t2"}, false},
		},
		"a replacement: the create half holds the marker of the token it replaces": {
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t1"}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t1"}, true},
		},
		"a create whose marker names another token": {
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t1"}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t2"}, false},
		},
		"a replacement of an instance whose state holds no token id": {
			{acct, managerClaim{Manager: tok, Config: cfg("a")}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("a")}, true},
		},
		"an identical block added beside an existing one (a fresh create)": {
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Prior: "t1"}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Once: true}, false},
		},
		"count = 2 of one block (two fresh creates)": {
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Once: true}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Once: true}, false},
		},
		"an identical rotating token block added beside an existing one": {
			{acct, managerClaim{Manager: rot, Config: cfg("a"), Prior: "t1"}, true},
			{acct, managerClaim{Manager: rot, Config: cfg("a"), Once: true}, false},
		},
		"a replacement of a rotating token": {
			{acct, managerClaim{Manager: rot, Config: cfg("a"), Prior: "t1"}, true},
			{acct, managerClaim{Manager: rot, Config: cfg("a"), Prior: "t1"}, true},
		},
		"a token resource and a rotating token on one account": {
			{acct, managerClaim{Manager: rot, Config: cfg("a"), Once: true}, true},
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Once: true}, false},
		},
		"two accounts": {
			{acct, managerClaim{Manager: tok, Config: cfg("a"), Once: true}, true},
			{"a1c3e000-0000-4000-8000-0000000000bb", managerClaim{Manager: tok, Config: cfg("b"), Once: true}, true},
		},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			var m managerClaims
			for i, s := range steps {
				other, ok := m.claim(s.account, s.claim)
				if ok != s.wantOK {
					t.Fatalf("claim %d: ok = %v, want %v", i, ok, s.wantOK)
				}
				if !ok && other.manager == "" {
					t.Fatalf("claim %d: refused without naming the other manager", i)
				}
			}
		})
	}
}
