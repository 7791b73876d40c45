package provider

import (
	"math/big"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"
)

// The comparison Terraform before 1.15 makes after a refresh (canonical_numbers.go):
// the previous run's value, decoded from the state file's JSON, against the refreshed
// one, decoded from the provider's msgpack, with reflect.DeepEqual. With the numbers
// re-encoded the two are deeply equal, and the value is the same.
func TestCanonicalNumbers_decodeAsTheStateFile(t *testing.T) {
	huge, _, _ := big.ParseFloat("1180591620717411303424", 10, 512, big.ToNearestEven) // 2^70
	tenth, _, _ := big.ParseFloat("0.1", 10, 512, big.ToNearestEven)
	for name, v := range map[string]tftypes.Value{
		"int":      tftypes.NewValue(tftypes.Number, big.NewFloat(1)),
		"negative": tftypes.NewValue(tftypes.Number, big.NewFloat(-42)),
		"float":    tftypes.NewValue(tftypes.Number, big.NewFloat(0.25)),
		"tenth":    tftypes.NewValue(tftypes.Number, tenth),
		"huge":     tftypes.NewValue(tftypes.Number, huge),
		"list": tftypes.NewValue(tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.Number, tftypes.String, tftypes.Bool}},
			[]tftypes.Value{tftypes.NewValue(tftypes.Number, big.NewFloat(7)), tftypes.NewValue(tftypes.String, "7"),
				tftypes.NewValue(tftypes.Bool, true)}),
		"object": tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"n": tftypes.Number, "m": tftypes.Map{ElementType: tftypes.Number}}},
			map[string]tftypes.Value{"n": tftypes.NewValue(tftypes.Number, big.NewFloat(1.5)),
				"m": tftypes.NewValue(tftypes.Map{ElementType: tftypes.Number}, map[string]tftypes.Value{
					"a": tftypes.NewValue(tftypes.Number, big.NewFloat(3))})}),
	} {
		t.Run(name, func(t *testing.T) {
			ty := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String, "trigger": tftypes.DynamicPseudoType}}
			obj := tftypes.NewValue(ty, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "x"), "trigger": v})
			dv, err := tfprotov6.NewDynamicValue(ty, obj)
			if err != nil {
				t.Fatal(err)
			}
			ctyType := cty.Object(map[string]cty.Type{"id": cty.String, "trigger": cty.DynamicPseudoType})
			answered, err := ctymsgpack.Unmarshal(dv.MsgPack, ctyType)
			if err != nil {
				t.Fatal(err)
			}
			stateJSON, err := ctyjson.Marshal(answered, ctyType)
			if err != nil {
				t.Fatal(err)
			}
			previous, err := ctyjson.Unmarshal(stateJSON, ctyType)
			if err != nil {
				t.Fatal(err)
			}

			resp := &tfprotov6.ReadResourceResponse{NewState: &dv}
			canonicalNumbersInState(resp)
			refreshed, err := ctymsgpack.Unmarshal(resp.NewState.MsgPack, ctyType)
			if err != nil {
				t.Fatalf("Terraform cannot decode the re-encoded state: %v", err)
			}
			if !refreshed.RawEquals(answered) {
				t.Errorf("the value changed: %#v, was %#v", refreshed, answered)
			}
			if !reflect.DeepEqual(previous, refreshed) {
				t.Errorf("reflect.DeepEqual tells the refreshed value from the state file's (%s)", stateJSON)
			}
			back, err := resp.NewState.Unmarshal(ty)
			if err != nil || !back.Equal(obj) {
				t.Errorf("the provider's own decoding changed: %v (%v)", back, err)
			}
		})
	}
}

// Without a number the answer is left as it is, byte for byte; a string that looks
// like a number stays a string.
func TestCanonicalNumbers_noNumbers(t *testing.T) {
	ty := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"s": tftypes.String, "b": tftypes.Bool, "n": tftypes.Number,
		"l": tftypes.List{ElementType: tftypes.String}}}
	obj := tftypes.NewValue(ty, map[string]tftypes.Value{
		"s": tftypes.NewValue(tftypes.String, "1"), "b": tftypes.NewValue(tftypes.Bool, false),
		"n": tftypes.NewValue(tftypes.Number, nil),
		"l": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "2")}),
	})
	dv, err := tfprotov6.NewDynamicValue(ty, obj)
	if err != nil {
		t.Fatal(err)
	}
	was := string(dv.MsgPack)
	resp := &tfprotov6.ReadResourceResponse{NewState: &dv}
	canonicalNumbersInState(resp)
	if string(resp.NewState.MsgPack) != was {
		t.Error("an answer without numbers was re-encoded")
	}
	if _, changed, err := canonicalNumbers([]byte{0x91}); err == nil || changed {
		t.Errorf("a truncated value: changed %v, err %v; want an error", changed, err)
	}
	canonicalNumbersInState(nil)
	canonicalNumbersInState(&tfprotov6.ReadResourceResponse{})
}
