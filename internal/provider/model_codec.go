package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The resources read and write their models through getModel and setModel rather than
// the framework's Get(ctx, &model) and Set(ctx, &model). Those reflect over the struct
// and, in terraform-plugin-framework v1.19.0, compile a regular expression for every
// field on every call (internal/reflect.isValidFieldName): 15 % of the provider's CPU
// and a quarter of its allocations in a plan of 1000 accounts and 1000 tokens. Here
// the model lists its attributes itself and the framework converts one types.Object;
// model_codec_test.go checks each list against the model's tfsdk tags and the schema.

// objectModel is a resource model that converts to and from a types.Object.
type objectModel interface {
	// fields maps each schema attribute to a pointer to the model's field.
	fields() map[string]any
	// attrTypes is the schema's object type, attribute by attribute.
	attrTypes() map[string]attr.Type
}

// configPlanOrState is tfsdk.Config, tfsdk.Plan or tfsdk.State.
type configPlanOrState interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// planOrState is *tfsdk.Plan or *tfsdk.State.
type planOrState interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// getModel reads the whole object into m.
func getModel(ctx context.Context, src configPlanOrState, m objectModel) diag.Diagnostics {
	var obj types.Object
	diags := src.Get(ctx, &obj)
	if diags.HasError() {
		return diags
	}
	if obj.IsNull() || obj.IsUnknown() {
		diags.AddError("Provider bug: no object to read",
			"The provider read a null or unknown object where it expected a resource's attributes. Please report this issue.")
		return diags
	}
	attrs := obj.Attributes()
	for name, ptr := range m.fields() {
		v, ok := attrs[name]
		if !ok || !assignValue(ptr, v) {
			diags.AddError("Provider bug: model does not match schema",
				fmt.Sprintf("Attribute %q: the schema holds a %T, the model a %T. Please report this issue.", name, v, ptr))
		}
	}
	return diags
}

// setModel writes m as the whole object.
func setModel(ctx context.Context, dst planOrState, m objectModel) diag.Diagnostics {
	fields := m.fields()
	vals := make(map[string]attr.Value, len(fields))
	for name, ptr := range fields {
		v, ok := valueOf(ptr)
		if !ok {
			var diags diag.Diagnostics
			diags.AddError("Provider bug: unsupported model field",
				fmt.Sprintf("Attribute %q is a %T. Please report this issue.", name, ptr))
			return diags
		}
		vals[name] = v
	}
	obj, diags := types.ObjectValue(m.attrTypes(), vals)
	if diags.HasError() {
		return diags
	}
	return dst.Set(ctx, obj)
}

// setModelIfChanged writes m unless it equals was, the model dst already holds: the
// framework starts a Read's state and a ModifyPlan's plan as the prior ones, and a
// refresh or plan that changes nothing is most of what a large configuration does.
func setModelIfChanged(ctx context.Context, dst planOrState, m, was objectModel) diag.Diagnostics {
	if modelsEqual(m, was) {
		return nil
	}
	return setModel(ctx, dst, m)
}

// modelsEqual reports whether every attribute of a equals that of b.
func modelsEqual(a, b objectModel) bool {
	fa, fb := a.fields(), b.fields()
	if len(fa) != len(fb) {
		return false
	}
	for name, pa := range fa {
		va, okA := valueOf(pa)
		vb, okB := valueOf(fb[name])
		if !okA || !okB || !va.Equal(vb) {
			return false
		}
	}
	return true
}

// assignValue stores v in the field ptr points to, if their types agree.
func assignValue(ptr any, v attr.Value) bool {
	var ok bool
	switch p := ptr.(type) {
	case *types.String:
		*p, ok = v.(types.String)
	case *types.Bool:
		*p, ok = v.(types.Bool)
	case *types.Set:
		*p, ok = v.(types.Set)
	case *types.Map:
		*p, ok = v.(types.Map)
	case *types.Dynamic:
		*p, ok = v.(types.Dynamic)
	}
	return ok
}

// valueOf is the value of the field ptr points to.
func valueOf(ptr any) (attr.Value, bool) {
	switch p := ptr.(type) {
	case *types.String:
		return *p, true
	case *types.Bool:
		return *p, true
	case *types.Set:
		return *p, true
	case *types.Map:
		return *p, true
	case *types.Dynamic:
		return *p, true
	}
	return nil, false
}

// resourceAttrTypes returns, once computed, the attribute types of r's schema.
func resourceAttrTypes(r resource.Resource) func() map[string]attr.Type {
	return sync.OnceValue(func() map[string]attr.Type {
		var resp resource.SchemaResponse
		r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
		return resp.Schema.Type().(types.ObjectType).AttrTypes
	})
}

var (
	serviceAccountAttrTypes      = resourceAttrTypes(&serviceAccountResource{})
	serviceAccountTokenAttrTypes = resourceAttrTypes(&serviceAccountTokenResource{})
)

func (m *serviceAccountModel) attrTypes() map[string]attr.Type { return serviceAccountAttrTypes() }

func (m *serviceAccountModel) fields() map[string]any {
	return map[string]any{
		"id":                  &m.ID,
		"name":                &m.Name,
		"description":         &m.Description,
		"organization_id":     &m.OrganizationID,
		"project_id":          &m.ProjectID,
		"permissions":         &m.Permissions,
		"custom_role_ids":     &m.CustomRoleIDs,
		"project_permissions": &m.ProjectPermissions,
		"level":               &m.Level,
		"created_at":          &m.CreatedAt,
		"token_expires_at":    &m.TokenExpiresAt,
		"token_renewed_at":    &m.TokenRenewedAt,
	}
}

func (m *serviceAccountTokenModel) attrTypes() map[string]attr.Type {
	return serviceAccountTokenAttrTypes()
}

func (m *serviceAccountTokenModel) fields() map[string]any {
	return map[string]any{
		"id":                 &m.ID,
		"service_account_id": &m.ServiceAccountID,
		"organization_id":    &m.OrganizationID,
		"expires_in":         &m.ExpiresIn,
		"expires_at":         &m.ExpiresAt,
		"renew_before":       &m.RenewBefore,
		"rotation_trigger":   &m.RotationTrigger,
		"token":              &m.Token,
		"token_id":           &m.TokenID,
		"renewed_at":         &m.RenewedAt,
		"has_expired":        &m.HasExpired,
	}
}
