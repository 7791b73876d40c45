package emulator

import (
	"reflect"
	"testing"
	"time"
)

func TestSnapshot_restoreGivesTheSameAccountsAndTokens(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	src := New(Options{Clock: clock})
	now := clock.Now()
	expiry := now.Add(90 * 24 * time.Hour)
	a := &serviceAccount{id: "c0ffee00-0000-4000-8000-000000000001", name: "ci", orgID: OrganizationID,
		projectID: ShopProjectID, roles: []binding{{collectionID: ShopProjectID, codes: []string{"project.viewer"}}},
		customRoleIDs: []string{DeployerRoleID}, createdAt: now, updatedAt: now}
	src.st.accounts[a.id] = a
	token := src.st.issueToken(a, &expiry, now)

	snap := src.Snapshot()
	if !snap.Now.Equal(now) || len(snap.Accounts) != 1 {
		t.Fatalf("snapshot: now %s, %d accounts", snap.Now, len(snap.Accounts))
	}
	dst := New(Options{Clock: NewManualClock(snap.Now)})
	other := &serviceAccount{id: "c0ffee00-0000-4000-8000-000000000002", orgID: OrganizationID}
	dst.st.accounts[other.id] = other
	otherToken := dst.st.issueToken(other, nil, now)
	if err := dst.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got := dst.Snapshot(); !reflect.DeepEqual(got, snap) {
		t.Fatalf("restored snapshot differs:\n%+v\nwant\n%+v", got, snap)
	}
	if owner, ok := dst.st.tokens[hashToken(token)]; !ok || owner.accountID != a.id {
		t.Fatal("the restored account's token does not work")
	}
	if _, ok := dst.st.tokens[hashToken(otherToken)]; ok {
		t.Fatal("an account that is not in the snapshot kept a working token")
	}
	if _, ok := dst.st.tokens[hashToken(DefaultAdminToken)]; !ok {
		t.Fatal("the admin user's token was lost")
	}
	snap.Accounts[0].TokenSHA256 = "zz"
	if err := dst.Restore(snap); err == nil {
		t.Fatal("a snapshot with a bad token hash was restored")
	}
}
