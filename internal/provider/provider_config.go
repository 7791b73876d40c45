package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
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

	if cfg.APIURL.IsUnknown() || cfg.Token.IsUnknown() {
		data.unknown = "the provider's api_url or token is not known yet: it comes from a resource that has " +
			"not been applied. Apply that resource first (for example with -target), or move the resources that " +
			"use this provider to a later run."
	}
	if cfg.OrganizationID.IsUnknown() {
		data.organizationUnknown = true
	}
	data.organizationID = stringOrEnv(cfg.OrganizationID, envOrganizationID)
	if data.organizationID != "" && !client.IsUUID(data.organizationID) {
		diags.AddAttributeError(path.Root("organization_id"), "Invalid Organization ID",
			fmt.Sprintf("The organization id %q (from the provider block or %s) is not a UUID. "+
				"Expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.", data.organizationID, envOrganizationID))
	}

	timeout := defaultRequestTimeout
	if !cfg.RequestTimeout.IsNull() && !cfg.RequestTimeout.IsUnknown() {
		d, err := time.ParseDuration(cfg.RequestTimeout.ValueString())
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid Request Timeout",
				fmt.Sprintf("%q is not a positive Go duration. Use a value such as \"30s\" or \"2m\".", cfg.RequestTimeout.ValueString()))
		}
		timeout = d
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
	if msg := checkAPIURL(apiURL); msg != "" {
		diags.AddAttributeError(path.Root("api_url"), "Invalid API URL", msg)
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

// checkAPIURL explains what is wrong with an API URL, or returns "".
func checkAPIURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%q is not an absolute http(s) URL. Expected a base URL such as %q.", raw, defaultAPIURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Not echoed: credentials or a query may hold a secret.
		return fmt.Sprintf("The URL must be a plain base URL, without credentials, query or fragment. Expected a base "+
			"URL such as %q; the token goes in the token argument.", defaultAPIURL)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Sprintf("%q uses plain http to a host that is not this machine: the API token would travel "+
			"in clear text. Use https; plain http is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1).", raw)
	}
	return ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func userAgent(version, commit, terraformVersion string) string {
	tf := terraformVersion
	if tf == "" {
		tf = "unknown"
	}
	return fmt.Sprintf("terraform-provider-platformer/%s (+https://registry.terraform.io/providers/platformercloud/platformer; commit %s) Terraform/%s", version, commit, tf)
}
