package provider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// configOf is a protocol config of the given schema block: attrs set, the rest null.
func configOf(t *testing.T, block *tfprotov6.SchemaBlock, attrs map[string]string) *tfprotov6.DynamicValue {
	t.Helper()
	s := &tfprotov6.Schema{Block: block}
	typ := s.ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		vals[name] = tftypes.NewValue(tftypes.String, v)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// errorsOf are the error diagnostics, as "summary: detail".
func errorsOf(diags []*tfprotov6.Diagnostic) string {
	var out []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			out = append(out, d.Summary+": "+d.Detail)
		}
	}
	return strings.Join(out, "\n")
}

// TestReleasingServer_newRPCs: the RPCs of resource identity, list resources and
// actions reach the framework through releasingServer, which must not hide them from
// tf6server, which routes them by interface assertion (on ProviderServerWithListResource
// and ProviderServerWithActions: ProviderServer plus the interfaces checked here).
func TestReleasingServer_newRPCs(t *testing.T) {
	ctx := context.Background()
	s, err := NewServer(New("test", "none"))()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*releasingServer); !ok {
		t.Fatalf("NewServer returned %T, not the releasingServer", s)
	}
	lists, ok := s.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatal("the server hides the list resource RPCs from tf6server")
	}
	actions, ok := s.(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the server hides the action RPCs from tf6server")
	}
	ids, err := s.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"platformer_service_account":                {"id", "organization_id"},
		"platformer_service_account_token":          {"organization_id", "service_account_id"},
		"platformer_service_account_rotating_token": {"organization_id", "service_account_ids"},
	}
	for name, attrs := range want {
		var got []string
		if is := ids.IdentitySchemas[name]; is != nil {
			for _, a := range is.IdentityAttributes {
				got = append(got, a.Name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, attrs) {
			t.Errorf("identity of %s: %v, want %v", name, got, attrs)
		}
	}
	up, err := s.UpgradeResourceIdentity(ctx, &tfprotov6.UpgradeResourceIdentityRequest{
		TypeName: "platformer_service_account", Version: 0,
		RawIdentity: &tfprotov6.RawState{JSON: []byte(`{"organization_id":"a1c3e000-0000-4000-8000-000000000001","id":"a1c3e000-0000-4000-8000-0000000000aa"}`)},
	})
	// Version 0 is the current one: the framework's own answer is that there is
	// nothing to upgrade, which shows that the request reached it.
	if err != nil || !strings.Contains(errorsOf(up.Diagnostics), "Unexpected Identity Upgrade Request") {
		t.Fatalf("UpgradeResourceIdentity did not reach the framework: %v %s", err, errorsOf(up.Diagnostics))
	}
	schema, err := s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	listBlock := schema.ListResourceSchemas["platformer_service_account"].Block
	actionBlock := schema.ActionSchemas["platformer_service_account_revoke_token"].Schema.Block
	checkValidation(t, "list resource", func(attrs map[string]string) []*tfprotov6.Diagnostic {
		r, err := lists.ValidateListResourceConfig(ctx, &tfprotov6.ValidateListResourceConfigRequest{
			TypeName: "platformer_service_account", Config: configOf(t, listBlock, attrs),
		})
		if err != nil {
			t.Fatal(err)
		}
		return r.Diagnostics
	}, map[string]string{"token_expires_within": "7d"}, map[string]string{"token_expires_within": "a week"}, "token_expires_within")
	checkValidation(t, "action", func(attrs map[string]string) []*tfprotov6.Diagnostic {
		r, err := actions.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{
			ActionType: "platformer_service_account_revoke_token", Config: configOf(t, actionBlock, attrs),
		})
		if err != nil {
			t.Fatal(err)
		}
		return r.Diagnostics
	}, map[string]string{"service_account_id": "A1C3E000-0000-4000-8000-0000000000AA"},
		map[string]string{"service_account_id": "ci-deployer"}, "service_account_id")
}

// checkValidation: validate accepts good and refuses bad, naming the attribute.
func checkValidation(t *testing.T, what string, validate func(map[string]string) []*tfprotov6.Diagnostic,
	good, bad map[string]string, attr string) {
	t.Helper()
	if errs := errorsOf(validate(good)); errs != "" {
		t.Errorf("%s: %v refused: %s", what, good, errs)
	}
	if errs := errorsOf(validate(bad)); !strings.Contains(errs, attr) {
		t.Errorf("%s: %v: expected an error naming %s, got %q", what, bad, attr, errs)
	}
}
