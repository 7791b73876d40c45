package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// UUIDs are accepted in any case. The Console answers in lower case, so an attribute or
// a set element that holds a UUID is a uuidType: its values are checked when the
// configuration is validated and compared without regard to case, so that the case the
// configuration uses is kept in plan and state (no diff, no "inconsistent result"), and
// every request sends the lower-case form (uuidValue.Lower).
//
// A map key cannot have semantic equality: project_permissions' keys must be lower case,
// and lowerUUIDKey refuses any other at plan time.

var (
	_ basetypes.StringTypable                    = uuidType{}
	_ basetypes.StringValuableWithSemanticEquals = uuidValue{}
	_ xattr.ValidateableAttribute                = uuidValue{}
)

// uuidType is the schema type of a UUID attribute (CustomType) or set element (ElementType).
type uuidType struct {
	basetypes.StringType
}

func (t uuidType) Equal(o attr.Type) bool {
	_, ok := o.(uuidType)
	return ok
}

func (t uuidType) String() string { return "uuidType" }

func (t uuidType) ValueType(context.Context) attr.Value { return uuidValue{} }

func (t uuidType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return uuidValue{StringValue: in}, nil
}

func (t uuidType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	return stringFromTerraform(ctx, in, func(s basetypes.StringValue) uuidValue { return uuidValue{StringValue: s} })
}

// uuidValue is the value of a UUID attribute.
type uuidValue struct {
	basetypes.StringValue
}

func uuidNull() uuidValue       { return uuidValue{StringValue: basetypes.NewStringNull()} }
func uuidUnknown() uuidValue    { return uuidValue{StringValue: basetypes.NewStringUnknown()} }
func uuidOf(s string) uuidValue { return uuidValue{StringValue: basetypes.NewStringValue(s)} }
func uuidOrNull(s string) uuidValue {
	if s == "" {
		return uuidNull()
	}
	return uuidOf(s)
}

func (v uuidValue) Type(context.Context) attr.Type { return uuidType{} }

func (v uuidValue) Equal(o attr.Value) bool {
	other, ok := o.(uuidValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// Lower is the value in lower case, the form the Console uses; "" when null or unknown.
func (v uuidValue) Lower() string { return strings.ToLower(v.ValueString()) }

// StringSemanticEquals reports whether both values are the same UUID, in any case.
func (v uuidValue) StringSemanticEquals(_ context.Context, o basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := o.(uuidValue)
	if !ok {
		return false, nil
	}
	return uuidsEqual(v, other), nil
}

func uuidsEqual(a, b uuidValue) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return a.Equal(b)
	}
	return strings.EqualFold(a.ValueString(), b.ValueString())
}

// ValidateAttribute refuses a value that is not a UUID, naming the attribute.
func (v uuidValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if s := v.ValueString(); !client.IsUUID(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid UUID", notUUIDDetail(req.Path.String(), s))
	}
}

func notUUIDDetail(at, s string) string {
	return fmt.Sprintf("%s: %q is not a UUID. Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits).", at, s)
}

// uuidValidator accepts a UUID such as 0b6f1c52-5a3e-4d7e-9c3a-6a1f0e2d7c01, in any case,
// where a uuidType cannot be used (the elements of a list of strings, say).
type uuidValidator struct{}

func (uuidValidator) Description(context.Context) string {
	return "value must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
}

func (v uuidValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (uuidValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if s := req.ConfigValue.ValueString(); !client.IsUUID(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid UUID", notUUIDDetail(req.Path.String(), s))
	}
}

// lowerUUIDKey validates a map key that must be a UUID in lower case (a map key cannot
// be compared without regard to case, so it must be written as the Console writes it).
type lowerUUIDKey struct{}

func (lowerUUIDKey) Description(context.Context) string {
	return "key must be a UUID in lower case (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
}

func (v lowerUUIDKey) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (lowerUUIDKey) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	switch {
	case !client.IsUUID(s):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid UUID", notUUIDDetail(req.Path.String(), s))
	case s != strings.ToLower(s):
		resp.Diagnostics.AddAttributeError(req.Path, "UUID Key Not in Lower Case",
			fmt.Sprintf("%s: write this key in lower case, %q: map keys are compared exactly, and the Console "+
				"writes UUIDs in lower case.", req.Path, strings.ToLower(s)))
	}
}

// uuidSet builds a set of UUIDs; nil gives an empty (not null) set.
func uuidSet(values []string) types.Set {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = uuidOf(v)
	}
	return types.SetValueMust(uuidType{}, elems)
}

// lowerUUIDs returns the known elements of a set of UUIDs in lower case, sorted.
func lowerUUIDs(s types.Set) []string {
	out := setStrings(s)
	for i := range out {
		out[i] = strings.ToLower(out[i])
	}
	return out
}

// keepStateUUID plans the prior state's value when the configuration writes the same
// UUID in another case, so that a change of case alone plans nothing (and, before
// RequiresReplace, replaces nothing). Put it first among the attribute's plan modifiers.
type keepStateUUID struct{}

func (keepStateUUID) Description(context.Context) string {
	return "a change of case alone plans nothing"
}

func (m keepStateUUID) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (keepStateUUID) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if strings.EqualFold(req.PlanValue.ValueString(), req.StateValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

// keepStateUUIDSet does the same for a set of UUIDs.
type keepStateUUIDSet struct{}

func (keepStateUUIDSet) Description(context.Context) string {
	return "a change of case alone plans nothing"
}

func (m keepStateUUIDSet) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (keepStateUUIDSet) PlanModifySet(_ context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if len(req.PlanValue.Elements()) != len(req.StateValue.Elements()) {
		return
	}
	plan, state := lowerUUIDs(req.PlanValue), lowerUUIDs(req.StateValue)
	for i := range plan {
		if plan[i] != state[i] {
			return
		}
	}
	resp.PlanValue = req.StateValue
}

// distinctUUIDs refuses a set that holds one UUID twice, in two cases: the Console would
// keep it once, and the set in state would then not match the configuration.
type distinctUUIDs struct{}

func (distinctUUIDs) Description(context.Context) string {
	return "each UUID at most once, in any case"
}

func (v distinctUUIDs) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (distinctUUIDs) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	seen := map[string]string{}
	for _, s := range setStrings(req.ConfigValue) {
		lower := strings.ToLower(s)
		if first, ok := seen[lower]; ok {
			resp.Diagnostics.AddAttributeError(req.Path, "Duplicate UUID",
				fmt.Sprintf("%s: %q and %q are the same UUID in two cases. Write it once.", req.Path, first, s))
			continue
		}
		seen[lower] = s
	}
}
