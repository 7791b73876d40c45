package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// One manager per object: two resources of one configuration must not manage one
// Console object, because they would fight over it. Within one provider configuration
// (one providerData: Terraform configures the provider anew for every graph walk),
// every resource instance that manages such an object claims it from ModifyPlan in the
// registry below (managerClaims); the second claimant gets a plan-time error naming the
// object. Two kinds of objects are claimed, each under a key of its own:
//   - an account's token (tokenKey), by the two token resources: the Console holds one
//     token per service account, and renewing it kills the previous one, so two
//     resources that both renew it would renew each other's token away on every apply;
//   - an account itself (accountKey), by platformer_service_account: two resources that
//     manage one account revert each other's changes on every apply, and destroying
//     either deletes the account the other manages (claimAccount, below).
//
// ModifyPlan does not know the resource's address, so a claimant is identified by what
// Terraform hands it: the configuration (identical in every call for one instance), the
// id that its prior state ties it to, and a replacement marker. Terraform plans an
// instance once per walk, except that a replacement is planned twice: once against the
// prior state and once as a create (null prior state) with the same configuration, to
// which it hands the private state that the first call planned.
//
// An account's id is stable and a create has none yet, so platformer_service_account
// claims only from a plan with prior state, which Terraform makes once per instance and
// walk (an import block, or an import by identity, plans with the imported state as
// prior state): every such claim is its own instance (Once), and any second claim of
// an account is a second manager.
//
// A token resource's create half of a replacement claims the same account as its first
// half, so the first call records the prior state's token id in private state
// (writeClaimMarker), and a create finds it there (readClaimMarker):
//   - a claim whose ModifyPlan also asks for replacement is not recorded (the create
//     that follows claims);
//   - a create with the marker is the second half of a replacement of the instance
//     whose prior token id it holds: the same instance as a claim with that token id
//     and the same configuration (a -replace or replace_triggered_by, whose first half
//     claims too);
//   - a create without the marker is fresh: a new instance, never the same as another
//     claim (count = 2 of one block, or a block added beside an identical one);
//   - two claims with different configurations, or different token ids, are two
//     resources.
//
// Both token resources (platformer_service_account_token and
// platformer_service_account_rotating_token) claim through claimFromPlan.
//
// Across provider configurations (two aliases, each served by its own provider process,
// or two workspaces) nothing is shared, so a token's fight is noticed on the Console
// instead: see noticeRenewalElsewhere below.

// tokenKey and accountKey are the registry's keys of an account's token and of the
// account itself (id in lower case).
func tokenKey(accountID string) string   { return "token " + accountID }
func accountKey(accountID string) string { return "account " + accountID }

// managerClaim describes one resource instance that manages an object.
type managerClaim struct {
	// Manager names the kind of resource for messages, such as
	// "platformer_service_account_token".
	Manager string
	// Config is the resource's configuration (req.Config.Raw).
	Config tftypes.Value
	// Prior is the id of what the prior state ties the instance to (a token resource's
	// token id), or, for the create half of a replacement, the one its marker holds.
	Prior string
	// Once marks a claim that Terraform makes once per instance and walk, never taken for
	// one planned twice: a token resource's create without the replacement marker (two
	// identical blocks, one of them new, are two managers), or any account claim.
	Once bool
	// Importing marks an instance that an import block (or an import by identity)
	// imports in this plan, for the messages.
	Importing bool
}

type recordedClaim struct {
	manager   string
	config    [sha256.Size]byte
	prior     string
	once      bool
	importing bool
}

// managerClaims records the claims of one provider configuration, by object key. Its
// zero value is ready to use.
type managerClaims struct {
	mu     sync.Mutex
	claims map[string][]recordedClaim

	walkOnce sync.Once
	walkID   string
}

// walk is a random id of this provider configuration, which Terraform makes for one
// graph walk (a plan, an apply).
func (m *managerClaims) walk() string {
	m.walkOnce.Do(func() { m.walkID = rand.Text() })
	return m.walkID
}

// claim records c for the object key and returns the conflicting claim when another
// resource instance already manages that object.
func (m *managerClaims) claim(key string, c managerClaim) (other recordedClaim, ok bool) {
	rc := recordedClaim{manager: c.Manager, config: sha256.Sum256([]byte(c.Config.String())), prior: c.Prior,
		once: c.Once, importing: c.Importing}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims == nil {
		m.claims = make(map[string][]recordedClaim)
	}
	for _, prev := range m.claims[key] {
		if sameInstance(prev, rc) {
			continue
		}
		return prev, false
	}
	m.claims[key] = append(m.claims[key], rc)
	return recordedClaim{}, true
}

// sameInstance reports whether two claims can be one instance planned twice: the two
// halves of a replacement (or one instance planned twice in a walk), which hold the
// same configuration and prior id, and neither of which is made once per walk.
func sameInstance(a, b recordedClaim) bool {
	return a.manager == b.manager && a.config == b.config && !a.once && !b.once && a.prior == b.prior
}

// claimedAccount is one account whose token a resource renews, and the attribute that
// names it, for the error.
type claimedAccount struct {
	id   string
	attr path.Path
}

// claimFromPlan applies the one-manager rule from a token resource's ModifyPlan, once
// the accounts are known. priorTokenID is the prior state's token id (ignored for a
// create); replacing says that this plan replaces the resource (its create, which
// Terraform plans next, claims). An account claimed by another resource instance of
// this provider configuration is a plan-time error at the account's attribute.
func (d *providerData) claimFromPlan(ctx context.Context, manager string, req *resource.ModifyPlanRequest,
	resp *resource.ModifyPlanResponse, priorTokenID string, replacing bool, accounts ...claimedAccount) {
	c := managerClaim{Manager: manager, Config: req.Config.Raw, Prior: priorTokenID}
	if req.State.Raw.IsNull() {
		var marked bool
		c.Prior, marked = readClaimMarker(ctx, req.Private)
		c.Once = !marked
	} else {
		writeClaimMarker(ctx, resp.Private, priorTokenID, &resp.Diagnostics)
		if replacing {
			return
		}
	}
	for _, a := range accounts {
		d.claimTokenManager(strings.ToLower(a.id), c, a.attr, &resp.Diagnostics)
	}
}

// writeClaimMarker records the prior state's token id in the private state being
// planned (the record's Replacing), for the create half of a replacement.
func writeClaimMarker(ctx context.Context, p privateState, priorTokenID string, diags *diag.Diagnostics) {
	updateRecord(ctx, p, diags, func(r *tokenRecord) { r.Replacing = &priorTokenID })
}

// readClaimMarker is the token id that the first half of a replacement recorded, and
// whether there is one.
func readClaimMarker(ctx context.Context, p privateGetter) (string, bool) {
	if m := loadRecord(ctx, p).Replacing; m != nil {
		return *m, true
	}
	return "", false
}

// claimTokenManager claims accountID's token for the resource described by c, and adds
// a plan-time error at attr when another resource of this provider configuration
// already manages it.
func (d *providerData) claimTokenManager(accountID string, c managerClaim, attr path.Path, diags *diag.Diagnostics) {
	if d == nil || accountID == "" {
		return
	}
	other, ok := d.managers.claim(tokenKey(accountID), c)
	if ok {
		return
	}
	diags.AddAttributeError(attr, "Service Account Token Managed Twice",
		fmt.Sprintf("%s: the token of service account %s is already managed by another %s in this configuration. "+
			"The Console holds one token per service account and renewing it revokes the previous one, so two "+
			"resources that manage it would revoke each other's token on every apply. Keep one resource per "+
			"service account (a platformer_service_account_token, or a platformer_service_account_rotating_token "+
			"over two accounts), and reference its token wherever it is needed.", attr, accountID, other.manager))
}

// accountManager names platformer_service_account in the registry and its messages.
const accountManager = "platformer_service_account"

// claimAccount applies one manager per account from platformer_service_account's
// ModifyPlan with prior state: the account id and name of that state, and whether an
// import block imports it in this plan (importingAccount). A second resource of this
// provider configuration that plans with the same account (in any case: by its state,
// an import block or an import by identity) gets a plan-time error at id. No API call:
// the claim is made from state alone.
func (d *providerData) claimAccount(config tftypes.Value, id, name string, importing bool, diags *diag.Diagnostics) {
	id = strings.ToLower(id)
	if d == nil || id == "" {
		return
	}
	c := managerClaim{Manager: accountManager, Config: config, Once: true, Importing: importing}
	other, ok := d.managers.claim(accountKey(id), c)
	if ok {
		return
	}
	diags.AddAttributeError(path.Root("id"), "Service Account Managed Twice",
		fmt.Sprintf("id: service account %s (%q) is managed by two %s resources of this configuration. Two resources "+
			"that manage one account fight over it: each apply reverts the other's changes (name, description, "+
			"permissions), and destroying either one deletes the account that the other manages. Keep one resource "+
			"per account. %s\n\nA query does not know the state: run again, terraform query lists the accounts "+
			"that this configuration manages already, and -generate-config-out writes an import block and a resource "+
			"block for each of them again.", id, name, accountManager, twiceAdvice(id, importing, other.importing)))
}

// twiceAdvice says which of two resources that manage account id to delete, by whether
// this one and the other are imported in this plan or in state already.
func twiceAdvice(id string, importing, otherImporting bool) string {
	const blocks = "the import block and the resource block that it imports into"
	const notInState = "Do not delete the block of a resource that is in state: that plans the account's destroy."
	switch {
	case importing && otherImporting:
		return fmt.Sprintf("This resource and another are both imported by this plan (two import blocks name %s, in "+
			"any case): delete %s for one of them, and apply the other.", id, blocks)
	case importing:
		return fmt.Sprintf("Another resource has it in state already, and this one imports it (an import block): "+
			"delete %s (this resource's), and keep the one in state. %s", blocks, notInState)
	case otherImporting:
		return fmt.Sprintf("This resource has it in state already, and another one imports it (an import block whose "+
			"id or identity names %s): delete that import block and the resource block that it imports into, and keep "+
			"this one. %s", id, notInState)
	default:
		return "Both have it in state already: remove one from state without destroying it (terraform state rm " +
			"<address>, or a removed block with lifecycle { destroy = false }), then delete its block."
	}
}

// importingKey is the private-state key with which ImportState marks an account that it
// imports, for the messages of the one-manager rule: the mark holds the id of the graph
// walk that imports it (managerClaims.walk), so that the plan of that walk knows the
// import, and later walks do not. The mark stays in state unchanged (Terraform keeps an
// import's private state as its Read left it), so a refresh never sees it change.
const importingKey = "imported_in_walk"

// markImporting is called by ImportState.
func (d *providerData) markImporting(ctx context.Context, p privateSetter, diags *diag.Diagnostics) {
	if d == nil {
		return
	}
	mark, _ := json.Marshal(d.managers.walk())
	diags.Append(p.SetKey(ctx, importingKey, mark)...)
}

// importingAccount reports whether the plan whose prior private state is p plans an
// import: one marked by ImportState in this walk.
func (d *providerData) importingAccount(ctx context.Context, p privateGetter) bool {
	if d == nil {
		return false
	}
	raw, _ := p.GetKey(ctx, importingKey)
	var walk string
	return json.Unmarshal(raw, &walk) == nil && walk == d.managers.walk()
}

// ---- across configurations: a fight noticed on the Console ---------------------------

// Two managers in different provider configurations (two aliases, two workspaces) never
// see each other's claims; they see each other's renewals. A refresh that finds an
// account's token renewed elsewhere (the Console's token id differs from state's)
// records it (the record's Elsewhere, per account), and warns of a second manager when
// either
//   - the renewal found was made less than fightWindow after this resource's last
//     renewal (both instants as the Console recorded them), or
//   - this resource's last renewal of that account answered a renewal made elsewhere,
//     and the one found now came less than answerWindow after it: renewed elsewhere
//     twice in a row, as by a manager that applies on another schedule.
// The first catches managers that apply together (two aliases of one configuration,
// two workspaces run by one push); the second, those that apply at other times. Two
// renewals in the Console months apart are neither. A token issued to be thrown away
// (a revoke, a destroy: issuedToDiscard) is never a manager's.

const (
	// fightWindow: a renewal made elsewhere this soon after ours is taken for a second manager.
	fightWindow = time.Hour
	// answerWindow: a renewal made elsewhere this soon after ours answered another is too.
	answerWindow = 7 * 24 * time.Hour
)

// noticeRenewalElsewhere is called by a refresh that finds the token of accountID
// renewed elsewhere: at theirs, with token id tokenID and expiry theirsExpiresAt, while
// this resource last renewed it at ours (null when unknown). It records the renewal in
// p and warns when the rule above takes it for a second manager.
func noticeRenewalElsewhere(ctx context.Context, p privateState, accountID string, ours timetypes.RFC3339,
	theirs time.Time, theirsExpiresAt *time.Time, tokenID string, diags *diag.Diagnostics) {
	if issuedToDiscard(theirs, theirsExpiresAt) {
		return // a revoke (the revoke action, or the same by hand) or a destroy is not a manager
	}
	answered, wasAnswer := loadRecord(ctx, p).answered(accountID)
	noticed(ctx, p, accountID, foreignRenewal{RenewedAt: theirs.UTC(), TokenID: tokenID}, diags)
	oursAt, known := timeOf(ours)
	if !known && wasAnswer {
		// The previous account of a rotating token: its last renewal by this resource is
		// not kept, but the renewal made elsewhere that it answered is, and came before it.
		oursAt, known = answered.RenewedAt, true
	}
	if !known || theirs.Before(oursAt) {
		return
	}
	var why string
	switch since := theirs.Sub(oursAt); {
	case since < fightWindow && !(wasAnswer && oursAt.Equal(answered.RenewedAt)):
		why = fmt.Sprintf("%s after this resource renewed it", durationText(max(since.Truncate(time.Second), time.Second)))
	case wasAnswer && since < answerWindow:
		why = fmt.Sprintf("again after this resource answered a renewal made elsewhere at %s",
			answered.RenewedAt.UTC().Format(time.RFC3339))
	default:
		return
	}
	diags.AddWarning("Service Account Token Managed Elsewhere Too",
		fmt.Sprintf("The token of service account %s was renewed outside this state at %s, %s: by a second manager (a "+
			"token resource in another configuration, workspace or provider alias), or by an apply of this configuration "+
			"killed before it saved state. Keep one manager: remove the other from its state without destroying it "+
			"(terraform state rm, or a removed block with destroy = false). If there is none, the next apply renews the "+
			"token and this does not come back.",
			accountID, theirs.UTC().Format(time.RFC3339), why))
}
