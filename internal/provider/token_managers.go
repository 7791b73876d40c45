package provider

import (
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// One manager per token: the Console holds one token per service account, and renewing
// it kills the previous one, so two resources that both renew the same account's token
// would renew each other's token away on every apply. Within one provider
// configuration (one providerData: Terraform configures the provider anew for every
// graph walk), every resource that manages an account's token claims the account from
// ModifyPlan; the second claimant gets a plan-time error naming the account.
//
// ModifyPlan does not know the resource's address, so a claimant is identified by what
// Terraform hands it: the configuration (identical in every call for one instance) and
// the prior state's token id. Terraform plans an instance once per walk, except that a
// replacement is planned twice: once against the prior state and once as a create
// (null prior state) with the same configuration. Hence:
//   - a claim whose ModifyPlan also asks for replacement is not recorded (the create
//     that follows claims);
//   - two claims with different configurations are two resources;
//   - two claims with the same configuration are two resources when both are creates
//     (count = 2 of one block) or both have prior state with different token ids; one
//     create and one update with the same configuration is taken as a replacement
//     (a -replace or replace_triggered_by) and allowed, unless the create is marked
//     Fresh: Terraform hands the create half of a replacement the private state that
//     its first half planned, so a resource that records its token id there knows
//     which creates are not replacements (an identical block added beside another).

// tokenClaim describes one resource instance that renews an account's token.
type tokenClaim struct {
	// Manager names the kind of resource for messages, such as
	// "platformer_service_account_token".
	Manager string
	// Config is the resource's configuration (req.Config.Raw).
	Config tftypes.Value
	// PriorTokenID is the token id in the prior state, "" for a create.
	PriorTokenID string
	// Fresh marks a create that the resource knows is not the second half of a
	// replacement (Terraform hands the create half of a replacement the private state
	// its first half planned), so that it is never taken for one: two identical blocks,
	// one of them new, are two managers.
	Fresh bool
}

type recordedClaim struct {
	manager    string
	config     [sha256.Size]byte
	priorToken string
	fresh      bool
}

// tokenManagers records the claims of one provider configuration. Its zero value is
// ready to use.
type tokenManagers struct {
	mu     sync.Mutex
	claims map[string][]recordedClaim // by service account id
}

// claim records c for accountID and returns the conflicting manager's name when
// another resource instance already manages that account's token.
func (m *tokenManagers) claim(accountID string, c tokenClaim) (other string, ok bool) {
	rc := recordedClaim{manager: c.Manager, config: sha256.Sum256([]byte(c.Config.String())), priorToken: c.PriorTokenID, fresh: c.Fresh}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims == nil {
		m.claims = make(map[string][]recordedClaim)
	}
	for _, prev := range m.claims[accountID] {
		if sameInstance(prev, rc) {
			continue
		}
		return prev.manager, false
	}
	m.claims[accountID] = append(m.claims[accountID], rc)
	return "", true
}

// sameInstance reports whether two claims can be one instance planned twice.
func sameInstance(a, b recordedClaim) bool {
	if a.manager != b.manager || a.config != b.config || a.fresh || b.fresh {
		return false
	}
	switch {
	case a.priorToken == "" && b.priorToken == "":
		return false // two creates: count = 2 of one block, or two identical blocks
	case a.priorToken == "" || b.priorToken == "":
		return true // a replacement planned against the prior state, then as a create
	default:
		return a.priorToken == b.priorToken
	}
}

// claimTokenManager claims accountID's token for the resource described by c, and adds
// a plan-time error at attr when another resource of this provider configuration
// already manages it. Call it from ModifyPlan once the account id is known, unless the
// plan replaces the resource (then the create that Terraform plans next claims).
func (d *providerData) claimTokenManager(accountID string, c tokenClaim, attr path.Path, diags *diag.Diagnostics) {
	if d == nil || accountID == "" {
		return
	}
	other, ok := d.managers.claim(accountID, c)
	if ok {
		return
	}
	diags.AddAttributeError(attr, "Service Account Token Managed Twice",
		fmt.Sprintf("%s: the token of service account %s is already managed by another %s in this configuration. "+
			"The Console holds one token per service account and renewing it revokes the previous one, so two "+
			"resources that manage it would revoke each other's token on every apply. Keep one resource per "+
			"service account (a platformer_service_account_token, or a platformer_service_account_rotating_token "+
			"over two accounts), and reference its token wherever it is needed.", attr, accountID, other))
}
