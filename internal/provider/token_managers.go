package provider

import (
	"context"
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

// One manager per token: the Console holds one token per service account, and renewing
// it kills the previous one, so two resources that both renew the same account's token
// would renew each other's token away on every apply. Within one provider
// configuration (one providerData: Terraform configures the provider anew for every
// graph walk), every resource that manages an account's token claims the account from
// ModifyPlan; the second claimant gets a plan-time error naming the account.
//
// ModifyPlan does not know the resource's address, so a claimant is identified by what
// Terraform hands it: the configuration (identical in every call for one instance), the
// token id of the prior state, and a replacement marker. Terraform plans an instance
// once per walk, except that a replacement is planned twice: once against the prior
// state and once as a create (null prior state) with the same configuration, to which
// it hands the private state that the first call planned. So the first call records
// the prior state's token id in private state (writeClaimMarker), and a create finds it
// there (readClaimMarker):
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
// or two workspaces) nothing is shared, so the fight is noticed on the Console instead:
// see noticeRenewalElsewhere below.

// replacingKey is the private-state key of the replacement marker: the token id of the
// prior state, written by a ModifyPlan that has a prior state.
const replacingKey = "replacing_token"

// tokenClaim describes one resource instance that renews an account's token.
type tokenClaim struct {
	// Manager names the kind of resource for messages, such as
	// "platformer_service_account_token".
	Manager string
	// Config is the resource's configuration (req.Config.Raw).
	Config tftypes.Value
	// PriorTokenID is the token id in the prior state, or, for the create half of a
	// replacement, the one its marker holds.
	PriorTokenID string
	// Fresh marks a create without the replacement marker: a new instance, never taken
	// for one planned twice (two identical blocks, one of them new, are two managers).
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

// sameInstance reports whether two claims can be one instance planned twice: the two
// halves of a replacement (or one instance planned twice in a walk), which hold the
// same configuration and token id, and neither of which is a fresh create.
func sameInstance(a, b recordedClaim) bool {
	return a.manager == b.manager && a.config == b.config && !a.fresh && !b.fresh && a.priorToken == b.priorToken
}

// claimedAccount is one account whose token a resource renews, and the attribute that
// names it, for the error.
type claimedAccount struct {
	id   string
	attr path.Path
}

// privateState is the private state of a plan, a refresh or an apply.
type privateState interface {
	privateGetter
	privateSetter
}

// claimFromPlan applies the one-manager rule from a token resource's ModifyPlan, once
// the accounts are known. priorTokenID is the prior state's token id (ignored for a
// create); replacing says that this plan replaces the resource (its create, which
// Terraform plans next, claims). An account claimed by another resource instance of
// this provider configuration is a plan-time error at the account's attribute.
func (d *providerData) claimFromPlan(ctx context.Context, manager string, req *resource.ModifyPlanRequest,
	resp *resource.ModifyPlanResponse, priorTokenID string, replacing bool, accounts ...claimedAccount) {
	c := tokenClaim{Manager: manager, Config: req.Config.Raw, PriorTokenID: priorTokenID}
	if req.State.Raw.IsNull() {
		var marked bool
		c.PriorTokenID, marked = readClaimMarker(ctx, req.Private)
		c.Fresh = !marked
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
// planned, for the create half of a replacement.
func writeClaimMarker(ctx context.Context, p privateSetter, priorTokenID string, diags *diag.Diagnostics) {
	marker, _ := json.Marshal(priorTokenID)
	diags.Append(p.SetKey(ctx, replacingKey, marker)...)
}

// readClaimMarker is the token id that the first half of a replacement recorded, and
// whether there is one.
func readClaimMarker(ctx context.Context, p privateGetter) (string, bool) {
	raw, d := p.GetKey(ctx, replacingKey)
	if d.HasError() || len(raw) == 0 {
		return "", false
	}
	var tokenID string
	if json.Unmarshal(raw, &tokenID) != nil {
		return "", false
	}
	return tokenID, true
}

// claimTokenManager claims accountID's token for the resource described by c, and adds
// a plan-time error at attr when another resource of this provider configuration
// already manages it.
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

// ---- across configurations: a fight noticed on the Console ---------------------------

// Two managers in different provider configurations (two aliases, two workspaces) never
// see each other's claims; they see each other's renewals. A refresh that finds the
// account's token renewed elsewhere (the Console's token id differs from state's)
// reports a second manager, with a warning at plan, when either
//   - the renewal found was made less than fightWindow after the renewal recorded in
//     state (both instants as the Console recorded them: its renewed_at for the token in
//     state, and for the token it holds now), or
//   - the renewal recorded in state was itself this resource's answer to a renewal made
//     elsewhere: found renewed elsewhere again, with no renewal of this resource for
//     another reason in between.
// The first catches managers that apply together (two aliases of one configuration,
// two workspaces run by one push) at the first refresh after; the second catches those
// that apply at other times (two schedules) at their second round.

// fightWindow: a renewal made elsewhere this soon after ours is taken for a second manager.
const fightWindow = time.Hour

const (
	// foreignRenewalKey is the private-state key in which a refresh records the renewal
	// made elsewhere that it found (which the plan then answers with a renewal).
	foreignRenewalKey = "renewal_elsewhere"
	// answeredKey is the private-state key in which an apply records that its renewal
	// answered a renewal made elsewhere.
	answeredKey = "renewal_answered_elsewhere"
)

// foreignRenewal is a renewal made elsewhere, as private state records it.
type foreignRenewal struct {
	RenewedAt time.Time `json:"renewed_at"`
	TokenID   string    `json:"token_id"`
}

// noticeRenewalElsewhere is called by a refresh that finds the token of accountID
// renewed elsewhere: at theirs, with token id tokenID, while state holds the token this
// resource issued at ours (null when unknown). It records the renewal in p and warns
// when the rule above takes it for a second manager.
func noticeRenewalElsewhere(ctx context.Context, p privateState, accountID string, ours timetypes.RFC3339,
	theirs time.Time, tokenID string, diags *diag.Diagnostics) {
	b, _ := json.Marshal(foreignRenewal{RenewedAt: theirs.UTC(), TokenID: tokenID})
	diags.Append(p.SetKey(ctx, foreignRenewalKey, b)...)
	oursAt, known := timeOf(ours)
	var why string
	switch answered, wasAnswer := recordedRenewal(ctx, p, answeredKey); {
	case known && !theirs.Before(oursAt) && theirs.Sub(oursAt) < fightWindow:
		after := "less than a second"
		if d := theirs.Sub(oursAt).Truncate(time.Second); d > 0 {
			after = durationText(d)
		}
		why = fmt.Sprintf("%s after this resource renewed it at %s", after, oursAt.UTC().Format(time.RFC3339))
	case wasAnswer:
		why = fmt.Sprintf("and this resource's renewal before (at %s) answered a renewal made elsewhere at %s: "+
			"renewed elsewhere twice in a row", ours.ValueString(), answered.RenewedAt.UTC().Format(time.RFC3339))
	default:
		return
	}
	diags.AddWarning("Service Account Token Managed Elsewhere Too",
		fmt.Sprintf("The token of service account %s was renewed elsewhere at %s (token id %s), %s. That is what a second "+
			"manager of this account's token does: a platformer_service_account_token or "+
			"platformer_service_account_rotating_token in another configuration, workspace or state, or behind another "+
			"provider alias of this configuration (each alias runs in a provider process of its own, so the plan-time "+
			"check for a token managed twice cannot see it). Each renews the token away from the other at every apply: "+
			"neither keeps a working token. Keep one manager: where the token should no longer be managed, remove the "+
			"resource from state without destroying it (terraform state rm <address>, or a removed block with "+
			"lifecycle { destroy = false }), then delete its block — destroying it would renew the token once more — "+
			"and pass the remaining manager's token to whoever needs it. If there is no other manager (someone renewed "+
			"it in the Console, or an apply of this configuration was killed during a renewal), the next apply renews "+
			"the token and this warning does not come back.",
			accountID, theirs.UTC().Format(time.RFC3339), tokenID, why))
}

// noteRenewal is called by an apply that renewed the token (create: answer false; a
// renewal planned in place: answer true): it records whether the renewal answered one
// made elsewhere, for the rule above.
func noteRenewal(ctx context.Context, p privateState, answer bool, diags *diag.Diagnostics) {
	var answered []byte
	if answer {
		if raw, d := p.GetKey(ctx, foreignRenewalKey); !d.HasError() && len(raw) > 0 {
			answered = raw
		}
	}
	diags.Append(p.SetKey(ctx, answeredKey, answered)...)
	diags.Append(p.SetKey(ctx, foreignRenewalKey, nil)...)
}

// recordedRenewal is the renewal recorded under key, if any.
func recordedRenewal(ctx context.Context, p privateGetter, key string) (foreignRenewal, bool) {
	var r foreignRenewal
	raw, d := p.GetKey(ctx, key)
	if d.HasError() || len(raw) == 0 || json.Unmarshal(raw, &r) != nil {
		return r, false
	}
	return r, true
}
