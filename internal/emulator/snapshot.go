package emulator

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A Snapshot is the Console's data beyond the seeded world: its service accounts, with
// their tokens' ids, times and hashes (never a token: the store holds none), and the
// time it was taken. Saved beside the Terraform states written against an emulator, it
// gives a later emulator the same objects, so that those states can be planned again
// (the golden states of internal/provider/testdata/states). The seeded world
// (organizations, projects, custom roles, the admin user) is the same in every emulator.
type Snapshot struct {
	// Now is the emulator's time when the snapshot was taken.
	Now      time.Time         `json:"now"`
	Accounts []SnapshotAccount `json:"accounts"`
}

// SnapshotAccount is one service account of a Snapshot.
type SnapshotAccount struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	OrganizationID string            `json:"organization_id"`
	ProjectID      string            `json:"project_id,omitempty"`
	Roles          []SnapshotBinding `json:"roles,omitempty"`
	CustomRoleIDs  []string          `json:"custom_role_ids,omitempty"`
	TokenID        string            `json:"token_id"`
	// TokenSHA256 is the hexadecimal SHA-256 of the account's live token.
	TokenSHA256    string     `json:"token_sha256"`
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
	TokenRenewedAt time.Time  `json:"token_renewed_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// SnapshotBinding is the permission codes an account holds on one collection.
type SnapshotBinding struct {
	CollectionID string   `json:"collection_id"`
	Codes        []string `json:"codes"`
}

// Snapshot returns the service accounts, ordered by creation, and the time.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{Now: s.clock.Now().UTC()}
	for _, a := range s.st.accounts {
		sa := SnapshotAccount{ID: a.id, Name: a.name, Description: a.description, OrganizationID: a.orgID,
			ProjectID: a.projectID, CustomRoleIDs: slices.Clone(a.customRoleIDs), TokenID: a.tokenID,
			TokenSHA256: hex.EncodeToString(a.tokenHash[:]), TokenExpiresAt: a.tokenExpiresAt,
			TokenRenewedAt: a.tokenRenewedAt, CreatedAt: a.createdAt, UpdatedAt: a.updatedAt}
		for _, b := range a.roles {
			sa.Roles = append(sa.Roles, SnapshotBinding{CollectionID: b.collectionID, Codes: slices.Clone(b.codes)})
		}
		snap.Accounts = append(snap.Accounts, sa)
	}
	slices.SortFunc(snap.Accounts, func(a, b SnapshotAccount) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return snap
}

// Restore replaces the service accounts with those of snap, whose tokens then work
// again (and no other account's). The clock is not changed: start the emulator with a
// ManualClock at snap.Now for the times to read as they did.
func (s *Server) Restore(snap Snapshot) error {
	accounts := map[string]*serviceAccount{}
	hashes := map[tokenHash]tokenOwner{}
	for _, sa := range snap.Accounts {
		raw, err := hex.DecodeString(sa.TokenSHA256)
		if err != nil || len(raw) != len(tokenHash{}) {
			return fmt.Errorf("emulator: snapshot account %s: token_sha256 is not a hexadecimal SHA-256", sa.ID)
		}
		a := &serviceAccount{id: sa.ID, name: sa.Name, description: sa.Description, orgID: sa.OrganizationID,
			projectID: sa.ProjectID, customRoleIDs: slices.Clone(sa.CustomRoleIDs), tokenID: sa.TokenID,
			tokenExpiresAt: sa.TokenExpiresAt, tokenRenewedAt: sa.TokenRenewedAt, createdAt: sa.CreatedAt,
			updatedAt: sa.UpdatedAt}
		copy(a.tokenHash[:], raw)
		for _, b := range sa.Roles {
			a.roles = append(a.roles, binding{collectionID: b.CollectionID, codes: slices.Clone(b.Codes)})
		}
		accounts[a.id] = a
		hashes[a.tokenHash] = tokenOwner{accountID: a.id}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, owner := range s.st.tokens {
		if owner.accountID != "" {
			delete(s.st.tokens, h)
		}
	}
	for h, owner := range hashes {
		s.st.tokens[h] = owner
	}
	s.st.accounts = accounts
	return nil
}
