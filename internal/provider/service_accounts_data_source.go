package provider

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*serviceAccountsDataSource)(nil)

// NewServiceAccountsDataSource returns the platformer_service_accounts data source.
func NewServiceAccountsDataSource() datasource.DataSource { return &serviceAccountsDataSource{} }

type serviceAccountsDataSource struct{ data *providerData }

type serviceAccountsModel struct {
	OrganizationID  uuidValue                 `tfsdk:"organization_id"`
	ProjectID       uuidValue                 `tfsdk:"project_id"`
	NamePrefix      types.String              `tfsdk:"name_prefix"`
	ServiceAccounts []serviceAccountDataModel `tfsdk:"service_accounts"`
}

func (d *serviceAccountsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_accounts"
}

func (d *serviceAccountsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the service accounts of an organization (every level) or of one project, " +
			"optionally filtered by name prefix, with their permissions and token expiry, for example to audit " +
			"tokens that expire soon. Tokens are never exposed here.",
		Attributes: map[string]schema.Attribute{
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the organization, in any case. Defaults to the provider's `organization_id`.",
			},
			"project_id": schema.StringAttribute{
				Optional: true, CustomType: uuidType{},
				MarkdownDescription: "List only the project-level accounts of this project (UUID, in any case). Unset: every " +
					"account of the organization, at both levels.",
			},
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep only accounts whose name starts with this (case-sensitive).",
			},
			"service_accounts": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The accounts, sorted by name (then id).",
				NestedObject:        schema.NestedAttributeObject{Attributes: serviceAccountDataAttributes(nil)},
			},
		},
	}
}

func (d *serviceAccountsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *serviceAccountsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m serviceAccountsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	api := d.data.apiOrDiag(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	orgID := d.data.resolveOrganization(m.OrganizationID, "data source", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	accounts, err := api.ListServiceAccounts(ctx, client.Scope{OrganizationID: orgID, ProjectID: m.ProjectID.Lower()})
	if err != nil {
		addAPIError(&resp.Diagnostics, "list service accounts", err)
		return
	}
	if m.OrganizationID.IsNull() {
		m.OrganizationID = uuidOf(orgID)
	}
	m.ServiceAccounts = []serviceAccountDataModel{}
	for i := range accounts {
		if strings.HasPrefix(accounts[i].Name, m.NamePrefix.ValueString()) {
			m.ServiceAccounts = append(m.ServiceAccounts, serviceAccountDataModelFrom(&accounts[i]))
		}
	}
	sort.SliceStable(m.ServiceAccounts, func(i, j int) bool {
		a, b := m.ServiceAccounts[i], m.ServiceAccounts[j]
		if a.Name.ValueString() != b.Name.ValueString() {
			return a.Name.ValueString() < b.Name.ValueString()
		}
		return a.ID.ValueString() < b.ID.ValueString()
	})
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
