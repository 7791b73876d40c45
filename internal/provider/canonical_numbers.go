package provider

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
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
//
// Not fixable here: a fraction written out as the exact value of a binary float whose
// shortest decimal is shorter (2^-30 as 0.000000000931322574615478515625) fails every
// CLI's plan with "Provider produced invalid plan" (terraform_data's apply too): cty
// reads the configuration at 512 bits and the provider's answer at 53, and compares
// numbers by their shortest decimal. Answering such a number as text passes the plan
// but fails the apply ("inconsistent final plan"), as Terraform keeps the plan as
// msgpack, at 53 bits. Nor can it be refused at validate: the same float taken from
// another resource's attribute is at 53 bits in the configuration too, and works. The
// rotation_trigger descriptions ask for at most 15 significant digits, or a string.

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
