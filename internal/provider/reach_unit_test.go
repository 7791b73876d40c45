package provider

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// Issue 24, defect 4: a token lost by a move. When the provider's organization_id
// changed, a token resource that leaves organization_id out was planned for replacement
// in the new organization, although its account stayed in the old one: destroy
// discarded the working token, then create failed with 404. A token is where its account
// is: the plan keeps state's organization, checks no move, and lists nothing.

// reachUnitEnv is an emulator, an account of acme made with the token of a user of acme
// and initech, and the provider's data with initech as its organization_id.
type reachUnitEnv struct {
	em      *emulator.Running
	data    *providerData
	account string // of acme
	initech string // an account of initech
}

func newReachUnitEnv(t *testing.T) *reachUnitEnv {
	t.Helper()
	em, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(em.Close)
	api, err := client.New(client.Config{BaseURL: em.URL, Token: emulator.TwoOrganizationsToken, UserAgent: "unit-test",
		MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	made, err := api.CreateServiceAccount(context.Background(), emulator.OrganizationID, client.CreateServiceAccountInput{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	there, err := api.CreateServiceAccount(context.Background(), emulator.InitechOrganizationID, client.CreateServiceAccountInput{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	em.ResetStats()
	return &reachUnitEnv{em: em, account: made.ServiceAccount.ID, initech: there.ServiceAccount.ID,
		data: &providerData{client: api, organizationID: emulator.InitechOrganizationID}}
}

// tokenPlanRequest is the ModifyPlan request of a token resource in state in acme, for
// its account: the configuration sets organization_id to configuredOrg ("" for none) and
// service_account_id to account (unknown when "").
func tokenPlanRequest(t *testing.T, r resource.Resource, accounts path.Path, account any, configuredOrg string) *resource.ModifyPlanRequest {
	t.Helper()
	ctx := context.Background()
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	empty := tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)
	set := func(account any, org any) tfsdk.State {
		s := tfsdk.State{Schema: sr.Schema, Raw: empty}
		must(t, s.SetAttribute(ctx, accounts, account))
		must(t, s.SetAttribute(ctx, path.Root("organization_id"), org))
		return s
	}
	state := set(account, uuidOf(emulator.OrganizationID))
	must(t, state.SetAttribute(ctx, path.Root("id"), emulator.ShopProjectID)) // any UUID
	planned := set(account, uuidOf(emulator.OrganizationID))
	configOrg := uuidNull()
	if configuredOrg != "" {
		configOrg = uuidOf(configuredOrg)
		planned = set(account, configOrg)
	}
	config := set(account, configOrg)
	return &resource.ModifyPlanRequest{State: state, Plan: tfsdk.Plan{Schema: sr.Schema, Raw: planned.Raw},
		Config: tfsdk.Config{Schema: sr.Schema, Raw: config.Raw}}
}

func must(t *testing.T, d diag.Diagnostics) {
	t.Helper()
	if d.HasError() {
		t.Fatalf("%v", d)
	}
}

func TestReach_tokenKeepsItsAccountsOrganization(t *testing.T) {
	e := newReachUnitEnv(t)
	ctx := context.Background()
	single, list := path.Root("service_account_id"), path.Root("service_account_ids")
	pair := []string{e.account, e.account}
	unknownPair := types.ListUnknown(types.StringType)
	cases := []struct {
		name     string
		r        resource.Resource
		accounts path.Path
		account  any
		config   string
		want     string // the planned organization_id
		lists    int    // organization listings
		err      string // the summary of the error refusing the plan
	}{
		{"token, the provider's organization changed", &serviceAccountTokenResource{}, single,
			e.account, "", emulator.OrganizationID, 0, ""},
		{"rotating token, the provider's organization changed", NewServiceAccountRotatingTokenResource(), list,
			pair, "", emulator.OrganizationID, 0, ""},
		// A change of account, or of the token's own organization_id, still moves it.
		{"token of an account being replaced", &serviceAccountTokenResource{}, single,
			uuidUnknown(), "", emulator.InitechOrganizationID, 1, ""},
		{"rotating token of accounts being replaced", NewServiceAccountRotatingTokenResource(), list,
			unknownPair, "", emulator.InitechOrganizationID, 1, ""},
		// A token moved by its own organization_id to one that does not hold its account:
		// refused, since the replacement would discard the token and then fail.
		{"token moved away from its account", &serviceAccountTokenResource{}, single,
			e.account, emulator.InitechOrganizationID, emulator.InitechOrganizationID, 1, "Service Account Not In Organization"},
		{"rotating token moved away from its accounts", NewServiceAccountRotatingTokenResource(), list,
			pair, emulator.InitechOrganizationID, emulator.InitechOrganizationID, 1, "Service Account Not In Organization"},
		// Where the account is (state had it wrong): planned.
		{"token moved to its account's organization", &serviceAccountTokenResource{}, single,
			e.initech, emulator.InitechOrganizationID, emulator.InitechOrganizationID, 1, ""},
	}
	for _, tc := range cases {
		e.data.reach = reachability{}
		e.em.ResetStats()
		req := tokenPlanRequest(t, tc.r, tc.accounts, tc.account, tc.config)
		var diags diag.Diagnostics
		e.data.checkTokenMove(ctx, req, tc.accounts, "the token of %s", &diags)
		var planned, config uuidValue
		must(t, req.Plan.GetAttribute(ctx, path.Root("organization_id"), &planned))
		must(t, req.Config.GetAttribute(ctx, path.Root("organization_id"), &config))
		if !e.data.planTokenOrganization(ctx, req, tc.accounts, &planned, config, &diags) {
			t.Errorf("%s: no organization planned", tc.name)
		}
		if got := errorSummaries(diags); got != tc.err {
			t.Errorf("%s: errors %q, want %q: %v", tc.name, got, tc.err, diags)
		}
		if planned.ValueString() != tc.want {
			t.Errorf("%s: planned organization_id %s, want %s", tc.name, planned, tc.want)
		}
		if n := e.em.Stats().Count(http.MethodGet, routeOrganizations); n != tc.lists {
			t.Errorf("%s: listed the organizations %d times, want %d", tc.name, n, tc.lists)
		}
	}
}

// errorSummaries joins the summaries of the errors of diags.
func errorSummaries(diags diag.Diagnostics) string {
	var out []string
	for _, d := range diags.Errors() {
		out = append(out, d.Summary())
	}
	return strings.Join(out, "; ")
}
