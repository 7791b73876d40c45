// Package provider implements the Terraform provider for the Platformer Console: the
// provider configuration, resources and data sources. It talks to the Console only
// through internal/client.
package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var (
	_ provider.Provider                       = (*platformerProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*platformerProvider)(nil)
	_ provider.ProviderWithListResources      = (*platformerProvider)(nil)
	_ provider.ProviderWithActions            = (*platformerProvider)(nil)
)

// platformerProvider is the provider. Its clock is real time except in tests, which
// share one movable clock with the emulator.
type platformerProvider struct {
	version string
	commit  string
	clock   Clock
}

// providerModel is the provider block.
type providerModel struct {
	APIURL            types.String  `tfsdk:"api_url"`
	Token             types.String  `tfsdk:"token"`
	OrganizationID    uuidValue     `tfsdk:"organization_id"`
	MaxRetries        types.Int64   `tfsdk:"max_retries"`
	RequestTimeout    durationValue `tfsdk:"request_timeout"`
	RequestsPerSecond types.Float64 `tfsdk:"requests_per_second"`
}

// New returns the provider factory that main serves.
func New(version, commit string) func() provider.Provider {
	return newWithClock(version, commit, realClock{})
}

func newWithClock(version, commit string, clock Clock) func() provider.Provider {
	return func() provider.Provider {
		return &platformerProvider{version: version, commit: commit, clock: clock}
	}
}

func (p *platformerProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "platformer"
	resp.Version = p.version
}

func (p *platformerProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Platformer provider manages service accounts of the " +
			"[Platformer Console](https://platformer.com) and their API tokens.",
		Attributes: map[string]schema.Attribute{
			"api_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Base URL of the Console API. Defaults to the `%s` environment variable, "+
					"then `%s`. Must be `https://`, except for a loopback host (an emulator on this machine).",
					envAPIURL, defaultAPIURL),
			},
			"token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: fmt.Sprintf("API token: a user's token or a service account's. Defaults to the `%s` "+
					"environment variable. It may come from a resource of the same configuration (for example "+
					"`platformer_service_account_token.x.token`); calls are refused until its value is known. In the runs "+
					"that create or renew that token, a data source read through this configuration needs `depends_on` "+
					"on its resource, so that Terraform reads it during apply, after the renewal.", envToken),
			},
			"organization_id": schema.StringAttribute{
				Optional: true, CustomType: uuidType{},
				MarkdownDescription: fmt.Sprintf("UUID of the organization that resources and data sources use when they "+
					"do not set their own, in any case. Defaults to the `%s` environment variable.", envOrganizationID),
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many times a failed request is retried (connection errors and "+
					"5xx answers; a create or renew only when the Console certainly did not process it). Default %d. "+
					"A request the Console rate-limits (429) is not counted: it is retried, no earlier than its "+
					"`Retry-After`, for up to %g minutes; `0` turns every retry off, those too.",
					defaultMaxRetries, client.DefaultRateLimitPatience.Minutes()),
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true, CustomType: durationType{},
				MarkdownDescription: fmt.Sprintf("Time limit of one HTTP attempt, as a duration such as `30s` or `2m` "+
					"(units `d`, `h`, `m`, `s`). Default `%s`.", defaultRequestTimeout),
			},
			"requests_per_second": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "Ceiling on the requests per second this provider instance sends. Below it, the " +
					"provider adapts to the Console's rate limit by itself: it slows down when the Console answers 429 " +
					"and speeds up again when it stops. `0` (the default) means no ceiling.",
				Validators: []validator.Float64{float64validator.AtLeast(0)},
			},
		},
	}
}

func (p *platformerProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data := p.configure(ctx, cfg, req.TerraformVersion, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

func (p *platformerProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewServiceAccountResource,
		func() resource.Resource { return &serviceAccountTokenResource{} },
		NewServiceAccountRotatingTokenResource,
	}
}

func (p *platformerProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewOrganizationDataSource,
		NewProjectDataSource,
		NewServiceAccountDataSource,
		NewServiceAccountsDataSource,
	}
}

func (p *platformerProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{NewServiceAccountEphemeralResource}
}

func (p *platformerProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewServiceAccountListResource}
}

func (p *platformerProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{NewServiceAccountRevokeTokenAction}
}
