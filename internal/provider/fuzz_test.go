package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
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
	r := &serviceAccountTokenResource{data: &providerData{clock: emulator.NewManualClock(now)}}
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
		value, err := attr.CustomType.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, v))
		if err != nil {
			t.Fatal(err)
		}
		var resp xattr.ValidateAttributeResponse
		value.(xattr.ValidateableAttribute).ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root(name)}, &resp)
		for _, d := range resp.Diagnostics.Errors() {
			errs = append(errs, d.Summary()+": "+d.Detail())
		}
	}
	if in != "" && at != "" {
		errs = append(errs, "expires_in conflicts with expires_at") // stringvalidator.ConflictsWith
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
// instant a renewal asks for, or, for a fixed expires_at that has passed, an error that
// says so (never a renewal to it); the instant, as sent on the wire (RFC 3339, whole
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
		m := &serviceAccountTokenModel{ExpiresIn: durationNull(), ExpiresAt: timetypes.NewRFC3339Null()}
		if in != "" {
			m.ExpiresIn = durationOf(in)
		}
		if at != "" {
			m.ExpiresAt = timetypes.RFC3339{StringValue: types.StringValue(at)}
		}
		expiry, err := plannedExpiry(m, fuzzNow)
		if planErrs := tokenPlanTimeErrors(t, in, at, fuzzNow); len(planErrs) > 0 {
			if err != nil && err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		switch {
		case err != nil && in == "" && at != "":
			// A fixed instant that has passed is valid configuration (time never breaks a
			// configuration); ModifyPlan turns this error into a plan-time error only when
			// it plans a renewal. It must be refused for that reason alone.
			tm, perr := time.Parse(time.RFC3339, at)
			if perr != nil || wireTime(tm).After(fuzzNow) || !strings.Contains(err.Error(), "has passed") {
				t.Fatalf("expires_at %q passes the plan-time checks but plannedExpiry fails: %v", at, err)
			}
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
			d, _ := parseDuration(in)
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
