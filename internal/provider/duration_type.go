package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/duration"
)

// Every duration the provider takes is a durationType: a string such as "720h", "30d",
// "1d12h" or "90m", checked when the configuration is validated and compared by value,
// so that changing "720h" to "30d" or "43200m" plans nothing.
//
// timetypes.GoDuration (terraform-plugin-framework-timetypes) does not fit: it is
// time.ParseDuration, which has no days and accepts units below a second.

var (
	_ basetypes.StringTypable                    = durationType{}
	_ basetypes.StringValuableWithSemanticEquals = durationValue{}
	_ xattr.ValidateableAttribute                = durationValue{}
)

// durationType is the schema type of a duration attribute: CustomType: durationType{}.
type durationType struct {
	basetypes.StringType
}

func (t durationType) Equal(o attr.Type) bool {
	_, ok := o.(durationType)
	return ok
}

func (t durationType) String() string { return "durationType" }

func (t durationType) ValueType(context.Context) attr.Value { return durationValue{} }

func (t durationType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return durationValue{StringValue: in}, nil
}

func (t durationType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	return stringFromTerraform(ctx, in, func(s basetypes.StringValue) durationValue { return durationValue{StringValue: s} })
}

// stringFromTerraform is ValueFromTerraform for a custom string type: the string, wrapped.
func stringFromTerraform[V attr.Value](ctx context.Context, in tftypes.Value, wrap func(basetypes.StringValue) V) (attr.Value, error) {
	v, err := basetypes.StringType{}.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return wrap(s), nil
}

// durationValue is the value of a duration attribute.
type durationValue struct {
	basetypes.StringValue
}

// durationNull and durationOf build values, as types.StringNull and types.StringValue do.
func durationNull() durationValue { return durationValue{StringValue: basetypes.NewStringNull()} }
func durationOf(s string) durationValue {
	return durationValue{StringValue: basetypes.NewStringValue(s)}
}
func (v durationValue) Type(context.Context) attr.Type { return durationType{} }

func (v durationValue) Equal(o attr.Value) bool {
	other, ok := o.(durationValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// Duration is the value as a time.Duration; 0 when null, unknown or invalid.
func (v durationValue) Duration() time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return 0
	}
	d, _ := parseDuration(v.ValueString())
	return d
}

// StringSemanticEquals reports whether both values are the same length of time.
func (v durationValue) StringSemanticEquals(_ context.Context, o basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := o.(durationValue)
	if !ok {
		return false, nil
	}
	return durationsEqual(v, other), nil
}

// durationsEqual compares by value when both parse, and as strings otherwise.
func durationsEqual(a, b durationValue) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return a.Equal(b)
	}
	da, errA := parseDuration(a.ValueString())
	db, errB := parseDuration(b.ValueString())
	if errA != nil || errB != nil {
		return a.ValueString() == b.ValueString()
	}
	return da == db
}

// ValidateAttribute refuses a value that parseDuration refuses, naming the attribute.
func (v durationValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := parseDuration(v.ValueString()); err != nil {
		msg := err.Error()
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration", fmt.Sprintf("%s: %s", req.Path, msg))
	}
}

// parseDuration parses a positive duration in the syntax of package duration: a Go
// duration with days ("30d", "1d12h"), to the second.
func parseDuration(s string) (time.Duration, error) { return duration.Parse(s) }
