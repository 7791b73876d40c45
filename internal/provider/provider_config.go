package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

const (
	envAPIURL         = "PLATFORMER_API_URL"
	envToken          = "PLATFORMER_TOKEN"
	envOrganizationID = "PLATFORMER_ORGANIZATION_ID"

	defaultAPIURL         = client.DefaultBaseURL
	defaultMaxRetries     = 4
	defaultRequestTimeout = 60 * time.Second
)

// configure turns the provider block (and the environment) into the data every
// resource and data source receives. Values still unknown at plan time are accepted:
// the result then refuses API calls with a message that says why.
func (p *platformerProvider) configure(ctx context.Context, cfg providerModel, terraformVersion string, diags *diag.Diagnostics) *providerData {
	data := &providerData{clock: p.clock}

	data.unknown = unknownConfigReason(cfg.APIURL.IsUnknown(), cfg.Token.IsUnknown())
	data.unknownWhat = unknownWhat(cfg.APIURL.IsUnknown(), cfg.Token.IsUnknown())
	if cfg.OrganizationID.IsUnknown() {
		data.organizationUnknown = true
	}
	data.organizationID = stringOrEnv(cfg.OrganizationID.StringValue, envOrganizationID)
	if data.organizationID != "" && !client.IsUUID(data.organizationID) {
		diags.AddAttributeError(path.Root("organization_id"), "Invalid Organization ID",
			fmt.Sprintf("The organization id %q (from the provider block or %s) is not a UUID. "+
				"Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.", data.organizationID, envOrganizationID))
	}
	// In any case; used in lower case, the Console's, so that what resources plan matches what it answers.
	data.organizationID = strings.ToLower(data.organizationID)

	timeout := defaultRequestTimeout
	if !cfg.RequestTimeout.IsNull() && !cfg.RequestTimeout.IsUnknown() {
		timeout = cfg.RequestTimeout.Duration() // checked by its type
	}
	retries := int64(defaultMaxRetries)
	if !cfg.MaxRetries.IsNull() && !cfg.MaxRetries.IsUnknown() {
		retries = cfg.MaxRetries.ValueInt64()
	}
	rps := 0.0
	if !cfg.RequestsPerSecond.IsNull() && !cfg.RequestsPerSecond.IsUnknown() {
		rps = cfg.RequestsPerSecond.ValueFloat64()
	}
	if data.unknown != "" || diags.HasError() {
		return data
	}

	apiURL := stringOrEnv(cfg.APIURL, envAPIURL)
	if apiURL == "" {
		apiURL = defaultAPIURL
	}
	if _, err := client.ParseBaseURL(apiURL); err != nil {
		diags.AddAttributeError(path.Root("api_url"), "Invalid API URL",
			fmt.Sprintf("api_url (from the provider block or %s): %s.", envAPIURL, err))
	}
	token := stringOrEnv(cfg.Token, envToken)
	if strings.TrimSpace(token) == "" {
		diags.AddAttributeError(path.Root("token"), "Missing API Token",
			fmt.Sprintf("The provider needs an API token to call the Platformer Console. Set the token argument of "+
				"the provider block, or the %s environment variable, to a user's or a service account's token.", envToken))
	}
	if diags.HasError() {
		return data
	}

	c, err := client.New(client.Config{
		BaseURL:           apiURL,
		Token:             token,
		UserAgent:         userAgent(p.version, p.commit, terraformVersion),
		MaxRetries:        int(retries),
		RequestTimeout:    timeout,
		RequestsPerSecond: rps,
		Logger:            newTFLogger(token),
	})
	if err != nil {
		diags.AddError("Cannot Configure the Platformer Client", err.Error())
		return data
	}
	data.client = c
	data.token = token
	data.requestTimeout = timeout
	data.cache = newAccountCache(c)
	tflogDebug(ctx, "configured the Platformer client", map[string]any{"api_url": apiURL, "max_retries": retries})
	return data
}

// stringOrEnv returns the configured value, else the environment variable.
func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func userAgent(version, commit, terraformVersion string) string {
	tf := terraformVersion
	if tf == "" {
		tf = "unknown"
	}
	return fmt.Sprintf("terraform-provider-platformer/%s (+https://registry.terraform.io/providers/platformercloud/platformer; commit %s) Terraform/%s", version, commit, tf)
}
