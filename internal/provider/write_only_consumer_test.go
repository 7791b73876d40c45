package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// Issue 20, write-only consumers: the ephemeral account's token goes into another
// provider's write-only argument (as into a database password or a secret manager's
// value_wo), on every CLI of the matrix. The consumer is a minimal provider of this
// test ("platformercloud/wo", resource wo_secret with a write-only value_wo): at create
// it checks the token with a plain HTTP call while the run holds it open. The token
// works there, and is in neither the state nor a saved plan.
func TestAccServiceAccountEphemeral_writeOnlyConsumer(t *testing.T) { //nolint:paralleltest // reads the test-only consumer's record
	e := newAccEnv(t)
	e.needEmulator("its issued tokens")
	consumer := &woProviderRecord{status: e.tokenStatus}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{cliSupports(capEphemeral), cliSupports(capWriteOnly)},
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"platformer": e.factories()["platformer"],
			"wo":         providerserver.NewProtocol6WithError(&woProvider{record: consumer}),
		},
		Steps: []resource.TestStep{{
			Config: e.exampleWithOwnRequirements(`
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
    wo         = { source = "platformercloud/wo" }
  }
}

ephemeral "platformer_service_account" "run" {
  name_prefix = "wo-"
  permissions = ["organization.viewer"]
}

resource "wo_secret" "s" {
  value_wo = ephemeral.platformer_service_account.run.token
}
`),
			Check: func(s *terraform.State) error {
				token, _ := consumer.get()
				if token == "" {
					return fmt.Errorf("%s did not pass the token to the write-only argument", testCLI)
				}
				for addr, rs := range s.RootModule().Resources {
					for k, v := range rs.Primary.Attributes {
						if strings.Contains(v, token) {
							return fmt.Errorf("the state of %s holds the token in %s", addr, k)
						}
					}
				}
				return nil
			},
		}},
	})
	token, status := consumer.get()
	if token == "" {
		t.Fatalf("%s did not pass the token to the write-only argument", testCLI)
	}
	if status != http.StatusOK {
		t.Errorf("the token in the write-only argument answered HTTP %d during the run, want 200", status)
	}
	expectDead(t, e, []string{token}, "after the run")
	if left := accountsNamed(t, e, "wo-"); len(left) != 0 {
		t.Errorf("%d temporary account(s) left", len(left))
	}
	t.Logf("%s: the ephemeral token reached the write-only argument and worked there (HTTP %d), was not in state, "+
		"and was dead after the run", testCLI, status)
}

// woProviderRecord is what the consumer saw: the write-only value and its HTTP status.
type woProviderRecord struct {
	mu     sync.Mutex
	value  string
	code   int
	status func(token string) int
}

func (r *woProviderRecord) set(v string) {
	code := r.status(v)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.value, r.code = v, code
}

func (r *woProviderRecord) get() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.value, r.code
}

// woProvider is the test's consumer: resource wo_secret, whose value_wo is write-only.
type woProvider struct{ record *woProviderRecord }

func (p *woProvider) Metadata(_ context.Context, _ fwprovider.MetadataRequest, resp *fwprovider.MetadataResponse) {
	resp.TypeName = "wo"
}
func (p *woProvider) Schema(context.Context, fwprovider.SchemaRequest, *fwprovider.SchemaResponse) {}
func (p *woProvider) Configure(context.Context, fwprovider.ConfigureRequest, *fwprovider.ConfigureResponse) {
}
func (p *woProvider) Resources(context.Context) []func() fwresource.Resource {
	return []func() fwresource.Resource{func() fwresource.Resource { return &woSecret{record: p.record} }}
}
func (p *woProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type woSecret struct{ record *woProviderRecord }

func (r *woSecret) Metadata(_ context.Context, _ fwresource.MetadataRequest, resp *fwresource.MetadataResponse) {
	resp.TypeName = "wo_secret"
}

func (r *woSecret) Schema(_ context.Context, _ fwresource.SchemaRequest, resp *fwresource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":       schema.StringAttribute{Computed: true},
		"value_wo": schema.StringAttribute{Optional: true, WriteOnly: true, Sensitive: true},
	}}
}

type woSecretModel struct {
	ID      types.String `tfsdk:"id"`
	ValueWO types.String `tfsdk:"value_wo"`
}

func (r *woSecret) Create(ctx context.Context, req fwresource.CreateRequest, resp *fwresource.CreateResponse) {
	var v types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value_wo"), &v)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.record.set(v.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, woSecretModel{ID: types.StringValue("secret"), ValueWO: types.StringNull()})...)
}

func (r *woSecret) Read(ctx context.Context, req fwresource.ReadRequest, resp *fwresource.ReadResponse) {
}

func (r *woSecret) Update(ctx context.Context, req fwresource.UpdateRequest, resp *fwresource.UpdateResponse) {
	resp.Diagnostics.Append(resp.State.Set(ctx, woSecretModel{ID: types.StringValue("secret"), ValueWO: types.StringNull()})...)
}

func (r *woSecret) Delete(context.Context, fwresource.DeleteRequest, *fwresource.DeleteResponse) {}
