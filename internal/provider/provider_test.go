package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestAccProvider_configurationErrors(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	provider := func(args string) string {
		return `
terraform {
  required_providers {
    platformer = { source = "platformercloud/platformer" }
  }
}
provider "platformer" {
` + args + `
}
data "platformer_organization" "acme" { name = "acme" }
`
	}
	valid := fmt.Sprintf("api_url = %q\ntoken = %q\n", e.URL, e.Token)
	cases := []struct {
		name, args string
		want       *regexp.Regexp
	}{
		{"missing token", fmt.Sprintf("api_url = %q\ntoken = \"\"", e.URL),
			expectMessage(`Missing API Token`)},
		{"plain http to a remote host", `api_url = "http://api.platformer.example"` + "\n" + `token = "x"`,
			expectMessage(`the API URL "http://api.platformer.example" uses http: the token would travel in clear text; use https`)},
		{"malformed url", `api_url = "api.platformer.com"` + "\n" + `token = "x"`,
			expectMessage(`the API URL "api.platformer.com" has no scheme: add https://, "https://api.platformer.com"`)},
		{"organization id", valid + `organization_id = "acme"`,
			expectMessage(`organization_id: "acme" is not a UUID.`)},
		{"request timeout", valid + `request_timeout = "soon"`,
			expectMessage(`request_timeout: "soon" is not a duration.`)},
		{"negative retries", valid + `max_retries = -1`,
			expectMessage(`Attribute max_retries value must be between 0 and 20, got: -1`)},
		{"wrong token", fmt.Sprintf("api_url = %q\ntoken = \"not-a-real-token\"", e.URL),
			regexp.MustCompile(`(?s)Authentication Failed.*401\s+Unauthorized: unknown token`)},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: provider(tc.args), ExpectError: tc.want})
	}
	steps = append(steps, resource.TestStep{Config: provider(valid)})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: e.factories(), Steps: steps})
}

// A token unknown at plan time is accepted; a call made while it is unknown fails and says why.
func TestAccProvider_unknownToken(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.config(fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %q
}

provider "platformer" {
  alias   = "late"
  api_url = %q
  token   = terraform_data.token.output
}

data "platformer_organization" "late" {
  provider = platformer.late
  name     = "acme"
}
`, e.Token, e.URL)),
			ExpectError: expectMessage(`This data source cannot be read at plan time: the token of its provider configuration is not known until apply`),
		}},
	})
}
