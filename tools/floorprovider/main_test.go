package main

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestKnown(t *testing.T) {
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"id":         schema.StringAttribute{Computed: true},
		"name":       schema.StringAttribute{Required: true},
		"created_at": schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}},
		"expired":    schema.BoolAttribute{Computed: true},
		"perms":      schema.SetAttribute{Computed: true, ElementType: types.StringType},
		"pp":         schema.MapAttribute{Computed: true, ElementType: types.SetType{ElemType: types.StringType}},
		"trigger":    schema.DynamicAttribute{Optional: true},
	}}
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id":         tftypes.String,
		"name":       tftypes.String,
		"created_at": tftypes.String,
		"expired":    tftypes.Bool,
		"perms":      tftypes.Set{ElementType: tftypes.String},
		"pp":         tftypes.Map{ElementType: tftypes.Set{ElementType: tftypes.String}},
		"trigger":    tftypes.DynamicPseudoType,
	}}
	unknown := func(t tftypes.Type) tftypes.Value { return tftypes.NewValue(t, tftypes.UnknownValue) }
	in := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":         unknown(tftypes.String),
		"name":       tftypes.NewValue(tftypes.String, "kept"),
		"created_at": unknown(tftypes.String),
		"expired":    unknown(tftypes.Bool),
		"perms":      unknown(tftypes.Set{ElementType: tftypes.String}),
		"pp":         unknown(tftypes.Map{ElementType: tftypes.Set{ElementType: tftypes.String}}),
		"trigger":    unknown(tftypes.DynamicPseudoType),
	})
	out := known(context.Background(), s, in)
	if !out.IsFullyKnown() {
		t.Fatalf("known left unknown values: %s", out)
	}
	want := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":         tftypes.NewValue(tftypes.String, placeholder),
		"name":       tftypes.NewValue(tftypes.String, "kept"),
		"created_at": tftypes.NewValue(tftypes.String, timestampPlaceholder),
		"expired":    tftypes.NewValue(tftypes.Bool, false),
		"perms":      tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{}),
		"pp":         tftypes.NewValue(tftypes.Map{ElementType: tftypes.Set{ElementType: tftypes.String}}, map[string]tftypes.Value{}),
		"trigger":    tftypes.NewValue(tftypes.DynamicPseudoType, nil),
	})
	if !out.Equal(want) {
		t.Fatalf("known = %s\nwant %s", out, want)
	}
}
