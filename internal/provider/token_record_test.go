package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// A state written before the record (version 0: loose keys) reads as the same facts; the
// first change writes the record and clears the loose keys; a refresh that changes
// nothing writes nothing (Terraform before 1.15 reports any private-state write as a
// change of plan -refresh-only).
func TestTokenRecord_readsVersion0(t *testing.T) {
	ctx := context.Background()
	p := memPrivate{
		"token_stale":                []byte(`{"reason":"it was imported"}`),
		"replacing_token":            []byte(`"tok-1"`),
		"renewal_elsewhere":          []byte(`{"renewed_at":"2026-11-26T12:00:00Z","token_id":"tok-2"}`),
		"renewal_answered_elsewhere": []byte(`{"renewed_at":"2026-11-20T12:00:00Z","token_id":"tok-0"}`),
		"rotating_previous_foreign":  []byte(`{"foreign":true}`),
	}
	rec := loadRecord(ctx, p)
	if rec.Stale != "it was imported" || rec.Replacing == nil || *rec.Replacing != "tok-1" || !rec.ForeignPrevious {
		t.Errorf("version 0 read as %+v", rec)
	}
	if f, ok := rec.elsewhere("any-account"); !ok || f.TokenID != "tok-2" {
		t.Errorf("renewal_elsewhere, for any account: %+v %v", f, ok)
	}
	if f, ok := rec.answered("any-account"); !ok || f.TokenID != "tok-0" {
		t.Errorf("renewal_answered_elsewhere, for any account: %+v %v", f, ok)
	}
	var diags diag.Diagnostics
	setStale(ctx, p, "it was imported", &diags) // no change
	if _, written := p[recordKey]; written || len(p) != 5 {
		t.Errorf("a change of nothing wrote private state: %v", p)
	}
	setStale(ctx, p, "renewed elsewhere", &diags)
	if len(p) != 1 || loadRecord(ctx, p).Stale != "renewed elsewhere" || !loadRecord(ctx, p).ForeignPrevious {
		t.Errorf("after a change, private state is %v; want the record alone, keeping the other facts", p)
	}
	renewed(ctx, p, true, &diags, "Acct")
	rec = loadRecord(ctx, p)
	if rec.Stale != "" || rec.Replacing != nil || len(rec.Elsewhere) != 0 {
		t.Errorf("after a renewal: %+v", rec)
	}
	if f, ok := rec.answered("acct"); !ok || f.TokenID != "tok-2" {
		t.Errorf("the renewal answered the one made elsewhere, for account acct: %+v %v", f, ok)
	}
	if _, ok := rec.answered("other"); ok {
		t.Error("an answer recorded for acct is found for another account")
	}
}
