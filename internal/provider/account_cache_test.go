package provider

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// A refresh of N accounts and N tokens costs one listing per 100 accounts, not 2N GETs.
func TestAccAccountCache_refreshUsesListing(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its request counters")
	const n = 30
	cfg := e.config(fmt.Sprintf(`
resource "platformer_service_account" "fleet" {
  count       = %d
  name        = "fleet-${count.index}"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "fleet" {
  count              = %[1]d
  service_account_id = platformer_service_account.fleet[count.index].id
}
`, n))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() { e.em.ResetStats() },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: func(*terraform.State) error {
					st := e.em.Stats()
					lists, gets := st.Count(http.MethodGet, routeList), st.Count(http.MethodGet, routeAccount)
					logOnFailure(t, "refresh of %d accounts + %d tokens: %d listing calls, %d GETs, %d calls in all", n, n, lists, gets, st.Total)
					// One plan with refresh before apply and one after (plugin-testing), each a
					// provider process of its own: one listing each, never a GET per resource.
					if gets != 0 || lists > 2 {
						return fmt.Errorf("expected at most 2 listings and no GETs, got %d listings and %d GETs", lists, gets)
					}
					return nil
				},
			},
		},
	})
}

// The cache's rules, against an emulator: writes made while a listing is in flight are
// not served from it, Forget drops an entry, and an account missing from the listing is
// confirmed with a direct GET (a 404 then, not a stale hit).
func TestAccountCache_rules(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its request counters")
	ctx := context.Background()
	api := e.client()
	scope := client.Scope{OrganizationID: e.OrgID}
	created, err := api.CreateServiceAccount(ctx, e.OrgID, client.CreateServiceAccountInput{Name: "cached"})
	if err != nil {
		t.Fatal(err)
	}
	id := created.ServiceAccount.ID
	cache := newAccountCache(api)

	// First read lists; the second is served from the listing.
	e.em.ResetStats()
	for range 2 {
		if sa, err := cache.Get(ctx, scope, id); err != nil || sa.Name != "cached" {
			t.Fatalf("Get: %v, %+v", err, sa)
		}
	}
	if st := e.em.Stats(); st.Count(http.MethodGet, routeList) != 1 || st.Count(http.MethodGet, routeAccount) != 0 {
		t.Fatalf("expected 1 listing and no GET, got %+v", st.Requests)
	}

	// A write through the provider updates the entry.
	renewed, err := api.RenewServiceAccountToken(ctx, scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	cache.Put(&renewed.ServiceAccount)
	if sa, _ := cache.Get(ctx, scope, id); sa.TokenID != renewed.ServiceAccount.TokenID {
		t.Fatalf("Put not served: token id %s, want %s", sa.TokenID, renewed.ServiceAccount.TokenID)
	}

	// Deleted elsewhere and forgotten: confirmed with a GET, which says 404.
	if err := api.DeleteServiceAccount(ctx, scope, id); err != nil {
		t.Fatal(err)
	}
	cache.Forget(e.OrgID, id)
	e.em.ResetStats()
	if _, err := cache.Get(ctx, scope, id); !client.IsNotFound(err) {
		t.Fatalf("expected 404 for a forgotten, deleted account, got %v", err)
	}
	if st := e.em.Stats(); st.Count(http.MethodGet, routeAccount) != 1 {
		t.Fatalf("expected a confirming GET, got %+v", st.Requests)
	}

	// A write while the listing is in flight is not served from that listing.
	fresh := newAccountCache(api)
	fresh.inFlight[e.OrgID] = map[string]bool{}
	fresh.Forget(e.OrgID, "a1c3e000-0000-4000-8000-00000000ffff")
	if !fresh.inFlight[e.OrgID]["a1c3e000-0000-4000-8000-00000000ffff"] {
		t.Fatal("a write during an in-flight listing was not recorded")
	}
}
