package emulator

// The seeded world. Every emulator starts with it, and Reset returns to it.
const (
	// OrganizationID is the seeded organization "acme".
	OrganizationID = "a1c3e000-0000-4000-8000-000000000001"
	// ShopProjectID is the seeded project "shop" (description "Online shop") of acme.
	ShopProjectID = "a1c3e000-0000-4000-8000-000000000002"
	// DataProjectID is the seeded project "data" (description "Data platform") of acme.
	DataProjectID = "a1c3e000-0000-4000-8000-000000000003"
	// DeployerRoleID is the seeded custom role "deployer" of acme.
	DeployerRoleID = "a1c3e000-0000-4000-8000-0000000000c1"
	// AuditorRoleID is the seeded custom role "auditor" of acme.
	AuditorRoleID = "a1c3e000-0000-4000-8000-0000000000c2"
	// DefaultAdminToken is the token of a seeded user of acme holding
	// organization.admin, used when Options.AdminToken is empty.
	DefaultAdminToken = "emulator-admin-token"

	// InitechOrganizationID is the seeded organization "initech", with project "ops".
	// Only the user of TwoOrganizationsToken belongs to it.
	InitechOrganizationID = "c3e5f000-0000-4000-8000-000000000001"
	// InitechProjectID is the seeded project "ops" of initech.
	InitechProjectID = "c3e5f000-0000-4000-8000-000000000002"
	// TwoOrganizationsToken is the token of a seeded user that belongs to two
	// organizations, acme and initech, and holds organization.admin in both.
	TwoOrganizationsToken = "emulator-two-organizations-token"
)

const (
	adminUserID = "a1c3e000-0000-4000-8000-0000000000a1"
	// twoOrgsUserID is the user of TwoOrganizationsToken, a member of acme and initech.
	twoOrgsUserID = "c3e5f000-0000-4000-8000-0000000000a1"

	// globex is a second organization that exists but that no caller belongs to, so
	// the "not a member" refusals can be told from "no such organization".
	globexOrganizationID = "b2d4f000-0000-4000-8000-000000000001"
	globexProjectID      = "b2d4f000-0000-4000-8000-000000000002"
	globexCustomRoleID   = "b2d4f000-0000-4000-8000-0000000000c1"
)

// newSeedStore builds the seeded world: organization acme with projects shop and data
// and custom roles deployer and auditor, an admin user of acme reached with
// adminToken, organization initech whose admin is also an admin of acme (reached with
// TwoOrganizationsToken), and organization globex that nobody belongs to.
func newSeedStore(adminToken string) *store {
	st := newStore()
	st.addOrganization(&organization{
		id:   OrganizationID,
		name: "acme",
		projects: []*project{
			{id: ShopProjectID, name: "shop", description: "Online shop"},
			{id: DataProjectID, name: "data", description: "Data platform"},
		},
		customRoles: map[string]string{DeployerRoleID: "deployer", AuditorRoleID: "auditor"},
	})
	st.addOrganization(&organization{
		id:          globexOrganizationID,
		name:        "globex",
		projects:    []*project{{id: globexProjectID, name: "lab", description: "Research lab"}},
		customRoles: map[string]string{globexCustomRoleID: "researcher"},
	})
	st.addOrganization(&organization{
		id:          InitechOrganizationID,
		name:        "initech",
		projects:    []*project{{id: InitechProjectID, name: "ops", description: "Operations"}},
		customRoles: map[string]string{},
	})
	admin := []string{"organization.admin"}
	st.users[adminUserID] = &user{
		id:     adminUserID,
		orgIDs: []string{OrganizationID},
		roles:  []binding{{collectionID: OrganizationID, codes: admin}},
	}
	st.tokens[hashToken(adminToken)] = tokenOwner{userID: adminUserID}
	st.users[twoOrgsUserID] = &user{
		id:     twoOrgsUserID,
		orgIDs: []string{OrganizationID, InitechOrganizationID},
		roles:  []binding{{collectionID: OrganizationID, codes: admin}, {collectionID: InitechOrganizationID, codes: admin}},
	}
	st.tokens[hashToken(TwoOrganizationsToken)] = tokenOwner{userID: twoOrgsUserID}
	return st
}
