package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// TestAccServiceAccountList_queryStep runs plugin-testing's query steps over a few
// hand-made accounts, for what TestAccServiceAccountList_query (paging and limits)
// leaves out: ids given in upper case, the scope combined with name_prefix and
// token_expires_within, an empty result, the project's name in the display name, and
// tokens judged on the Console's clock (a year ahead of this machine's), one of them
// expired on it. The TestCase's version check skips it, with the reason, on a CLI
// without `terraform query`.
func TestAccServiceAccountList_queryStep(t *testing.T) {
	e := newAccEnv(t)
	e.needEmulator("advances the Console's clock past a token's expiry")
	// The Console's clock a year ahead of this machine's: expiry must be judged on
	// the Console's clock (a filter on the local time would find no token "within 7d").
	e.clock.Set(time.Now().UTC().Add(400 * 24 * time.Hour).Truncate(time.Second))
	now := e.clock.Now()
	in2d, in20d := now.Add(48*time.Hour), now.Add(20*24*time.Hour)
	ids := map[string]string{
		"qs-org-a":  handMade(t, e, "qs-org-a", "", &in2d),
		"qs-org-b":  handMade(t, e, "qs-org-b", "", nil),
		"other-org": handMade(t, e, "other-org", "", &in2d),
		"qs-shop-a": handMade(t, e, "qs-shop-a", e.ShopID, &in2d),
		"qs-shop-b": handMade(t, e, "qs-shop-b", e.ShopID, nil),
		"qs-data-a": handMade(t, e, "qs-data-a", e.DataID, &in20d),
	}
	const addr = "platformer_service_account."
	byID := func(name string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
			"organization_id": knownvalue.StringExact(e.OrgID), "id": knownvalue.StringExact(ids[name])})
	}
	display := func(block, name, want string) querycheck.QueryResultCheck {
		return querycheck.ExpectResourceDisplayName(addr+block, byID(name), knownvalue.StringExact(want))
	}
	up := strings.ToUpper
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{cliSupports(capListResources)},
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: e.config("")},
			{
				Query: true,
				Config: queryStepBlock("org", fmt.Sprintf("organization_id = %q", up(e.OrgID))) +
					queryStepBlock("orgprefix", `name_prefix = "qs-"`) +
					queryStepBlock("none", `name_prefix = "nope-"`) +
					queryStepBlock("shop", fmt.Sprintf("project_id = %q", up(e.ShopID))) +
					queryStepBlock("shopsoon", fmt.Sprintf("project_id = %q\n    token_expires_within = \"7d\"", e.ShopID)) +
					queryStepBlock("datasoon", fmt.Sprintf("project_id = %q\n    token_expires_within = \"7d\"", e.DataID)) +
					queryStepBlock("datalater", fmt.Sprintf("project_id = %q\n    token_expires_within = \"30d\"", e.DataID)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(addr+"org", 3), // the organization-level ones only
					querycheck.ExpectIdentity(addr+"org", map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(e.OrgID), "id": knownvalue.StringExact(ids["qs-org-a"])}),
					display("org", "qs-org-a", "qs-org-a (organization level)"),
					querycheck.ExpectLength(addr+"orgprefix", 2), // not other-org, nor the projects' qs- accounts
					display("orgprefix", "qs-org-b", "qs-org-b (organization level)"),
					querycheck.ExpectLength(addr+"none", 0),
					querycheck.ExpectLength(addr+"shop", 2),
					display("shop", "qs-shop-b", "qs-shop-b (project shop)"),
					querycheck.ExpectLength(addr+"shopsoon", 1),
					display("shopsoon", "qs-shop-a", "qs-shop-a (project shop, token expires "+in2d.UTC().Format(time.RFC3339)+")"),
					querycheck.ExpectLength(addr+"datasoon", 0),
					querycheck.ExpectLength(addr+"datalater", 1),
					display("datalater", "qs-data-a", "qs-data-a (project data, token expires "+in20d.UTC().Format(time.RFC3339)+")"),
				},
			},
			{
				// Three days on, on the Console's clock: the 2-day tokens have expired.
				PreConfig: func() { e.clock.Advance(72 * time.Hour) },
				Query:     true,
				Config:    queryStepBlock("expired", `token_expires_within = "1d"`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(addr+"expired", 2),
					display("expired", "qs-org-a", "qs-org-a (organization level, token expired "+in2d.UTC().Format(time.RFC3339)+")"),
					display("expired", "other-org", "other-org (organization level, token expired "+in2d.UTC().Format(time.RFC3339)+")"),
				},
			},
		},
	})
}

// queryStepBlock is a list block of a query step's configuration (.tfquery.hcl).
func queryStepBlock(name, config string) string {
	return fmt.Sprintf("list \"platformer_service_account\" %q {\n  provider = platformer\n  config {\n    %s\n  }\n}\n", name, config)
}
