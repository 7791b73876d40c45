package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// uuidValidator accepts a canonical UUID such as 0b6f1c52-5a3e-4d7e-9c3a-6a1f0e2d7c01.
type uuidValidator struct{}

func (uuidValidator) Description(context.Context) string {
	return "value must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
}

func (v uuidValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (uuidValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if s := req.ConfigValue.ValueString(); !client.IsUUID(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid UUID",
			fmt.Sprintf("%s: %q is not a UUID. Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits).", req.Path, s))
	}
}

// durationValidator accepts a positive Go duration such as "720h" or "90m".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return `value must be a positive duration such as "720h", "30m" or "1h30m"`
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s: %q is not a duration. Use a number with a unit: h, m or s, for example \"720h\", \"30m\" or \"1h30m\" (days are written in hours: 30 days = \"720h\").", req.Path, s))
	case d <= 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s: %q is not positive. Use a duration greater than zero, such as \"720h\".", req.Path, s))
	}
}

// rfc3339Validator accepts an RFC 3339 timestamp such as "2027-01-31T00:00:00Z".
type rfc3339Validator struct{}

func (rfc3339Validator) Description(context.Context) string {
	return `value must be an RFC 3339 timestamp such as "2027-01-31T00:00:00Z"`
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timestamp",
			fmt.Sprintf("%s: %q is not an RFC 3339 timestamp. Use the form \"2027-01-31T00:00:00Z\" (or with an offset, \"2027-01-31T09:00:00+05:30\").", req.Path, s))
	}
}
