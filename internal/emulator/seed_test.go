package emulator

import (
	"slices"
	"testing"
)

func TestSeed(t *testing.T) {
	st := newSeedStore("tok")
	acme := st.orgs[OrganizationID]
	if acme == nil || acme.name != "acme" || len(acme.projects) != 2 {
		t.Fatalf("acme %+v", acme)
	}
	if p := acme.project(ShopProjectID); p == nil || p.name != "shop" || p.description != "Online shop" {
		t.Fatalf("shop %+v", p)
	}
	if p := acme.project(DataProjectID); p == nil || p.name != "data" || p.description != "Data platform" {
		t.Fatalf("data %+v", p)
	}
	if acme.customRoles[DeployerRoleID] != "deployer" || acme.customRoles[AuditorRoleID] != "auditor" {
		t.Fatalf("custom roles %v", acme.customRoles)
	}
	owner, ok := st.tokens[hashToken("tok")]
	if !ok || !slices.Equal(st.users[owner.userID].orgIDs, []string{OrganizationID}) {
		t.Fatal("admin token does not reach a user of acme")
	}
	if st.orgs[globexOrganizationID] == nil || len(st.accounts) != 0 {
		t.Fatal("seed has the wrong organizations or accounts")
	}
	for _, id := range []string{OrganizationID, ShopProjectID, DataProjectID, DeployerRoleID, AuditorRoleID, globexOrganizationID, globexProjectID, globexCustomRoleID} {
		if _, ok := parseUUID(id); !ok {
			t.Errorf("seeded id %q is not a UUID", id)
		}
	}
}
