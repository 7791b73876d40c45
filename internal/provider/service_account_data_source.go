package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var (
	_ datasource.DataSourceWithConfigure        = (*serviceAccountDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*serviceAccountDataSource)(nil)
)

// NewServiceAccountDataSource returns the platformer_service_account data source.
func NewServiceAccountDataSource() datasource.DataSource { return &serviceAccountDataSource{} }

type serviceAccountDataSource struct{ data *providerData }

func (d *serviceAccountDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

// accountComputedAttributes are the attributes every service-account data source reports.
func accountComputedAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"description":         schema.StringAttribute{Computed: true, MarkdownDescription: "Free-text description."},
		"level":               schema.StringAttribute{Computed: true, MarkdownDescription: "`organization` or `project`."},
		"permissions":         schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Permission codes at the account's own level."},
		"custom_role_ids":     schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "UUIDs of the custom roles granted."},
		"project_permissions": schema.MapAttribute{Computed: true, ElementType: projectPermissionsType, MarkdownDescription: "Organization-level accounts: project UUID => permission codes on that project."},
		"created_at":          schema.StringAttribute{Computed: true, MarkdownDescription: "When the account was created (RFC 3339)."},
		"token_expires_at":    schema.StringAttribute{Computed: true, MarkdownDescription: "When the account's token expires (RFC 3339); null when it never expires."},
		"token_renewed_at":    schema.StringAttribute{Computed: true, MarkdownDescription: "When the account's token was issued (RFC 3339)."},
	}
}

func (d *serviceAccountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := accountComputedAttributes()
	attrs["id"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "UUID of the service account.",
		Validators:          []validator.String{uuidValidator{}},
	}
	attrs["name"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "Name of the service account, looked up in the organization (organization-level " +
			"accounts) or in `project_id` (project-level accounts).",
	}
	attrs["organization_id"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "UUID of the organization. Defaults to the provider's `organization_id`.",
		Validators:          []validator.String{uuidValidator{}},
	}
	attrs["project_id"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "For a lookup by name: the project whose project-level account is wanted. Unset, the " +
			"name is looked up among organization-level accounts. Reported for any project-level account.",
		Validators: []validator.String{uuidValidator{}},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one service account by `id`, or by `name` within an organization or project " +
			"(exactly one of `id` and `name`). The token is never exposed here.",
		Attributes: attrs,
	}
}

func (d *serviceAccountDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *serviceAccountDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *serviceAccountDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m serviceAccountModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	api := d.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	orgID := d.data.resolveOrganization(m.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	scope := client.Scope{OrganizationID: orgID, ProjectID: m.ProjectID.ValueString()}
	var sa *client.ServiceAccount
	if !m.ID.IsNull() {
		got, err := api.GetServiceAccount(ctx, scope, m.ID.ValueString())
		if err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("read service account %s", m.ID.ValueString()), err)
			return
		}
		sa = got
	} else {
		accounts, err := api.ListServiceAccounts(ctx, scope)
		if err != nil {
			addAPIError(&resp.Diagnostics, "list service accounts", err)
			return
		}
		for i := range accounts {
			if accounts[i].Name == m.Name.ValueString() && accounts[i].ProjectID == scope.ProjectID {
				sa = &accounts[i]
				break
			}
		}
		if sa == nil {
			where := "among the organization-level accounts of organization " + orgID
			if scope.ProjectID != "" {
				where = "in project " + scope.ProjectID
			}
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Service Account Not Found",
				fmt.Sprintf("No service account named %q %s. Set project_id to look in a project.", m.Name.ValueString(), where))
			return
		}
	}
	out := serviceAccountModelFrom(sa)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
