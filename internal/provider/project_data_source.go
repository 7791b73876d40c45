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
	_ datasource.DataSourceWithConfigure        = (*projectDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*projectDataSource)(nil)
)

// NewProjectDataSource returns the platformer_project data source.
func NewProjectDataSource() datasource.DataSource { return &projectDataSource{} }

type projectDataSource struct{ data *providerData }

type projectModel struct {
	ID             uuidValue    `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	OrganizationID uuidValue    `tfsdk:"organization_id"`
	Description    types.String `tfsdk:"description"`
}

func (d *projectDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project"
}

func (d *projectDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a project of an organization by `id` or by `name` (exactly one), " +
			"for example to set `project_id = data.platformer_project.shop.id`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the project, in any case.",
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Name of the project, matched exactly.",
			},
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the organization the project belongs to, in any case. Defaults to the " +
					"provider's `organization_id`.",
			},
			"description": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Description of the project.",
			},
		},
	}
}

func (d *projectDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *projectDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *projectDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m projectModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	api := d.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	orgID := d.data.resolveOrganization(m.OrganizationID, "data source", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	projects, err := api.ListProjects(ctx, orgID)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("list the projects of organization %s", orgID), err)
		return
	}
	var names []string
	for _, p := range projects {
		names = append(names, p.Name)
		if (!m.ID.IsNull() && p.ID == m.ID.Lower()) || (!m.Name.IsNull() && p.Name == m.Name.ValueString()) {
			m.ID, m.Name = uuidOf(p.ID), types.StringValue(p.Name)
			m.OrganizationID, m.Description = uuidOf(orgID), types.StringValue(p.Description)
			resp.Diagnostics.Append(setModel(ctx, &resp.State, &m)...)
			return
		}
	}
	attr, want := "name", m.Name.ValueString()
	if !m.ID.IsNull() {
		attr, want = "id", m.ID.ValueString()
	}
	resp.Diagnostics.AddAttributeError(path.Root(attr), "Project Not Found",
		fmt.Sprintf("No project with %s %q in organization %s is visible to the provider's token. Projects there: %s.",
			attr, want, orgID, quoteList(names)))
}
