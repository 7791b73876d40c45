package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// A move is refused, with what to do, from another type, another provider, or a token
// state of a schema version this build does not know.
func TestRotatingTokenMove_refusals(t *testing.T) {
	r := &serviceAccountRotatingTokenResource{}
	for _, tc := range []struct {
		name, typ, provider string
		version             int64
		want                string
	}{
		{"another type", "platformer_service_account", "registry.terraform.io/platformercloud/platformer", 1,
			"Cannot Move platformer_service_account"},
		{"another provider", moveSourceType, "registry.terraform.io/someone/other", 0,
			"Cannot Move platformer_service_account_token"},
		{"a newer token schema", moveSourceType, "registry.opentofu.org/platformercloud/platformer", 1,
			"Cannot Read Token State"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp resource.MoveStateResponse
			r.moveFromToken(context.Background(), resource.MoveStateRequest{SourceTypeName: tc.typ,
				SourceProviderAddress: tc.provider, SourceSchemaVersion: tc.version}, &resp)
			if !resp.Diagnostics.HasError() || resp.Diagnostics[0].Summary() != tc.want {
				t.Fatalf("diagnostics %v, want the error %q", resp.Diagnostics, tc.want)
			}
			if d := resp.Diagnostics[0].Detail(); len(d) > 600 || !strings.Contains(d, "nothing was changed") &&
				!strings.Contains(d, "then move") {
				t.Errorf("the detail does not say what to do in under 600 characters: %q", d)
			}
		})
	}
}

// The token's record moves with it, without the replacement marker of its last plan.
func TestRotatingTokenMove_record(t *testing.T) {
	ctx := context.Background()
	from, to := memPrivate{}, memPrivate{}
	var diags diag.Diagnostics
	setStale(ctx, from, "renewed elsewhere", &diags)
	writeClaimMarker(ctx, from, "token-id", &diags)
	noticed(ctx, from, "ACCOUNT", foreignRenewal{TokenID: "theirs"}, &diags)
	moveRecord(ctx, from, to, &diags)
	got := loadRecord(ctx, to)
	if diags.HasError() || got.Stale != "renewed elsewhere" || got.Replacing != nil {
		t.Fatalf("moved record %+v (%v)", got, diags)
	}
	if f, ok := got.elsewhere("account"); !ok || f.TokenID != "theirs" {
		t.Fatalf("the renewal made elsewhere was not moved: %+v", got)
	}
	empty := memPrivate{}
	moveRecord(ctx, memPrivate{}, empty, &diags)
	if len(empty) != 0 {
		t.Fatalf("an empty record was written: %q", empty)
	}
}
