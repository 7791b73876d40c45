package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestDurationType: what every duration attribute accepts and refuses, and the message,
// through the type's own validation (as Terraform runs it).
func TestDurationType(t *testing.T) {
	t.Parallel()
	const hint = `Use a number with a unit: d, h, m or s, for example "30d", "720h", "1d12h" or "90m".`
	for value, want := range map[string]any{
		"720h": 720 * time.Hour, "30d": 720 * time.Hour, "43200m": 720 * time.Hour, "1d12h": 36 * time.Hour,
		"1.5d": 36 * time.Hour, "1.5h": 90 * time.Minute, "1h30m": 90 * time.Minute, "90s": 90 * time.Second,
		"+5m": 5 * time.Minute, "1s": time.Second, "2562047h": 2562047 * time.Hour, "106751d": 106751 * 24 * time.Hour,
		"0.5m": 30 * time.Second,

		"500ms":    `expires_in: "500ms" uses "ms": units below a second are not accepted, since the Console keeps times to the second. ` + hint,
		"1ns":      `expires_in: "1ns" uses "ns": units below a second are not accepted`,
		"1h1us":    `expires_in: "1h1us" uses "us": units below a second are not accepted`,
		"1000ms":   `expires_in: "1000ms" uses "ms": units below a second are not accepted`,
		"0.5s":     `expires_in: "0.5s" is not a whole number of seconds: units below a second are not accepted`,
		"1.0001m":  `expires_in: "1.0001m" is not a whole number of seconds`,
		"0":        `expires_in: "0" is not positive. Use a duration greater than zero, such as "720h".`,
		"0s":       `expires_in: "0s" is not positive.`,
		"0d":       `expires_in: "0d" is not positive.`,
		"-1h":      `expires_in: "-1h" is not positive.`,
		"":         `expires_in: "" is not a duration. ` + hint,
		" ":        `expires_in: " " is not a duration.`,
		"1h ":      `expires_in: "1h " is not a duration: unknown unit "h ".`,
		"30":       `expires_in: "30" is not a duration. ` + hint,
		"1w":       `expires_in: "1w" is not a duration: unknown unit "w". ` + hint,
		"h":        `expires_in: "h" is not a duration.`,
		".h":       `expires_in: ".h" is not a duration.`,
		"1..5h":    `expires_in: "1..5h" is not a duration.`,
		"1e3h":     `expires_in: "1e3h" is not a duration: unknown unit "e".`,
		"d":        `expires_in: "d" is not a duration.`,
		"\x00":     `expires_in: "\x00" is not a duration`,
		"2562048h": `expires_in: "2562048h" is too long`,
		"106752d":  `expires_in: "106752d" is too long`,
	} {
		var resp xattr.ValidateAttributeResponse
		durationOf(value).ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("expires_in")}, &resp)
		got, err := parseDuration(value)
		switch want := want.(type) {
		case time.Duration:
			if resp.Diagnostics.HasError() || err != nil || got != want || durationOf(value).Duration() != want {
				t.Errorf("%q: got %v, %v, %v; want %v", value, got, err, resp.Diagnostics, want)
			}
		case string:
			if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != "Invalid Duration" ||
				!strings.HasPrefix(resp.Diagnostics[0].Detail(), want) || err == nil || durationOf(value).Duration() != 0 {
				t.Errorf("%q: got %v, %v; want one \"Invalid Duration\" error starting %q", value, err, resp.Diagnostics, want)
			}
		}
	}
}

// FuzzParseDuration checks parseDuration against an independent oracle, the standard
// library: on inputs written with h, m and s only, it accepts exactly what
// time.ParseDuration accepts as a positive whole number of seconds, with the same value;
// and whatever it accepts reads back the same from Go's own rendering.
func FuzzParseDuration(f *testing.F) {
	for _, seed := range []string{"720h", "30d", "1d12h", "1.5h", "90s", "500ms", "0.5s", "-1h", "0", "", "1w",
		"2562048h", "1e3h", "+5m", "9223372036s", "1.0000000001s"} {
		f.Add(seed)
	}
	goSubset := regexp.MustCompile(`^[+-]?([0-9.]+[hms])+$`)
	f.Fuzz(func(t *testing.T, value string) {
		got, err := parseDuration(value)
		if err == nil {
			if got <= 0 || got%time.Second != 0 {
				t.Fatalf("%q: accepted as %v", value, got)
			}
			if again, err := parseDuration(got.String()); err != nil || again != got {
				t.Fatalf("%q = %v, but %q gives %v, %v", value, got, got.String(), again, err)
			}
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", value)) {
			t.Fatalf("%q: the error does not quote the value: %v", value, err)
		}
		if !goSubset.MatchString(value) {
			return
		}
		want, goErr := time.ParseDuration(value)
		accept := goErr == nil && want > 0 && want%time.Second == 0
		if accept != (err == nil) || (accept && got != want) {
			t.Fatalf("%q: parseDuration %v, %v; time.ParseDuration %v, %v", value, got, err, want, goErr)
		}
	})
}

// TestDurationSemanticEquality: the same length written another way is equal.
func TestDurationSemanticEquality(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b durationValue
		want bool
	}{
		{durationOf("720h"), durationOf("30d"), true},
		{durationOf("30d"), durationOf("43200m"), true},
		{durationOf("1d12h"), durationOf("36h"), true},
		{durationOf("720h"), durationOf("721h"), false},
		{durationOf("bad"), durationOf("bad"), true},
		{durationOf("bad"), durationOf("720h"), false},
		{durationNull(), durationOf("720h"), false},
		{durationNull(), durationNull(), true},
		{durationValue{StringValue: types.StringUnknown()}, durationOf("720h"), false},
	} {
		got, diags := c.a.StringSemanticEquals(context.Background(), c.b)
		if got != c.want || diags.HasError() || durationsEqual(c.a, c.b) != c.want {
			t.Errorf("%s == %s: got %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestTimestampValidation: what expires_at accepts (RFC 3339, by timetypes.RFC3339).
func TestTimestampValidation(t *testing.T) {
	t.Parallel()
	for value, valid := range map[string]bool{
		"2027-01-31T00:00:00Z": true, "2027-01-31T09:00:00+05:30": true, "2027-01-31T00:00:00.123456789Z": true,
		"0000-01-01T00:00:00Z": true, "9999-12-31T23:59:59Z": true,
		"2027-01-31": false, "2027-01-31 00:00:00Z": false, "2027-01-31T00:00:00": false, "2027-02-30T00:00:00Z": false,
		"2027-01-31T24:00:00Z": false, "": false, "now": false, "\x00": false, "31/01/2027": false,
	} {
		var resp xattr.ValidateAttributeResponse
		timetypes.RFC3339{StringValue: types.StringValue(value)}.ValidateAttribute(context.Background(),
			xattr.ValidateAttributeRequest{Path: path.Root("expires_at")}, &resp)
		if resp.Diagnostics.HasError() == valid {
			t.Errorf("%q: valid=%v, but diagnostics %v", value, valid, resp.Diagnostics)
		}
		if !valid && (len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Detail(), "Given Value: "+value)) {
			t.Errorf("%q: the error does not quote the value: %v", value, resp.Diagnostics)
		}
	}
}

// Durations are compared by value through the real CLI: changing expires_in from "720h"
// to "30d" to "43200m" (and renew_before from "168h" to "7d") plans nothing and keeps
// the token; days are accepted; a unit below a second is refused at plan time.
func TestAccDurations_daysAndEqualValues(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	config := func(expiresIn, renewBefore string) string {
		return e.tokenConfig(e.uniqueName("durations"), fmt.Sprintf("expires_in = %q\n  renew_before = %q", expiresIn, renewBefore))
	}
	var first, now string
	same := func(step string) resource.TestCheckFunc {
		return resource.ComposeTestCheckFunc(captureAttr(tokenAddr, "token", &now), func(*terraform.State) error {
			if now != first {
				return fmt.Errorf("%s: the token changed", step)
			}
			return nil
		})
	}
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	kept := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_in"), knownvalue.StringExact("720h")),
		statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("168h")),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: config("720h", "168h"), Check: captureAttr(tokenAddr, "token", &first)},
			{Config: config("30d", "7d"), ConfigPlanChecks: empty, ConfigStateChecks: kept, Check: same("30d")},
			{Config: config("43200m", "6d24h"), ConfigPlanChecks: empty, ConfigStateChecks: kept, Check: same("43200m")},
			{RefreshState: true},
		},
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:      config("500ms", "168h"),
			PlanOnly:    true,
			ExpectError: expectMessage(`expires_in: "500ms" uses "ms": units below a second are not accepted, since the Console keeps times to the second. Use a number with a unit: d, h, m or s, for example "30d", "720h", "1d12h" or "90m".`),
		}},
	})
}

// A new token with expires_in in days gets an expiry that many days ahead.
func TestAccDurations_daysOnCreate(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.tokenConfig(e.uniqueName("days"), `expires_in = "30d"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_in"), knownvalue.StringExact("30d")),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"),
					markedExpiryOf(e.clock.Now().Add(30*24*time.Hour))),
			},
		}},
	})
}
