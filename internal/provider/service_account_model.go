package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

const (
	levelOrganization = "organization"
	levelProject      = "project"
)

// projectPermissionsType is map(set(string)): project id => permission codes.
var projectPermissionsType = types.SetType{ElemType: types.StringType}

// serviceAccountModel is the platformer_service_account resource (and the shape of the
// platformer_service_account data source).
type serviceAccountModel struct {
	ID                 types.String `tfsdk:"id"`
	Name               types.String `tfsdk:"name"`
	Description        types.String `tfsdk:"description"`
	OrganizationID     types.String `tfsdk:"organization_id"`
	ProjectID          types.String `tfsdk:"project_id"`
	Permissions        types.Set    `tfsdk:"permissions"`
	CustomRoleIDs      types.Set    `tfsdk:"custom_role_ids"`
	ProjectPermissions types.Map    `tfsdk:"project_permissions"`
	Level              types.String `tfsdk:"level"`
	CreatedAt          types.String `tfsdk:"created_at"`
	TokenExpiresAt     types.String `tfsdk:"token_expires_at"`
	TokenRenewedAt     types.String `tfsdk:"token_renewed_at"`
}

// ownCollection is the collection the account's own permissions are granted on: its
// project for a project-level account, its organization otherwise.
func (m *serviceAccountModel) ownCollection() string {
	if p := m.ProjectID.ValueString(); p != "" {
		return p
	}
	return m.OrganizationID.ValueString()
}

// projectPermissions returns the project_permissions map as project id => codes.
func (m *serviceAccountModel) projectPermissions() map[string][]string {
	out := map[string][]string{}
	if m.ProjectPermissions.IsNull() || m.ProjectPermissions.IsUnknown() {
		return out
	}
	for k, v := range m.ProjectPermissions.Elements() {
		if set, ok := v.(types.Set); ok {
			out[k] = setStrings(set)
		}
	}
	return out
}

// roles maps permissions and project_permissions onto the Console's roles entries:
// one for the account's own collection, one for each project it reaches.
func (m *serviceAccountModel) roles() []client.RoleBinding {
	roles := []client.RoleBinding{}
	if own := setStrings(m.Permissions); len(own) > 0 {
		roles = append(roles, client.RoleBinding{CollectionID: m.ownCollection(), RoleIDs: own})
	}
	pp := m.projectPermissions()
	for _, project := range sortedKeys(pp) {
		if len(pp[project]) > 0 {
			roles = append(roles, client.RoleBinding{CollectionID: project, RoleIDs: pp[project]})
		}
	}
	return roles
}

func (m *serviceAccountModel) createInput() client.CreateServiceAccountInput {
	return client.CreateServiceAccountInput{
		Name:          m.Name.ValueString(),
		Description:   m.Description.ValueString(),
		ProjectID:     m.ProjectID.ValueString(),
		Roles:         m.roles(),
		CustomRoleIDs: setStrings(m.CustomRoleIDs),
	}
}

func (m *serviceAccountModel) updateInput() client.UpdateServiceAccountInput {
	return client.UpdateServiceAccountInput{
		Name:          m.Name.ValueString(),
		Description:   m.Description.ValueString(),
		Roles:         m.roles(),
		CustomRoleIDs: setStrings(m.CustomRoleIDs),
	}
}

func (m *serviceAccountModel) scope() client.Scope {
	return client.Scope{OrganizationID: m.OrganizationID.ValueString(), ProjectID: m.ProjectID.ValueString()}
}

// serviceAccountModelFrom converts what the Console returned into the model.
func serviceAccountModelFrom(sa *client.ServiceAccount) serviceAccountModel {
	m := serviceAccountModel{
		ID:             types.StringValue(sa.ID),
		Name:           types.StringValue(sa.Name),
		Description:    types.StringValue(sa.Description),
		OrganizationID: types.StringValue(sa.OrganizationID),
		ProjectID:      types.StringNull(),
		Level:          types.StringValue(levelOrganization),
		CustomRoleIDs:  stringSet(sa.CustomRoleIDs),
		CreatedAt:      timeString(&sa.CreatedAt),
		TokenExpiresAt: timeString(sa.TokenExpiresAt),
		TokenRenewedAt: timeString(&sa.TokenRenewedAt),
	}
	if sa.ProjectID != "" {
		m.ProjectID = types.StringValue(sa.ProjectID)
		m.Level = types.StringValue(levelProject)
	}
	own := m.ownCollection()
	var perms []string
	projects := map[string]attr.Value{}
	for _, r := range sa.Roles {
		if r.CollectionID == own {
			perms = append(perms, r.RoleIDs...)
			continue
		}
		projects[r.CollectionID] = stringSet(r.RoleIDs)
	}
	m.Permissions = stringSet(perms)
	m.ProjectPermissions = types.MapValueMust(projectPermissionsType, projects)
	return m
}
