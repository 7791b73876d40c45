package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Numbers in a refreshed state, encoded as Terraform decodes them from the state file.
//
// Terraform before 1.15 (internal/states: ManagedResourcesEqual, sameManagedResources)
// decides whether a plan -refresh-only has anything to apply, and so its
// -detailed-exitcode, by comparing the refreshed state with the previous run's state
// with reflect.DeepEqual. Each resource instance object keeps the decoded cty.Value it
// was encoded from, and a cty number is a *big.Float: the previous run's is parsed from
// the state file's JSON (cty.ParseNumberVal: precision 512), the refreshed one is
// decoded from the provider's msgpack answer, where terraform-plugin-go encodes every
// integer as a msgpack int and every exact float64 as a float (cty.NumberIntVal,
// precision 64; cty.NumberFloatVal, precision 53). The same number, two structs:
// DeepEqual says the state changed, and the plan exits 2 while it prints "No changes".
// Any number in state does it, through any framework (a 40-line provider with one
// optional number or dynamic attribute shows it); in this provider the numbers are in
// rotation_trigger (1, or a list, map or object holding a number). Terraform 1.15
// compares the encoded bytes instead (hashicorp/terraform 659d5e2, "remove the use of
// reflect.DeepEqual for states"), and OpenTofu is not affected.
//
// The workaround: ReadResource answers its numbers as msgpack strings of their decimal
// text, a form cty's msgpack decoder accepts for a number and decodes with
// cty.ParseNumberVal, as the state file's JSON is decoded. The value is the same
// number, exactly: a number is rewritten only to a text that cty.ParseNumberVal (512
// bits) reads back as that very number (exactDecimal); only its encoding on the wire
// changes. The shortest decimal of a float at its own 53 bits is not enough: that of
// 2^-30 is 0.0000000009313225746154785, which is another number, and that of 2^70 ends
// in zeros. It is done only for the CLIs that need it, those that say they are Terraform
// before 1.15 (needsCanonicalNumbers; OpenTofu says its own version, so its releases
// before 1.15 get it too, which changes nothing there), and it can go when Terraform
// 1.15 is the oldest supported CLI.

// needsCanonicalNumbers says whether the CLI of version terraformVersion, as
// ConfigureProvider tells it ("1.11.4", "1.15.0-beta1"), compares states with
// reflect.DeepEqual: any version before 1.15, and one it cannot read (left empty by a
// test harness, say), since the rewrite is harmless where it is not needed.
func needsCanonicalNumbers(terraformVersion string) bool {
	parts := strings.SplitN(terraformVersion, ".", 3)
	if len(parts) < 2 {
		return true
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return true
	}
	return major < 1 || major == 1 && minor < 15
}

// canonicalNumbersInState rewrites the numbers of a ReadResource answer's new state.
func canonicalNumbersInState(resp *tfprotov6.ReadResourceResponse) {
	if resp == nil || resp.NewState == nil || len(resp.NewState.MsgPack) == 0 {
		return
	}
	if out, changed, err := canonicalNumbers(resp.NewState.MsgPack); err == nil && changed {
		resp.NewState.MsgPack = out
	}
}

// canonicalNumbers re-encodes a msgpack value with every int and finite float written
// as the string of its exact decimal value; changed is false (and out nil) when it
// holds no such number. Everything else is copied as it is.
func canonicalNumbers(raw []byte) (out []byte, changed bool, err error) {
	dec := msgpack.NewDecoder(bytes.NewReader(raw))
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	if err := copyCanonical(dec, enc, &changed, 0); err != nil {
		return nil, false, err
	}
	if _, err := dec.PeekCode(); err == nil {
		return nil, false, errors.New("trailing data after the msgpack value")
	}
	if !changed {
		return nil, false, nil
	}
	return buf.Bytes(), true, nil
}

// maxMsgpackDepth bounds the recursion; a state is far shallower.
const maxMsgpackDepth = 256

// copyCanonical copies one msgpack value from dec to enc, numbers as strings.
func copyCanonical(dec *msgpack.Decoder, enc *msgpack.Encoder, changed *bool, depth int) error {
	if depth > maxMsgpackDepth {
		return errors.New("msgpack value nested too deeply")
	}
	c, err := dec.PeekCode()
	if err != nil {
		return err
	}
	switch {
	case msgpcode.IsFixedNum(c) || (c >= msgpcode.Int8 && c <= msgpcode.Int64):
		n, err := dec.DecodeInt64()
		if err != nil {
			return err
		}
		*changed = true
		return enc.EncodeString(strconv.FormatInt(n, 10))
	case c >= msgpcode.Uint8 && c <= msgpcode.Uint64:
		n, err := dec.DecodeUint64()
		if err != nil {
			return err
		}
		*changed = true
		return enc.EncodeString(strconv.FormatUint(n, 10))
	case c == msgpcode.Float || c == msgpcode.Double:
		f, err := dec.DecodeFloat64()
		if err != nil {
			return err
		}
		text, exact := exactDecimal(f)
		if !exact {
			return enc.EncodeFloat64(f) // no decimal text (Inf, NaN): Terraform decodes it as a float
		}
		*changed = true
		return enc.EncodeString(text)
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := dec.DecodeArrayLen()
		if err != nil {
			return err
		}
		if err := enc.EncodeArrayLen(n); err != nil {
			return err
		}
		return copyCanonicalN(dec, enc, changed, depth, n)
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := dec.DecodeMapLen()
		if err != nil {
			return err
		}
		if err := enc.EncodeMapLen(n); err != nil {
			return err
		}
		return copyCanonicalN(dec, enc, changed, depth, 2*n)
	default: // nil, bool, string, bin, ext (an unknown value): as it is
		raw, err := dec.DecodeRaw()
		if err != nil {
			return err
		}
		return enc.Encode(raw)
	}
}

// exactDecimal is the decimal text of f that cty writes to the state file for f held
// at 512 bits, the precision cty.ParseNumberVal reads numbers with: the shortest that
// reads back as f at that precision (Text('f', -1)), which is f's exact value as long
// as that has at most about 150 digits. So it reads back as exactly f, and as the same
// *big.Float as the state file's text. (The shortest text at a float's own 53 bits does
// not: 0.0000000009313225746154785 for 2^-30 is another number at 512 bits.) ok is
// false for Inf and NaN, which have no decimal, and if the text does not read back as f.
func exactDecimal(f float64) (text string, ok bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	value := new(big.Float).SetPrec(512).SetFloat64(f)
	text = value.Text('f', -1)
	parsed, _, err := big.ParseFloat(text, 10, 512, big.ToNearestEven)
	if err != nil || parsed.Cmp(value) != 0 {
		return "", false
	}
	return text, true
}

// copyCanonicalN copies n consecutive values (array elements, or map keys and values).
func copyCanonicalN(dec *msgpack.Decoder, enc *msgpack.Encoder, changed *bool, depth, n int) error {
	for range n {
		if err := copyCanonical(dec, enc, changed, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// keptNumbers refuses, at validate, a number Terraform itself cannot keep through a plan
// and an apply: a fraction that is a float64 whose shortest decimal at 53 bits is
// another number than its exact value (2^-30 written out). Terraform sends it as a
// float (integers go as ints or as decimal text, other fractions as text), decodes such
// a number from the provider's answers at 53 bits and from the configuration at 512,
// and compares them by their shortest decimal, so they differ: "Provider produced
// invalid plan" at plan, or "inconsistent final plan" during apply, for any resource
// (its built-in terraform_data too, on Terraform 1.11 to 1.15 and OpenTofu 1.12). A
// number of at most 15 significant digits is always kept, and so is a string.
type keptNumbers struct{}

func (keptNumbers) Description(context.Context) string {
	return "numbers have at most 15 significant digits, or are exactly what Terraform keeps"
}

func (v keptNumbers) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (keptNumbers) ValidateDynamic(ctx context.Context, req validator.DynamicRequest, resp *validator.DynamicResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.IsUnderlyingValueUnknown() {
		return
	}
	raw, err := req.ConfigValue.ToTerraformValue(ctx)
	if err != nil {
		return
	}
	_ = tftypes.Walk(raw, func(at *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if text, ok := lostNumber(v); ok {
			where := req.Path.String() + valuePath(at)
			resp.Diagnostics.AddAttributeError(req.Path, "Number Terraform Cannot Keep",
				fmt.Sprintf("Write the number %s in %s as a string (\"%s\"), or with at most 15 significant digits: "+
					"Terraform reads it back as another number, %s, and would fail the plan with \"Provider produced "+
					"invalid plan\", whatever the provider.", text, where, text, shortestText(text)))
			return false, errors.New("stop at the first")
		}
		return true, nil
	})
}

// lostNumber reports a known number whose exact decimal (text) is not its shortest at 53
// bits: one that Terraform does not keep.
func lostNumber(v tftypes.Value) (text string, lost bool) {
	if !v.Type().Is(tftypes.Number) || !v.IsKnown() || v.IsNull() {
		return "", false
	}
	var n big.Float
	if err := v.As(&n); err != nil {
		return "", false
	}
	f, acc := n.Float64()
	if acc != big.Exact || n.IsInt() {
		return "", false // sent as its decimal text, or as an int: kept
	}
	text, ok := exactDecimal(f)
	return text, ok && shortestText(text) != text
}

// shortestText is the shortest decimal at 53 bits of the number whose exact text is
// text, as cty writes a number decoded from a float.
func shortestText(text string) string {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return text
	}
	return big.NewFloat(f).Text('f', -1)
}

// valuePath writes a path inside a value as an expression would: .name, ["key"], [0].
func valuePath(at *tftypes.AttributePath) string {
	var b strings.Builder
	for _, step := range at.Steps() {
		switch s := step.(type) {
		case tftypes.AttributeName:
			b.WriteString("." + string(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(s))
		default: // an element of a set has no key
			b.WriteString("[…]")
		}
	}
	return b.String()
}
