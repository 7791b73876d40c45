package provider

import (
	"bytes"
	"context"
	"math"
	"math/big"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
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

// Issue 24, defect 9: the rewrite must not change the number. Before the fix a float
// was written as its shortest decimal, which Terraform reads at 512 bits as another
// number: 2^-30 became 0.0000000009313225746154785, 2^70 became 1180591620717411300000.
// Each number here is answered as msgpack (a float, an int or a uint, as an encoder may
// write it) and must come back from cty's decoder as exactly the same number, deeply
// equal to the state file's reading of it.
func TestCanonicalNumbers_exact(t *testing.T) {
	type number struct {
		name   string
		encode func(*msgpack.Encoder) error
		exact  *big.Float
	}
	float := func(name string, f float64) number {
		return number{name, func(e *msgpack.Encoder) error { return e.EncodeFloat64(f) }, new(big.Float).SetFloat64(f)}
	}
	numbers := []number{
		float("2^-30", math.Ldexp(1, -30)),
		float("-2^-30", -math.Ldexp(1, -30)),
		float("2^-1074, the smallest float", math.Ldexp(1, -1074)),
		float("the float nearest 0.1", 0.1),
		float("1.5", 1.5),
		float("2^70 as a float", math.Ldexp(1, 70)),
		float("1e300 as a float", 1e300),
		float("2^53+2 as a float", math.Ldexp(1, 53)+2),
		{"the largest int64", func(e *msgpack.Encoder) error { return e.EncodeInt(math.MaxInt64) }, new(big.Float).SetInt64(math.MaxInt64)},
		{"the smallest int64", func(e *msgpack.Encoder) error { return e.EncodeInt(math.MinInt64) }, new(big.Float).SetInt64(math.MinInt64)},
		{"the largest uint64", func(e *msgpack.Encoder) error { return e.EncodeUint(math.MaxUint64) }, new(big.Float).SetUint64(math.MaxUint64)},
	}
	for _, n := range numbers {
		var buf bytes.Buffer
		if err := n.encode(msgpack.NewEncoder(&buf)); err != nil {
			t.Fatal(err)
		}
		out, changed, err := canonicalNumbers(buf.Bytes())
		if err != nil || !changed {
			t.Fatalf("%s: changed %v, err %v", n.name, changed, err)
		}
		refreshed, err := ctymsgpack.Unmarshal(out, cty.Number)
		if err != nil {
			t.Fatalf("%s: Terraform cannot decode the rewritten number: %v", n.name, err)
		}
		if got := refreshed.AsBigFloat(); got.Cmp(n.exact) != 0 {
			t.Errorf("%s: rewritten as %s, another number", n.name, got.Text('g', 40))
		}
		// The state file holds what Terraform decoded, at 512 bits, as JSON.
		stateJSON, err := ctyjson.Marshal(cty.NumberVal(new(big.Float).SetPrec(512).Set(n.exact)), cty.Number)
		if err != nil {
			t.Fatal(err)
		}
		previous, err := ctyjson.Unmarshal(stateJSON, cty.Number)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(previous, refreshed) {
			t.Errorf("%s: reflect.DeepEqual tells the refreshed number from the state file's (%s)", n.name, stateJSON)
		}
	}
	// Inf and NaN have no decimal: left as floats.
	for _, f := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		if _, ok := exactDecimal(f); ok {
			t.Errorf("%v has an exact decimal", f)
		}
	}
}

// Only the CLIs that compare states with reflect.DeepEqual get the rewrite: Terraform
// before 1.15, by the version ConfigureProvider tells, or an unknown one.
func TestCanonicalNumbers_onlyBefore115(t *testing.T) {
	for version, want := range map[string]bool{"1.11.4": true, "1.14.9": true, "0.15.5": true, "": true, "dev": true,
		"1.15.0": false, "1.15.9": false, "1.15.0-beta1": false, "1.16.0": false, "2.0.0": false} {
		if got := needsCanonicalNumbers(version); got != want {
			t.Errorf("needsCanonicalNumbers(%q) = %v, want %v", version, got, want)
		}
	}
	var buf bytes.Buffer
	if err := msgpack.NewEncoder(&buf).EncodeFloat64(0.25); err != nil {
		t.Fatal(err)
	}
	for version, rewritten := range map[string]bool{"1.11.4": true, "1.15.9": false} {
		s := &releasingServer{frameworkServer: readStub{state: buf.Bytes()}}
		if _, err := s.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: version}); err != nil {
			t.Fatal(err)
		}
		resp, err := s.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if got := !bytes.Equal(resp.NewState.MsgPack, buf.Bytes()); got != rewritten {
			t.Errorf("Terraform %s: numbers rewritten %v, want %v", version, got, rewritten)
		}
	}
}

// readStub answers ConfigureProvider, and ReadResource with state; nothing else.
type readStub struct {
	frameworkServer
	state []byte
}

func (readStub) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (s readStub) ReadResource(context.Context, *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: &tfprotov6.DynamicValue{MsgPack: bytes.Clone(s.state)}}, nil
}
