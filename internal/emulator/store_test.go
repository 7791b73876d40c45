package emulator

import (
	"strings"
	"testing"
	"time"
)

func TestAccountsOfOrder(t *testing.T) {
	st := newSeedStore(DefaultAdminToken)
	add := func(id string, created time.Time, project string) {
		st.accounts[id] = &serviceAccount{id: id, orgID: OrganizationID, projectID: project, createdAt: created}
	}
	add("c", t0, "")
	add("a", t0.Add(time.Second), ShopProjectID)
	add("b", t0, ShopProjectID)
	st.accounts["other"] = &serviceAccount{id: "other", orgID: globexOrganizationID}

	ids := func(list []*serviceAccount) string {
		var out []string
		for _, a := range list {
			out = append(out, a.id)
		}
		return strings.Join(out, ",")
	}
	if got := ids(st.accountsOf(OrganizationID, "", false)); got != "b,c,a" {
		t.Fatalf("organization listing %s, want b,c,a", got)
	}
	if got := ids(st.accountsOf(OrganizationID, ShopProjectID, true)); got != "b,a" {
		t.Fatalf("project listing %s, want b,a", got)
	}
}

func TestNameTaken(t *testing.T) {
	st := newStore()
	st.accounts["x"] = &serviceAccount{id: "x", orgID: "o", projectID: "p", name: "n"}
	tests := []struct {
		org, project, name, except string
		want                       bool
	}{
		{"o", "p", "n", "", true},
		{"o", "p", "n", "x", false},
		{"o", "", "n", "", false},
		{"o", "q", "n", "", false},
		{"o", "p", "N", "", false},
	}
	for _, tt := range tests {
		if got := st.nameTaken(tt.org, tt.project, tt.name, tt.except); got != tt.want {
			t.Errorf("nameTaken(%q, %q, %q, %q) = %v", tt.org, tt.project, tt.name, tt.except, got)
		}
	}
}

func TestRetiredTokens(t *testing.T) {
	st := newStore()
	a := &serviceAccount{id: "a"}
	tok := st.issueToken(a, nil, t0)
	st.accounts["a"] = a
	if owner := st.tokens[hashToken(tok)]; owner.accountID != "a" {
		t.Fatal("token not registered")
	}
	st.retireToken(a.tokenHash, reasonRenewed)
	if _, live := st.tokens[hashToken(tok)]; live || st.retired[hashToken(tok)] != reasonRenewed {
		t.Fatal("token not retired")
	}
}
