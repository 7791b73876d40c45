package provider

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client              *client.Client
	cache               *accountCache
	token               string
	organizationID      string
	organizationUnknown bool
	unknown             string // why API calls are refused, when the configuration is not known yet
	unknownWhat         string // which arguments are not known yet: "token", "api_url", "api_url and token"
	clock               Clock
	managers            managerClaims // one manager per token and per account (token_managers.go)
	requestTimeout      time.Duration // request_timeout: how long a renewal's outcome is waited for (token_lifecycle.go)
	renewal             renewalTiming // how a renewal's unknown outcome is watched for; zero: the default
	reach               reachability  // what the token reaches, for planned moves (reach.go)
}

// providerDataFrom is the one helper that turns ProviderData into providerData for every
// resource and data source. It returns nil before the provider is configured.
func providerDataFrom(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", raw))
		return nil
	}
	return data
}

// api returns the configured client, or an error that says why there is none.
func (d *providerData) api() (*client.Client, error) {
	if d == nil {
		return nil, errors.New("the provider is not configured yet")
	}
	if d.unknown != "" {
		return nil, errors.New(d.unknown)
	}
	if d.client == nil {
		return nil, errors.New("the provider has no API client; see the provider configuration errors")
	}
	return d.client, nil
}

// apiOrDiag is api for CRUD methods and data sources: it records the refusal as a
// diagnostic. While the provider's configuration is not known (at plan time, its token
// from a resource created or renewed in this run), the one caller that can be fixed in
// the configuration is a data source read through it: the message says how.
func (d *providerData) apiOrDiag(diags *diag.Diagnostics) *client.Client {
	c, err := d.api()
	switch {
	case err != nil && d != nil && d.unknown != "":
		diags.AddError("Provider Configuration Not Known Until Apply", notKnownUntilApply(d.unknownWhat))
	case err != nil:
		diags.AddError("Platformer API Not Available", "Cannot call the Platformer Console: "+err.Error())
	}
	return c
}

// notKnownUntilApply is the detail of a data source read at plan time through a
// provider configuration whose arguments what ("token", ...) are not known yet. The
// provider is given the arguments' values, not the expressions they come from, so the
// resource to wait for is described, not named.
func notKnownUntilApply(what string) string {
	return fmt.Sprintf("This data source cannot be read at plan time: the %[1]s of its provider configuration "+
		"is not known until apply, because it comes from a resource that this run creates or renews. Add "+
		"depends_on = [<that resource>] to this data source, naming the resource that the provider block's %[1]s "+
		"refers to (such as platformer_service_account_rotating_token.ci), so that it is read after that "+
		"resource is applied.", what)
}

// unknownWhat names the provider arguments not known at plan time, for messages: ""
// when they are known.
func unknownWhat(apiURL, token bool) string {
	switch {
	case apiURL && token:
		return "api_url and token"
	case token:
		return "token"
	case apiURL:
		return "api_url"
	}
	return ""
}

// unknownConfigReason says why the provider's configuration is not known at plan time,
// for messages: "" when it is known.
func unknownConfigReason(apiURL, token bool) string {
	const renewed = "the token of a resource created or renewed in this run (a platformer_service_account_token " +
		"or platformer_service_account_rotating_token that is created, rotates or expires, or any other resource " +
		"whose attribute it takes), and the new value exists only once that resource is applied"
	switch {
	case apiURL && token:
		return "this provider configuration's api_url and token are not known at plan time: they come from " +
			"resources created or changed in this run; the token is " + renewed
	case token:
		return "this provider configuration's token is not known at plan time: it is " + renewed
	case apiURL:
		return "this provider configuration's api_url is not known at plan time: it comes from a resource " +
			"created or changed in this run, and is known only once that resource is applied"
	}
	return ""
}

// organizationFor is the one organization-defaulting rule, of every resource, data
// source, ephemeral resource, list and action: organization_id as configured when it is
// set (in the spelling of configured, which may be unknown at plan time); otherwise
// the provider's, unknown while the provider's is unknown (from a resource of this
// run); otherwise an error on organization_id, Missing Organization ID, saying where it
// can be set on this kind of object ("resource", "data source"...), and ok false.
// Before the provider is configured (d nil) there is nothing to default from: the
// configured value is returned as it is.
func (d *providerData) organizationFor(configured uuidValue, kind string, diags *diag.Diagnostics) (org uuidValue, ok bool) {
	switch {
	case !configured.IsNull() || d == nil:
		return configured, true
	case d.organizationUnknown:
		return uuidUnknown(), true
	case d.organizationID != "":
		return uuidOf(d.organizationID), true
	}
	missingOrganization(kind, diags)
	return configured, false
}

// planOrganization is organizationFor at plan time: it fills in planned, the plan's
// organization_id, when the configuration leaves it out; false when there is none
// (diagnosed).
func (d *providerData) planOrganization(planned *uuidValue, configured uuidValue, diags *diag.Diagnostics) bool {
	if !configured.IsNull() || d == nil {
		return true // as planned: the configured value, in the spelling the plan modifiers chose
	}
	org, ok := d.organizationFor(configured, "resource", diags)
	*planned = org
	return ok
}

// resolveOrganization is organizationFor when the organization must be known (a read,
// an action, a listing): the id in lower case, the Console's; "" when there is none
// (diagnosed). An organization not known yet counts as none.
func (d *providerData) resolveOrganization(configured uuidValue, kind string, diags *diag.Diagnostics) string {
	if configured.IsUnknown() || configured.ValueString() == "" {
		configured = uuidNull() // not set (or not known yet): the provider's
	}
	org, ok := d.organizationFor(configured, kind, diags)
	if ok && (org.IsNull() || org.IsUnknown()) {
		missingOrganization(kind, diags) // the provider is not configured, or its organization not known yet
		return ""
	}
	return org.Lower()
}

// missingOrganization is the error of organizationFor when there is no organization.
func missingOrganization(kind string, diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("organization_id"), "Missing Organization ID",
		"Set organization_id on this "+kind+", or in the provider block, or the "+envOrganizationID+
			" environment variable, to the organization's UUID.")
}

// skipRefresh reports whether a Read must keep the prior state because the provider's
// configuration is not known yet (its token comes from a resource created or renewed in
// this same run). It warns, so the kept state is not taken for a fresh read.
func (d *providerData) skipRefresh(what string, diags *diag.Diagnostics) bool {
	if d == nil || d.unknown == "" {
		return false
	}
	diags.AddWarning("Refresh Skipped: Provider Configuration Not Known Until Apply",
		fmt.Sprintf("%s was not refreshed in this plan and keeps its prior state, because %s. Nothing needs to "+
			"change in the configuration: this run changes it only as planned, and the next plan, with the token "+
			"known, refreshes it as usual.", what, d.unknown))
	return true
}
