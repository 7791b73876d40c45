package provider

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The resources read and write their models through getModel and setModel rather than
// the framework's Get(ctx, &model) and Set(ctx, &model). Those reflect over the struct
// and, in terraform-plugin-framework v1.19.0, compile a regular expression for every
// field on every call (internal/reflect.isValidFieldName): 15 % of the provider's CPU
// and a quarter of its allocations in a plan of 1000 accounts and 1000 tokens. Here the
// model's attributes are read from its tfsdk tags once per type (modelCodecOf), each
// call reaches the fields by index, and the framework converts one types.Object.
//
// A model is a struct whose fields carry `tfsdk:"name"` tags, one per schema attribute,
// each of a type that is an attr.Value (types.String, types.Set, durationValue, ...).
// Its attribute types come from the schema it is read from or written to.
// model_codec_test.go checks every model against its schema.

// configPlanOrState is tfsdk.Config, tfsdk.Plan or tfsdk.State.
type configPlanOrState interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// planOrState is *tfsdk.Plan or *tfsdk.State.
type planOrState interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// modelField is one attribute of a model: its name and the index of its field.
type modelField struct {
	name  string
	index int
	typ   reflect.Type
}

// modelCodec is what getModel and setModel know of a model type.
type modelCodec struct {
	fields    []modelField
	attrTypes atomic.Pointer[map[string]attr.Type] // from the first schema written to
}

var (
	attrValueType = reflect.TypeFor[attr.Value]()
	modelCodecs   sync.Map // reflect.Type => *modelCodec
)

// modelCodecOf returns the codec of model type t, built at its first use, or a
// diagnostic for a model that cannot work (model_codec_test.go keeps them out).
func modelCodecOf(t reflect.Type) (*modelCodec, diag.Diagnostics) {
	if c, ok := modelCodecs.Load(t); ok {
		return c.(*modelCodec), nil
	}
	c, err := newModelCodec(t)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Provider bug: invalid model", err.Error()+". Please report this issue.")
		return nil, diags
	}
	actual, _ := modelCodecs.LoadOrStore(t, c)
	return actual.(*modelCodec), nil
}

// newModelCodec lists t's tagged fields; every one must be an attr.Value.
func newModelCodec(t reflect.Type) (*modelCodec, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("model %s is not a struct", t)
	}
	c := &modelCodec{}
	seen := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("tfsdk")
		if name == "" || name == "-" {
			continue
		}
		if seen[name] {
			return nil, fmt.Errorf("model %s: tfsdk tag %q appears twice", t, name)
		}
		seen[name] = true
		if !f.Type.Implements(attrValueType) {
			return nil, fmt.Errorf("model %s: field %s (%q) is a %s, not an attr.Value", t, f.Name, name, f.Type)
		}
		c.fields = append(c.fields, modelField{name: name, index: i, typ: f.Type})
	}
	return c, nil
}

// getModel reads the whole object into m.
func getModel[M any](ctx context.Context, src configPlanOrState, m *M) diag.Diagnostics {
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
	c, cdiags := modelCodecOf(reflect.TypeFor[M]())
	if cdiags.HasError() {
		return cdiags
	}
	attrs := obj.Attributes()
	rv := reflect.ValueOf(m).Elem()
	for _, f := range c.fields {
		v, ok := attrs[f.name]
		if !ok || v == nil || reflect.TypeOf(v) != f.typ {
			diags.AddError("Provider bug: model does not match schema",
				fmt.Sprintf("Attribute %q: the schema holds a %T, the model a %s. Please report this issue.", f.name, v, f.typ))
			continue
		}
		rv.Field(f.index).Set(reflect.ValueOf(v))
	}
	if len(attrs) != len(c.fields) {
		diags.AddError("Provider bug: model does not match schema",
			fmt.Sprintf("The schema has %d attributes, the model %s %d. Please report this issue.", len(attrs), rv.Type(), len(c.fields)))
	}
	return diags
}

// setModel writes m as the whole object.
func setModel[M any](ctx context.Context, dst planOrState, m *M) diag.Diagnostics {
	c, diags := modelCodecOf(reflect.TypeFor[M]())
	if diags.HasError() {
		return diags
	}
	attrTypes := c.attrTypesFor(dst)
	if attrTypes == nil {
		return dst.Set(ctx, m) // an unknown destination: the framework's own (slower) way
	}
	rv := reflect.ValueOf(m).Elem()
	vals := make(map[string]attr.Value, len(c.fields))
	for _, f := range c.fields {
		vals[f.name] = rv.Field(f.index).Interface().(attr.Value)
	}
	obj, diags := types.ObjectValue(attrTypes, vals)
	if diags.HasError() {
		return diags
	}
	return dst.Set(ctx, obj)
}

// attrTypesFor returns the attribute types of dst's schema, computed the first time.
func (c *modelCodec) attrTypesFor(dst planOrState) map[string]attr.Type {
	if p := c.attrTypes.Load(); p != nil {
		return *p
	}
	var t attr.Type
	switch d := dst.(type) {
	case *tfsdk.State:
		t = d.Schema.Type()
	case *tfsdk.Plan:
		t = d.Schema.Type()
	case *tfsdk.EphemeralResultData:
		t = d.Schema.Type()
	default:
		return nil
	}
	ot, ok := t.(attr.TypeWithAttributeTypes)
	if !ok {
		return nil
	}
	attrTypes := ot.AttributeTypes()
	c.attrTypes.Store(&attrTypes)
	return attrTypes
}

// setModelIfChanged writes m unless it equals was, the model dst already holds: the
// framework starts a Read's state and a ModifyPlan's plan as the prior ones, and a
// refresh or plan that changes nothing is most of what a large configuration does.
func setModelIfChanged[M any](ctx context.Context, dst planOrState, m, was *M) diag.Diagnostics {
	if modelsEqual(m, was) {
		return nil
	}
	return setModel(ctx, dst, m)
}

// modelsEqual reports whether every attribute of a equals that of b.
func modelsEqual[M any](a, b *M) bool {
	c, diags := modelCodecOf(reflect.TypeFor[M]())
	if diags.HasError() {
		return false
	}
	ra, rb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for _, f := range c.fields {
		va := ra.Field(f.index).Interface().(attr.Value)
		vb := rb.Field(f.index).Interface().(attr.Value)
		if !va.Equal(vb) {
			return false
		}
	}
	return true
}
