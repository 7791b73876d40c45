package provider

import (
	"context"
	"sync"

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
	api *client.Client

	mu    sync.Mutex
	lists map[string]*orgListing // by organization id
}

type orgListing struct {
	done     chan struct{}
	err      error
	accounts map[string]client.ServiceAccount
	touched  map[string]bool // written while the listing was in flight: not served from it
}

func newAccountCache(api *client.Client) *accountCache {
	return &accountCache{api: api, lists: map[string]*orgListing{}}
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

// listing returns the organization's completed listing, starting it if no read has
// yet, or nil when listing is not possible.
func (c *accountCache) listing(ctx context.Context, orgID string) *orgListing {
	c.mu.Lock()
	l, ok := c.lists[orgID]
	if !ok {
		l = &orgListing{done: make(chan struct{}), touched: map[string]bool{}}
		c.lists[orgID] = l
		c.mu.Unlock()
		accounts, err := c.api.ListServiceAccounts(ctx, client.Scope{OrganizationID: orgID})
		c.mu.Lock()
		l.err = err
		if err == nil {
			l.accounts = make(map[string]client.ServiceAccount, len(accounts))
			for _, sa := range accounts {
				if !l.touched[sa.ID] {
					l.accounts[sa.ID] = sa
				}
			}
		} else if ctx.Err() != nil {
			// Cancelled, not refused: let a later read try again.
			delete(c.lists, orgID)
		}
		close(l.done)
		c.mu.Unlock()
	} else {
		c.mu.Unlock()
	}
	select {
	case <-l.done:
	case <-ctx.Done():
		return nil
	}
	if l.err != nil {
		return nil
	}
	return l
}

// Put records an account that a write or a direct read returned.
func (c *accountCache) Put(sa *client.ServiceAccount) {
	if c == nil || sa == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.lists[sa.OrganizationID]; ok {
		if !isClosed(l.done) {
			l.touched[sa.ID] = true
		} else if l.accounts != nil {
			l.accounts[sa.ID] = *sa
		}
	}
}

// Forget drops an account that was deleted, or whose state is uncertain.
func (c *accountCache) Forget(orgID, id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.lists[orgID]; ok {
		if !isClosed(l.done) {
			l.touched[id] = true
		} else {
			delete(l.accounts, id)
		}
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
