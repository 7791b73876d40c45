package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSourceWithConfigure        = (*organizationDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*organizationDataSource)(nil)
)

// NewOrganizationDataSource returns the platformer_organization data source.
func NewOrganizationDataSource() datasource.DataSource { return &organizationDataSource{} }

type organizationDataSource struct{ data *providerData }

type organizationModel struct {
	ID   uuidValue    `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
}

func (d *organizationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_organization"
}

func (d *organizationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an organization the provider's token belongs to, by `id` or by `name` (exactly one).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the organization, in any case.",
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Name of the organization, matched exactly.",
			},
		},
	}
}

func (d *organizationDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *organizationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *organizationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m organizationModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	api := d.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	orgs, err := api.ListOrganizations(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "list organizations", err)
		return
	}
	var names []string
	for _, o := range orgs {
		names = append(names, o.Name)
		if (!m.ID.IsNull() && o.ID == m.ID.Lower()) || (!m.Name.IsNull() && o.Name == m.Name.ValueString()) {
			m.ID, m.Name = uuidOf(o.ID), types.StringValue(o.Name)
			resp.Diagnostics.Append(setModel(ctx, &resp.State, &m)...)
			return
		}
	}
	attr, want := "name", m.Name.ValueString()
	if !m.ID.IsNull() {
		attr, want = "id", m.ID.ValueString()
	}
	resp.Diagnostics.AddAttributeError(path.Root(attr), "Organization Not Found",
		fmt.Sprintf("No organization with %s %q is visible to the provider's token. Organizations it belongs to: %s.",
			attr, want, quoteList(names)))
}
