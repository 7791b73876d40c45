package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

// The fuzz tests run their seed corpus as ordinary tests in `go test`; to search for
// new inputs, run for example
//
//	go test ./internal/provider -run '^$' -fuzz FuzzParseImportID -fuzztime 30s

const (
	fuzzOrg = "a1c3e000-0000-4000-8000-000000000001"
	fuzzID  = "9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a"
)

// fuzzNow is the clock reading the expiry fuzzers plan at: a whole second, as the
// acceptance tests' clock is.
var fuzzNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// FuzzParseImportID: any import id either parses into two UUIDs that are exactly what
// the id spelled (and the provider's organization when it names none), or is refused
// with a message that quotes it and says what is accepted. Never a panic, never a
// half-parsed result.
func FuzzParseImportID(f *testing.F) {
	for _, seed := range []string{
		"", " ", "/", "//", fuzzID, " " + fuzzID + " ", strings.ToUpper(fuzzID), fuzzOrg + "/" + fuzzID,
		fuzzOrg + "/" + fuzzID + "/", "/" + fuzzID, fuzzOrg + "/", "ci-deployer", fuzzOrg + "/ci", "a/b/c",
		fuzzOrg + "//" + fuzzID, fuzzOrg + "\t/" + fuzzID, fuzzID + "\n", "0b6f1c52-5a3e-4d7e-9c3a-6a1f0e2d7c0",
		"0b6f1c52x5a3e-4d7e-9c3a-6a1f0e2d7c01", "\x00", "é/ü", fuzzOrg + "/" + fuzzOrg,
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, raw string, providerHasOrg bool) {
		data := &providerData{}
		if providerHasOrg {
			data.organizationID = fuzzOrg
		}
		orgID, id, problem := parseImportID(raw, data)
		if problem != "" {
			if orgID != "" || id != "" {
				t.Fatalf("refused %q but returned %q, %q", raw, orgID, id)
			}
			if !strings.Contains(problem, fmt.Sprintf("%q", raw)) {
				t.Fatalf("the message does not quote the id %q: %s", raw, problem)
			}
			if !strings.Contains(problem, `Expected "<service_account_id>"`) {
				t.Fatalf("the message does not say what is accepted: %s", problem)
			}
			return
		}
		if !client.IsUUID(orgID) || !client.IsUUID(id) {
			t.Fatalf("accepted %q as %q, %q: not UUIDs", raw, orgID, id)
		}
		switch trimmed := strings.TrimSpace(raw); {
		case trimmed == id:
			if orgID != data.organizationID {
				t.Fatalf("%q names no organization, but %q was used instead of the provider's %q", raw, orgID, data.organizationID)
			}
		case trimmed != orgID+"/"+id:
			t.Fatalf("accepted %q as %q/%q, which is not what it spells", raw, orgID, id)
		}
		if _, _, again := parseImportID(orgID+"/"+id, nil); again != "" {
			t.Fatalf("the canonical form of an accepted id is refused: %s", again)
		}
	})
}

// validate runs a string validator on an attribute and returns its diagnostics' details.
func validate(v validator.String, attr, value string) (errs []string) {
	var resp validator.StringResponse
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root(attr), ConfigValue: types.StringValue(value)}, &resp)
	for _, d := range resp.Diagnostics {
		errs = append(errs, d.Summary()+": "+d.Detail())
	}
	return errs
}

// FuzzDurationValidator: a value is refused exactly when time.ParseDuration refuses it or
// it is not positive, and then with one error that names the attribute, quotes the value
// and says what is accepted.
func FuzzDurationValidator(f *testing.F) {
	for _, seed := range []string{
		"720h", "30m", "1h30m", "90s", "500ms", "1ns", "0", "0s", "-1h", "30d", "1w", "", " ", "1h ", "+5m", "1.5h",
		"9223372036854775807ns", "9223372036854775808ns", "2562047h", "2562048h", "1e3h", "h", ".h", "1..5h", "\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		errs := validate(durationValidator{}, "expires_in", value)
		d, err := time.ParseDuration(value)
		refuse := err != nil || d <= 0
		if refuse != (len(errs) > 0) {
			t.Fatalf("%q: refused=%v, but ParseDuration gives %v, %v", value, len(errs) > 0, d, err)
		}
		if !refuse {
			return
		}
		if len(errs) != 1 {
			t.Fatalf("%q: %d errors: %q", value, len(errs), errs)
		}
		if !strings.HasPrefix(errs[0], fmt.Sprintf("Invalid Duration: expires_in: %q is not", value)) ||
			!strings.Contains(errs[0], `"720h"`) {
			t.Fatalf("%q: the error does not name the attribute, quote the value and say what is accepted: %s", value, errs[0])
		}
	})
}

// FuzzTimestampValidator: a value is refused exactly when it is not RFC 3339, with an
// error that names the attribute, quotes the value and shows the accepted form.
func FuzzTimestampValidator(f *testing.F) {
	for _, seed := range []string{
		"2027-01-31T00:00:00Z", "2027-01-31T09:00:00+05:30", "2027-01-31T00:00:00.123456789Z", "2027-01-31",
		"2027-01-31 00:00:00Z", "2027-01-31T00:00:00", "2027-02-30T00:00:00Z", "2027-01-31T24:00:00Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2027-01-31t00:00:00z", "", "now", "\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		errs := validate(rfc3339Validator{}, "expires_at", value)
		_, err := time.Parse(time.RFC3339, value)
		if (err != nil) != (len(errs) > 0) {
			t.Fatalf("%q: refused=%v, but time.Parse gives %v", value, len(errs) > 0, err)
		}
		if err != nil && (len(errs) != 1 ||
			!strings.HasPrefix(errs[0], fmt.Sprintf("Invalid Timestamp: expires_at: %q is not an RFC 3339 timestamp", value)) ||
			!strings.Contains(errs[0], `"2027-01-31T00:00:00Z"`)) {
			t.Fatalf("%q: unexpected errors %q", value, errs)
		}
	})
}

// FuzzUUIDValidator: refused exactly when the client would refuse the id.
func FuzzUUIDValidator(f *testing.F) {
	for _, seed := range []string{fuzzID, strings.ToUpper(fuzzID), "", "acme", fuzzID + " ", "{" + fuzzID + "}",
		strings.ReplaceAll(fuzzID, "-", "")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		errs := validate(uuidValidator{}, "project_id", value)
		if client.IsUUID(value) == (len(errs) > 0) {
			t.Fatalf("%q: IsUUID=%v but errors %q", value, client.IsUUID(value), errs)
		}
		if len(errs) > 0 && !strings.Contains(errs[0], fmt.Sprintf("project_id: %q is not a UUID", value)) {
			t.Fatalf("%q: unexpected error %q", value, errs[0])
		}
	})
}

// wireTime is an expiry as the client sends it: RFC 3339 in UTC, whole seconds.
func wireTime(t time.Time) time.Time {
	p, err := time.Parse(time.RFC3339, t.UTC().Format(time.RFC3339))
	if err != nil {
		panic(err)
	}
	return p
}

// tokenPlanTimeErrors runs the checks Terraform runs at plan time on the expiry
// settings of platformer_service_account_token — the attributes' validators from the
// schema, then the resource's ValidateConfig — and returns their errors.
func tokenPlanTimeErrors(t *testing.T, in, at string, now time.Time) []string {
	ctx := context.Background()
	r := &serviceAccountTokenResource{clock: emulator.NewManualClock(now)}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	var errs []string
	values := map[string]tftypes.Value{}
	objType, ok := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the schema is not an object")
	}
	for name, typ := range objType.AttributeTypes {
		values[name] = tftypes.NewValue(typ, nil)
	}
	values["service_account_id"] = tftypes.NewValue(tftypes.String, fuzzID)
	for name, v := range map[string]string{"expires_in": in, "expires_at": at} {
		if v == "" {
			continue
		}
		values[name] = tftypes.NewValue(tftypes.String, v)
		attr, ok := sresp.Schema.Attributes[name].(rschema.StringAttribute)
		if !ok {
			t.Fatalf("%s is not a string attribute", name)
		}
		for _, val := range attr.Validators {
			errs = append(errs, validate(val, name, v)...)
		}
	}
	if len(errs) > 0 {
		return errs // Terraform stops at attribute errors before ValidateConfig
	}
	var vresp resource.ValidateConfigResponse
	r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{
		Schema: sresp.Schema, Raw: tftypes.NewValue(objType, values),
	}}, &vresp)
	for _, d := range vresp.Diagnostics.Errors() {
		errs = append(errs, d.Summary()+": "+d.Detail())
	}
	return errs
}

// FuzzPlannedExpiry: for every expiry setting that passes the plan-time checks (the
// attributes' validators and the resource's ValidateConfig), plannedExpiry gives the
// instant a renewal asks for, and that instant, as sent on the wire (RFC 3339, whole
// seconds), is in the future — otherwise the plan promises an apply that the Console
// refuses with a 400 ("expired_in: must be in the future"). A setting that fails them
// is an error, never a panic.
func FuzzPlannedExpiry(f *testing.F) {
	for _, seed := range []struct{ in, at string }{
		{"720h", ""}, {"1h", ""}, {"1s", ""}, {"1500ms", ""}, {"500ms", ""}, {"1ns", ""}, {"2562047h", ""},
		{"", "2027-01-31T00:00:00Z"}, {"", "2026-11-26T12:00:01Z"}, {"", "2026-11-26T12:00:00Z"},
		{"", "2026-11-26T12:00:00.5Z"}, {"", "2026-11-26T17:30:00.999+05:30"}, {"", "2026-11-26T11:59:59Z"},
		{"", "9999-12-31T23:59:59Z"}, {"", ""}, {"bad", ""}, {"", "bad"}, {"1h", "2027-01-31T00:00:00Z"},
	} {
		f.Add(seed.in, seed.at)
	}
	f.Fuzz(func(t *testing.T, in, at string) {
		m := &serviceAccountTokenModel{ExpiresIn: types.StringNull(), ExpiresAt: types.StringNull()}
		if in != "" {
			m.ExpiresIn = types.StringValue(in)
		}
		if at != "" {
			m.ExpiresAt = types.StringValue(at)
		}
		expiry, err := plannedExpiry(m, fuzzNow)
		if planErrs := tokenPlanTimeErrors(t, in, at, fuzzNow); len(planErrs) > 0 {
			if err != nil && err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		switch {
		case err != nil:
			t.Fatalf("expires_in %q, expires_at %q pass the plan-time checks but plannedExpiry fails: %v", in, at, err)
		case in == "" && at == "":
			if expiry != nil {
				t.Fatalf("no expiry configured, but plannedExpiry gives %v", expiry)
			}
		case expiry == nil:
			t.Fatalf("expires_in %q, expires_at %q: no expiry planned", in, at)
		case !wireTime(*expiry).After(fuzzNow):
			t.Fatalf("expires_in %q, expires_at %q pass the plan-time checks, but the renewal would ask the Console "+
				"for expired_in %s, which is not after now (%s): the Console refuses that with a 400",
				in, at, wireTime(*expiry).Format(time.RFC3339), fuzzNow.Format(time.RFC3339))
		case in != "":
			d, _ := time.ParseDuration(in)
			if want := fuzzNow.Add(d); expiry.Before(want.Add(-time.Second)) || expiry.After(want.Add(time.Second)) {
				t.Fatalf("expires_in %q: planned %v, want about %v", in, expiry, want)
			}
		default:
			tm, _ := time.Parse(time.RFC3339, at)
			if expiry.Before(tm.Add(-time.Second)) || expiry.After(tm.Add(time.Second)) {
				t.Fatalf("expires_at %q: planned %v", at, expiry)
			}
		}
	})
}
