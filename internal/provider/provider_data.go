package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

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
	clock               Clock
	managers            tokenManagers // one manager per token (token_managers.go)
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

// apiOrDiag is api for CRUD methods: it records the refusal as a diagnostic.
func (d *providerData) apiOrDiag(diags *diag.Diagnostics) *client.Client {
	c, err := d.api()
	if err != nil {
		diags.AddError("Platformer API Not Available", "Cannot call the Platformer Console: "+err.Error())
	}
	return c
}

// resolveOrganization returns the organization a resource or data source works in:
// its own organization_id when set, otherwise the provider's.
// The id is returned in lower case, the Console's.
func (d *providerData) resolveOrganization(v basetypes.StringValuable, diags *diag.Diagnostics) string {
	if !v.IsNull() && !v.IsUnknown() {
		if s, _ := v.ToStringValue(context.Background()); s.ValueString() != "" {
			return strings.ToLower(s.ValueString())
		}
	}
	if d != nil && d.organizationID != "" {
		return d.organizationID
	}
	diags.AddAttributeError(path.Root("organization_id"), "Missing Organization ID",
		"No organization is set for this object. Set organization_id here, or in the provider block, "+
			"or the "+envOrganizationID+" environment variable, to the organization's UUID.")
	return ""
}

// skipRefresh reports whether a Read must keep the prior state because the provider's
// configuration is not known yet (its token comes from a resource changed in this
// same plan). It warns, so the kept state is not taken for a fresh read.
func (d *providerData) skipRefresh(what string, diags *diag.Diagnostics) bool {
	if d == nil || d.unknown == "" {
		return false
	}
	diags.AddWarning("Refresh Skipped: Provider Configuration Not Known Yet",
		fmt.Sprintf("%s was not refreshed and keeps its prior state, because %s", what, d.unknown))
	return true
}
