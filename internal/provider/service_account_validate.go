package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

// ValidateConfig checks permission codes against the catalog by level, at plan time.
// Values still unknown (from other resources) are left to apply time.
func (r *serviceAccountResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m serviceAccountModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateAccountPermissions(&m, &resp.Diagnostics)
}

func validateAccountPermissions(m *serviceAccountModel, diags *diag.Diagnostics) {
	projectLevel := !m.ProjectID.IsNull()
	if projectLevel && !m.ProjectPermissions.IsNull() && (m.ProjectPermissions.IsUnknown() || len(m.ProjectPermissions.Elements()) > 0) {
		diags.AddAttributeError(path.Root("project_permissions"), "Project Permissions on a Project-Level Account",
			"project_permissions grants codes on other projects and is accepted only on organization-level accounts "+
				"(without project_id). A project-level account holds permissions on its own project only: put its "+
				"project codes in permissions.")
	}
	if !m.ProjectID.IsUnknown() {
		own := catalog.LevelOrganization
		if projectLevel {
			own = catalog.LevelProject
		}
		checkCodes(m.Permissions, path.Root("permissions"), own, diags)
	}
	if !projectLevel && !m.ProjectPermissions.IsNull() && !m.ProjectPermissions.IsUnknown() {
		for _, project := range sortedKeys(m.ProjectPermissions.Elements()) {
			if set, ok := m.ProjectPermissions.Elements()[project].(types.Set); ok {
				checkCodes(set, path.Root("project_permissions").AtMapKey(project), catalog.LevelProject, diags)
			}
		}
	}
}

// checkCodes reports codes of the wrong level as errors and unknown codes as warnings.
func checkCodes(codes types.Set, at path.Path, level catalog.Level, diags *diag.Diagnostics) {
	for _, code := range setStrings(codes) {
		msg, isError := permissionProblem(code, level)
		switch {
		case msg == "":
		case isError:
			diags.AddAttributeError(at, "Permission Code at the Wrong Level", fmt.Sprintf("%s: %s", at, msg))
		default:
			diags.AddAttributeWarning(at, "Unknown Permission Code", fmt.Sprintf("%s: %s", at, msg))
		}
	}
}
