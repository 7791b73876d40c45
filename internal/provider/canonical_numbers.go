package provider

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"strconv"

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
// number; only its encoding on the wire changes. It can go when Terraform 1.15 is the
// oldest supported CLI.

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
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return enc.EncodeFloat64(f) // no decimal text; Terraform decodes it as a float
		}
		*changed = true
		// As cty writes a float-decoded number to the state file (Text('f', -1)).
		return enc.EncodeString(new(big.Float).SetFloat64(f).Text('f', -1))
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

// copyCanonicalN copies n consecutive values (array elements, or map keys and values).
func copyCanonicalN(dec *msgpack.Decoder, enc *msgpack.Encoder, changed *bool, depth, n int) error {
	for range n {
		if err := copyCanonical(dec, enc, changed, depth+1); err != nil {
			return err
		}
	}
	return nil
}
