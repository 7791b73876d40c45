package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

// serviceAccountDataModel is a service account as the data sources report it: the
// platformer_service_account data source, and each item of platformer_service_accounts.
type serviceAccountDataModel struct {
	ID                 uuidValue         `tfsdk:"id"`
	Name               types.String      `tfsdk:"name"`
	Description        types.String      `tfsdk:"description"`
	OrganizationID     uuidValue         `tfsdk:"organization_id"`
	ProjectID          uuidValue         `tfsdk:"project_id"`
	Permissions        types.Set         `tfsdk:"permissions"`
	CustomRoleIDs      types.Set         `tfsdk:"custom_role_ids"`
	ProjectPermissions types.Map         `tfsdk:"project_permissions"`
	Level              types.String      `tfsdk:"level"`
	CreatedAt          timetypes.RFC3339 `tfsdk:"created_at"`
	TokenExpiresAt     timetypes.RFC3339 `tfsdk:"token_expires_at"`
	TokenRenewedAt     timetypes.RFC3339 `tfsdk:"token_renewed_at"`
}

// serviceAccountDataModelFrom converts what the Console returned into the data model.
func serviceAccountDataModelFrom(sa *client.ServiceAccount) serviceAccountDataModel {
	m := serviceAccountDataModel{
		ID:             uuidOf(sa.ID),
		Name:           types.StringValue(sa.Name),
		Description:    types.StringValue(sa.Description),
		OrganizationID: uuidOf(sa.OrganizationID),
		ProjectID:      uuidOrNull(sa.ProjectID),
		Level:          types.StringValue(accountLevel(sa)),
		CustomRoleIDs:  uuidSet(sa.CustomRoleIDs),
		CreatedAt:      rfc3339Of(&sa.CreatedAt),
		TokenExpiresAt: rfc3339Of(sa.TokenExpiresAt),
		TokenRenewedAt: rfc3339Of(&sa.TokenRenewedAt),
	}
	m.Permissions, m.ProjectPermissions = accountRoles(sa)
	return m
}

// serviceAccountDataAttributes is the schema of a service account as the data sources
// report it, every attribute computed; inputs replaces the attributes a data source takes.
func serviceAccountDataAttributes(inputs map[string]schema.Attribute) map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"id":                  schema.StringAttribute{Computed: true, CustomType: uuidType{}, MarkdownDescription: "UUID of the service account."},
		"name":                schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the service account."},
		"description":         schema.StringAttribute{Computed: true, MarkdownDescription: "Free-text description."},
		"organization_id":     schema.StringAttribute{Computed: true, CustomType: uuidType{}, MarkdownDescription: "UUID of its organization."},
		"project_id":          schema.StringAttribute{Computed: true, CustomType: uuidType{}, MarkdownDescription: "UUID of its project; null for an organization-level account."},
		"level":               schema.StringAttribute{Computed: true, MarkdownDescription: "`organization` or `project`."},
		"permissions":         schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Permission codes at the account's own level."},
		"custom_role_ids":     schema.SetAttribute{Computed: true, ElementType: uuidType{}, MarkdownDescription: "UUIDs of the custom roles granted."},
		"project_permissions": schema.MapAttribute{Computed: true, ElementType: projectPermissionsType, MarkdownDescription: "Organization-level accounts: project UUID => permission codes on that project."},
		"created_at":          schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: "When the account was created (RFC 3339)."},
		"token_expires_at":    schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: "When the account's token expires (RFC 3339); null when it never expires."},
		"token_renewed_at":    schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: "When the account's token was issued (RFC 3339)."},
	}
	for name, a := range inputs {
		attrs[name] = a
	}
	return attrs
}

func (d *serviceAccountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one service account by `id`, or by `name` within an organization or project " +
			"(exactly one of `id` and `name`). The token is never exposed here.",
		Attributes: serviceAccountDataAttributes(map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the service account, in any case.",
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Name of the service account, looked up in the organization (organization-level " +
					"accounts) or in `project_id` (project-level accounts).",
			},
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the organization, in any case. Defaults to the provider's `organization_id`.",
			},
			"project_id": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: uuidType{},
				MarkdownDescription: "For a lookup by name: the project whose project-level account is wanted (UUID, in any " +
					"case). Unset, the name is looked up among organization-level accounts. Reported for any project-level account.",
			},
		}),
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
	var m serviceAccountDataModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	api := d.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	orgID := d.data.resolveOrganization(m.OrganizationID, "data source", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	scope := client.Scope{OrganizationID: orgID, ProjectID: m.ProjectID.Lower()}
	var sa *client.ServiceAccount
	if !m.ID.IsNull() {
		got, err := api.GetServiceAccount(ctx, scope, m.ID.Lower())
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
	out := serviceAccountDataModelFrom(sa)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &out)...)
}
