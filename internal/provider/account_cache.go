package provider

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// accountCache serves service-account reads from one listing per organization, shared
// by every resource of a provider process, so a refresh of N accounts costs about N/100
// calls instead of N.
//
// Rules that keep it correct:
//   - A provider process lives for one Terraform operation, and a listing is made on the
//     first read of that process, so no read is served from data older than the start
//     of the current operation.
//   - Concurrent first reads of an organization wait for the same listing (coalesced).
//   - Every write through this provider updates or drops the entry it touched.
//   - An account missing from the listing is confirmed with a direct GET before anyone
//     treats it as deleted; a listing that fails (a token that may only read some
//     projects, say) falls back to direct GETs.
type accountCache struct {
	api    *client.Client
	flight singleflight.Group // concurrent first reads of an organization share one listing

	mu       sync.Mutex
	lists    map[string]*orgListing     // completed listings, by organization id
	inFlight map[string]map[string]bool // ids written while their organization's listing is in flight
}

// orgListing is an organization's listing; accounts is nil when listing was refused.
type orgListing struct {
	accounts map[string]client.ServiceAccount
}

func newAccountCache(api *client.Client) *accountCache {
	return &accountCache{api: api, lists: map[string]*orgListing{}, inFlight: map[string]map[string]bool{}}
}

// Get returns the account, from the organization's listing when it holds it.
func (c *accountCache) Get(ctx context.Context, scope client.Scope, id string) (*client.ServiceAccount, error) {
	if l := c.listing(ctx, scope.OrganizationID); l != nil {
		c.mu.Lock()
		sa, ok := l.accounts[id]
		c.mu.Unlock()
		if ok && (scope.ProjectID == "" || sa.ProjectID == scope.ProjectID) {
			return &sa, nil
		}
	}
	sa, err := c.api.GetServiceAccount(ctx, scope, id)
	if err == nil {
		c.Put(sa)
	}
	return sa, err
}

// listing returns the organization's completed listing, making it if no read has yet,
// or nil when listing is not possible.
func (c *accountCache) listing(ctx context.Context, orgID string) *orgListing {
	c.mu.Lock()
	l, ok := c.lists[orgID]
	c.mu.Unlock()
	if !ok {
		ch := c.flight.DoChan(orgID, func() (any, error) { return c.list(ctx, orgID), nil })
		select {
		case res := <-ch:
			l, _ = res.Val.(*orgListing)
		case <-ctx.Done():
			return nil
		}
	}
	if l == nil || l.accounts == nil {
		return nil
	}
	return l
}

// list lists the organization once and records the result; nil when cancelled, so that
// a later read tries again.
func (c *accountCache) list(ctx context.Context, orgID string) *orgListing {
	c.mu.Lock()
	if l, ok := c.lists[orgID]; ok { // made by a flight that ended just before this one began
		c.mu.Unlock()
		return l
	}
	c.inFlight[orgID] = map[string]bool{}
	c.mu.Unlock()
	accounts, err := c.api.ListServiceAccounts(ctx, client.Scope{OrganizationID: orgID})
	c.mu.Lock()
	defer c.mu.Unlock()
	touched := c.inFlight[orgID]
	delete(c.inFlight, orgID)
	if err != nil && ctx.Err() != nil {
		return nil // cancelled, not refused
	}
	l := &orgListing{}
	if err == nil {
		l.accounts = make(map[string]client.ServiceAccount, len(accounts))
		for _, sa := range accounts {
			if !touched[sa.ID] {
				l.accounts[sa.ID] = sa
			}
		}
	}
	c.lists[orgID] = l
	return l
}

// Put records an account that a write or a direct read returned.
func (c *accountCache) Put(sa *client.ServiceAccount) {
	if c == nil || sa == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if touched, ok := c.inFlight[sa.OrganizationID]; ok {
		touched[sa.ID] = true
	} else if l, ok := c.lists[sa.OrganizationID]; ok && l.accounts != nil {
		l.accounts[sa.ID] = *sa
	}
}

// Forget drops an account that was deleted, or whose state is uncertain.
func (c *accountCache) Forget(orgID, id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if touched, ok := c.inFlight[orgID]; ok {
		touched[id] = true
	} else if l, ok := c.lists[orgID]; ok {
		delete(l.accounts, id)
	}
}
