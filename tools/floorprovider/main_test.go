package main

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestKnown(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id":      tftypes.String,
		"name":    tftypes.String,
		"expired": tftypes.Bool,
		"perms":   tftypes.Set{ElementType: tftypes.String},
		"pp":      tftypes.Map{ElementType: tftypes.Set{ElementType: tftypes.String}},
		"trigger": tftypes.DynamicPseudoType,
	}}
	unknown := func(t tftypes.Type) tftypes.Value { return tftypes.NewValue(t, tftypes.UnknownValue) }
	in := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":      unknown(tftypes.String),
		"name":    tftypes.NewValue(tftypes.String, "kept"),
		"expired": unknown(tftypes.Bool),
		"perms":   unknown(tftypes.Set{ElementType: tftypes.String}),
		"pp":      unknown(tftypes.Map{ElementType: tftypes.Set{ElementType: tftypes.String}}),
		"trigger": unknown(tftypes.DynamicPseudoType),
	})
	out := known(in)
	if !out.IsFullyKnown() {
		t.Fatalf("known left unknown values: %s", out)
	}
	want := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":      tftypes.NewValue(tftypes.String, placeholder),
		"name":    tftypes.NewValue(tftypes.String, "kept"),
		"expired": tftypes.NewValue(tftypes.Bool, false),
		"perms":   tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{}),
		"pp":      tftypes.NewValue(tftypes.Map{ElementType: tftypes.Set{ElementType: tftypes.String}}, map[string]tftypes.Value{}),
		"trigger": tftypes.NewValue(tftypes.DynamicPseudoType, nil),
	})
	if !out.Equal(want) {
		t.Fatalf("known = %s\nwant %s", out, want)
	}
}
