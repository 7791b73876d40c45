package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// The private state of the two token resources is one versioned record, tokenRecord,
// under one key. Private state travels with the resource in state (and in a saved
// plan), so a record written by an older release is read here too: version 0 is the
// loose keys that releases before it wrote (token_stale, rotating_token_stale,
// replacing_token, renewal_elsewhere, renewal_answered_elsewhere,
// rotating_previous_foreign), folded into the record on read.
//
// A record is written only when what it says changes: a refresh that only re-encoded
// it would change private state, which Terraform before 1.15 reports as a change from
// `plan -refresh-only -detailed-exitcode` while printing "No changes". Writing it
// clears the loose keys.

// recordKey is the private-state key of the token record.
const recordKey = "token_lifecycle"

// recordVersion is the version of tokenRecord this release writes.
const recordVersion = 1

// tokenRecord is what a token resource remembers beside its state.
type tokenRecord struct {
	V int `json:"v"`
	// Stale says why the token in state (the rotating token's active token) does not
	// work; "" when it works.
	Stale string `json:"stale,omitempty"`
	// Replacing is the prior state's token id, set by a plan with prior state, for the
	// create half of a replacement (the one-manager rule, token_managers.go).
	Replacing *string `json:"replacing,omitempty"`
	// Elsewhere holds, per account (lower-case id), the renewal made elsewhere that the
	// last refresh found, which the next renewal answers.
	Elsewhere map[string]foreignRenewal `json:"elsewhere,omitempty"`
	// Answered holds, per account, the renewal made elsewhere that this resource's last
	// renewal of it answered.
	Answered map[string]foreignRenewal `json:"answered,omitempty"`
	// ForeignPrevious: the rotating token's previous account's token was renewed
	// elsewhere, so it is someone else's, and destroy leaves it alone.
	ForeignPrevious bool `json:"foreign_previous,omitempty"`
}

// foreignRenewal is a renewal made elsewhere, as the record keeps it.
type foreignRenewal struct {
	RenewedAt time.Time `json:"renewed_at"`
	TokenID   string    `json:"token_id"`
}

// anyAccount is the account of a renewal recorded by version 0, which did not say which.
const anyAccount = "*"

// The loose keys of version 0.
var looseKeys = []string{"token_stale", "rotating_token_stale", "replacing_token", "renewal_elsewhere",
	"renewal_answered_elsewhere", "rotating_previous_foreign"}

// privateGetter and privateSetter are the parts of private state read and written.
type (
	privateGetter interface {
		GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	}
	privateSetter interface {
		SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
	}
	privateState interface {
		privateGetter
		privateSetter
	}
)

// loadRecord reads the record of p: version 1, or version 0's loose keys.
func loadRecord(ctx context.Context, p privateGetter) tokenRecord {
	var rec tokenRecord
	if p == nil {
		return rec
	}
	if raw, d := p.GetKey(ctx, recordKey); !d.HasError() && len(raw) > 0 && json.Unmarshal(raw, &rec) == nil {
		return rec
	}
	get := func(key string, v any) bool {
		raw, d := p.GetKey(ctx, key)
		return !d.HasError() && len(raw) > 0 && json.Unmarshal(raw, v) == nil
	}
	for _, key := range []string{"token_stale", "rotating_token_stale"} {
		var stale map[string]string
		if get(key, &stale) && stale["reason"] != "" {
			rec.Stale = stale["reason"]
		}
	}
	var replacing string
	if get("replacing_token", &replacing) {
		rec.Replacing = &replacing
	}
	var r foreignRenewal
	if get("renewal_elsewhere", &r) {
		rec.Elsewhere = map[string]foreignRenewal{anyAccount: r}
	}
	if get("renewal_answered_elsewhere", &r) {
		rec.Answered = map[string]foreignRenewal{anyAccount: r}
	}
	var foreign map[string]bool
	rec.ForeignPrevious = get("rotating_previous_foreign", &foreign) && foreign["foreign"]
	return rec
}

// encode is the record as written (version recordVersion).
func (rec tokenRecord) encode() []byte {
	rec.V = recordVersion
	b, _ := json.Marshal(rec)
	return b
}

// updateRecord applies change to the record of p and writes it when what it says
// changed (clearing version 0's keys).
func updateRecord(ctx context.Context, p privateState, diags *diag.Diagnostics, change func(*tokenRecord)) {
	rec := loadRecord(ctx, p)
	was := rec.encode()
	change(&rec)
	now := rec.encode()
	if bytes.Equal(was, now) {
		return
	}
	diags.Append(p.SetKey(ctx, recordKey, now)...)
	for _, key := range looseKeys {
		diags.Append(p.SetKey(ctx, key, nil)...)
	}
}

// setStale records why the token in state does not work.
func setStale(ctx context.Context, p privateState, reason string, diags *diag.Diagnostics) {
	updateRecord(ctx, p, diags, func(r *tokenRecord) { r.Stale = reason })
}

// staleReason is the reason recorded by setStale, or otherwise (none recorded).
func staleReason(ctx context.Context, p privateGetter, otherwise string) string {
	if why := loadRecord(ctx, p).Stale; why != "" {
		return why
	}
	return otherwise
}

// renewed records a renewal made by this resource: the token in state works, the
// replacement marker is spent, and for each account renewed, whether the renewal
// answered one made elsewhere (answer: a renewal of a resource in state, which the
// refresh may have found renewed elsewhere; a create answers nothing).
func renewed(ctx context.Context, p privateState, answer bool, diags *diag.Diagnostics, accounts ...string) {
	updateRecord(ctx, p, diags, func(r *tokenRecord) {
		r.Stale, r.Replacing, r.ForeignPrevious = "", nil, false
		for _, id := range accounts {
			f, found := r.elsewhere(id)
			r.Elsewhere = without(r.Elsewhere, strings.ToLower(id))
			r.Answered = without(r.Answered, strings.ToLower(id))
			if found && answer {
				r.Answered = with(r.Answered, strings.ToLower(id), f)
			}
		}
		r.Elsewhere, r.Answered = without(r.Elsewhere, anyAccount), without(r.Answered, anyAccount)
	})
}

// noticed records a renewal of account id made elsewhere, found by a refresh.
func noticed(ctx context.Context, p privateState, id string, f foreignRenewal, diags *diag.Diagnostics) {
	updateRecord(ctx, p, diags, func(r *tokenRecord) {
		r.Elsewhere = with(without(r.Elsewhere, anyAccount), strings.ToLower(id), f)
	})
}

// with is m with key set to f (m may be nil).
func with(m map[string]foreignRenewal, key string, f foreignRenewal) map[string]foreignRenewal {
	out := map[string]foreignRenewal{key: f}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// without is m without key; nil when nothing is left.
func without(m map[string]foreignRenewal, key string) map[string]foreignRenewal {
	var out map[string]foreignRenewal
	for k, v := range m {
		if k != key {
			if out == nil {
				out = map[string]foreignRenewal{}
			}
			out[k] = v
		}
	}
	return out
}

// elsewhere is the renewal made elsewhere recorded for account id.
func (rec tokenRecord) elsewhere(id string) (foreignRenewal, bool) {
	return lookupAccount(rec.Elsewhere, id)
}

// answered is the renewal made elsewhere that this resource's last renewal of account
// id answered.
func (rec tokenRecord) answered(id string) (foreignRenewal, bool) {
	return lookupAccount(rec.Answered, id)
}

func lookupAccount(m map[string]foreignRenewal, id string) (foreignRenewal, bool) {
	if f, ok := m[strings.ToLower(id)]; ok {
		return f, true
	}
	f, ok := m[anyAccount]
	return f, ok
}
