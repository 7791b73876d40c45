package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// handMade makes a service account through the Console's API, as a person does in the
// Console, and returns its id.
func handMade(t *testing.T, e *accEnv, name, project string, expiresAt *time.Time) string {
	t.Helper()
	own := e.OrgID
	if project != "" {
		own = project
	}
	perm := "organization.viewer"
	if project != "" {
		perm = "rudder.app.viewer"
	}
	issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{
		Name: name, Description: "made by hand", ProjectID: project, ExpiresAt: expiresAt,
		Roles: []client.RoleBinding{{CollectionID: own, RoleIDs: []string{perm}}},
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return issued.ServiceAccount.ID
}

// listCalls is how many pages of accounts the Console served since the last reset.
func listCalls(e *accEnv) int {
	return e.em.Stats().Count(http.MethodGet, routeList)
}

// TestAccServiceAccountList_query runs terraform query over hand-made accounts: 114
// organization-level accounts (more than one page of the Console's listing) and two of
// project shop. It checks the filters (scope, name_prefix, token_expires_within), the
// display names and identities, include_resource, and that the query's limit is
// respected with one listing call per page of 100, not one per account.
func TestAccServiceAccountList_query(t *testing.T) {
	requireCLI(t, capListResources)
	e := newAccEnv(t)
	e.needEmulator("counts the Console's listing calls")
	now := e.clock.Now()
	in2d, in20d := now.Add(48*time.Hour), now.Add(20*24*time.Hour)
	ids := map[string]string{
		"q-ci-1":  handMade(t, e, "q-ci-1", "", &in2d),
		"q-ci-2":  handMade(t, e, "q-ci-2", "", &in20d),
		"q-ci-3":  handMade(t, e, "q-ci-3", "", nil),
		"shop-1":  handMade(t, e, "q-shop-1", e.ShopID, nil),
		"shop-2":  handMade(t, e, "q-shop-2", e.ShopID, &in2d),
		"nightly": handMade(t, e, "ci-nightly", "", &in2d),
	}
	audit, err := os.ReadFile(examplePath("list-resources", "platformer_service_account", "list-resource-audit.tfquery.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 110 {
		handMade(t, e, fmt.Sprintf("bulk-%03d", i), "", nil)
	}
	identity := func(name string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"organization_id": knownvalue.StringExact(e.OrgID), "id": knownvalue.StringExact(ids[name])}
	}
	byID := func(name string) queryfilter.QueryFilter { return queryfilter.ByResourceIdentity(identity(name)) }
	listBlock := func(name, extra, config string) string {
		return fmt.Sprintf("list \"platformer_service_account\" %q {\n  provider = platformer\n  %s\n  config {\n    %s\n  }\n}\n", name, extra, config)
	}
	checkCalls := func(want int) func() {
		return func() {
			if got := listCalls(e); got != want {
				t.Errorf("the previous query made %d listing calls, want %d", got, want)
			}
			e.em.ResetStats()
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: e.config("")},
			{
				PreConfig: e.em.ResetStats,
				Query:     true,
				Config:    listBlock("limited", "limit = 105", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("platformer_service_account.limited", 105),
				},
			},
			{
				PreConfig: checkCalls(2), // 105 of 116: two pages of 100
				Query:     true,
				Config:    listBlock("few", "limit = 3", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("platformer_service_account.few", 3),
				},
			},
			{
				PreConfig: checkCalls(1),
				Query:     true,
				Config: listBlock("all", "limit = 1000", "") +
					listBlock("prefix", "", `name_prefix = "q-ci-"`) +
					listBlock("shop", "", fmt.Sprintf("project_id = %q", strings.ToUpper(e.ShopID))) +
					listBlock("soon", "", `token_expires_within = "7d"`) +
					listBlock("resource", "include_resource = true", `name_prefix = "q-ci-2"`) +
					string(audit), // the list resource's example of an audit: "expiring"
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("platformer_service_account.all", 114), // the organization-level ones
					querycheck.ExpectLength("platformer_service_account.prefix", 3),
					querycheck.ExpectIdentity("platformer_service_account.prefix", identity("q-ci-1")),
					querycheck.ExpectIdentity("platformer_service_account.prefix", identity("q-ci-2")),
					querycheck.ExpectIdentity("platformer_service_account.prefix", identity("q-ci-3")),
					querycheck.ExpectResourceDisplayName("platformer_service_account.prefix", byID("q-ci-3"),
						knownvalue.StringExact("q-ci-3 (organization level)")),
					querycheck.ExpectLength("platformer_service_account.shop", 2),
					querycheck.ExpectIdentity("platformer_service_account.shop", identity("shop-1")),
					querycheck.ExpectResourceDisplayName("platformer_service_account.shop", byID("shop-1"),
						knownvalue.StringExact("q-shop-1 (project shop)")),
					querycheck.ExpectLength("platformer_service_account.soon", 2),
					querycheck.ExpectResourceDisplayName("platformer_service_account.soon", byID("q-ci-1"),
						knownvalue.StringExact("q-ci-1 (organization level, token expires "+in2d.UTC().Format(time.RFC3339)+")")),
					querycheck.ExpectLength("platformer_service_account.expiring", 1),
					querycheck.ExpectResourceDisplayName("platformer_service_account.expiring", byID("nightly"),
						knownvalue.StringExact("ci-nightly (organization level, token expires "+in2d.UTC().Format(time.RFC3339)+")")),
					querycheck.ExpectLength("platformer_service_account.resource", 1),
					querycheck.ExpectResourceKnownValues("platformer_service_account.resource", byID("q-ci-2"), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("q-ci-2")},
						{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("made by hand")},
						{Path: tfjsonpath.New("organization_id"), KnownValue: knownvalue.StringExact(e.OrgID)},
						{Path: tfjsonpath.New("level"), KnownValue: knownvalue.StringExact("organization")},
						{Path: tfjsonpath.New("permissions"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
							knownvalue.StringExact("organization.viewer")})},
					}),
				},
			},
		},
	})
}

// A project whose name holds " (" is shown whole in display names: "deployer (project
// shop (eu))". Before, the name was cut at its first " (", and such a project's
// accounts showed as "deployer (project shop)".
func TestServiceAccountList_projectNameWithParentheses(t *testing.T) {
	const org, project = "a1c3e000-0000-4000-8000-000000000001", "a1c3e000-0000-4000-8000-0000000000e1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"success":true,"data":[{"project_id":%q,"name":"shop (eu)","description":""}]}`, project)
	}))
	defer srv.Close()
	api, err := client.New(client.Config{BaseURL: srv.URL, Token: "test-token"})
	if err != nil {
		t.Fatal(err)
	}
	q := &accountQuery{api: api, scope: client.Scope{OrganizationID: org, ProjectID: project}}
	q.scopeName = q.scopeLabel(context.Background())
	if want := "project shop (eu) (" + project + ")"; q.scopeName != want {
		t.Errorf("scope %q, want %q", q.scopeName, want)
	}
	got := q.displayName(&client.ServiceAccount{Name: "deployer", OrganizationID: org, ProjectID: project}, time.Now())
	if want := "deployer (project shop (eu))"; got != want {
		t.Errorf("display name %q, want %q", got, want)
	}
}

// Issue 26, item 7: name_prefix = "" is refused when the query is validated, saying
// what is accepted. Before, it was taken as no filter and listed every account.
func TestAccServiceAccountList_emptyPrefixRefused(t *testing.T) {
	requireCLI(t, capListResources)
	e := newAccEnv(t)
	c := newCLIDir(e)
	c.write(e.config(""))
	query := "list \"platformer_service_account\" \"all\" {\n  provider = platformer\n  config {\n    name_prefix = \"\"\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(c.dir, "accounts.tfquery.hcl"), []byte(query), 0o600); err != nil {
		t.Fatal(err)
	}
	c.must("init")
	r := c.run("query", "-no-color")
	const want = `Error: Empty Name Prefix with list.platformer_service_account.all, on accounts.tfquery.hcl line 1, in list "platformer_service_account" "all": 1: list "platformer_service_account" "all" { name_prefix: "" matches every account name, so it would filter nothing. Set it to the start of the names to list, such as "ci-", or leave it out to list every account.`
	if r.code == 0 || !strings.Contains(flatOutput(r), want) {
		t.Fatalf("want %s\n%s", want, r)
	}
}
