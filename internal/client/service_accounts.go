package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// maxListPages bounds ListServiceAccounts against a server that never stops paging.
const maxListPages = 10000

// CreateServiceAccount creates a service account in an organization, at the project
// level when in.ProjectID is set, and returns its token: the only time the Console
// returns it. A POST is retried only when the Console certainly did not process it;
// see IsOutcomeUnknown for a failure after which the account may exist.
func (c *Client) CreateServiceAccount(ctx context.Context, organizationID string, in CreateServiceAccountInput) (*IssuedToken, error) {
	scope := Scope{OrganizationID: organizationID, ProjectID: in.ProjectID}
	if err := c.checkScope(scope); err != nil {
		return nil, err
	}
	body, err := encodeCreateServiceAccount(in)
	if err != nil {
		return nil, err
	}
	r := apiRequest{method: http.MethodPost, path: pathCreateServiceAccount, header: scope.headers(), body: body}
	return c.issue(ctx, r)
}

// ListServiceAccountsPage lists one page of the service accounts of a scope. Pages are
// numbered from 1; pageSize is 1 to 100.
func (c *Client) ListServiceAccountsPage(ctx context.Context, scope Scope, page, pageSize int) (*Page, error) {
	if err := c.checkScope(scope); err != nil {
		return nil, err
	}
	if page < firstPage {
		return nil, c.errorf("page %d is not a page number: pages are numbered from %d", page, firstPage)
	}
	if pageSize < 1 || pageSize > maxPageSize {
		return nil, c.errorf("page size %d is out of range: use 1 to %d", pageSize, maxPageSize)
	}
	r := apiRequest{
		method: http.MethodGet, path: pathListServiceAccounts, query: listQuery(page, pageSize), header: scope.headers(),
	}
	var out *Page
	err := c.do(ctx, r, func(data json.RawMessage) (err error) {
		if out, err = decodePage(data); err != nil {
			return err
		}
		if out.NextPage != 0 && out.NextPage <= page {
			return errors.New("the next page does not come after this one")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListServiceAccounts lists every service account of a scope, following the pages.
func (c *Client) ListServiceAccounts(ctx context.Context, scope Scope) ([]ServiceAccount, error) {
	all := []ServiceAccount{}
	page := firstPage
	for range maxListPages {
		p, err := c.ListServiceAccountsPage(ctx, scope, page, maxPageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextPage == 0 {
			return all, nil
		}
		page = p.NextPage
	}
	return nil, c.errorf("listing service accounts: more than %d pages", maxListPages)
}

// GetServiceAccount reads a service account. It never carries a token.
func (c *Client) GetServiceAccount(ctx context.Context, scope Scope, id string) (*ServiceAccount, error) {
	if err := c.checkScopeAndID(scope, id); err != nil {
		return nil, err
	}
	r := apiRequest{method: http.MethodGet, path: pathServiceAccount(id), header: scope.headers()}
	return c.serviceAccount(ctx, r)
}

// UpdateServiceAccount replaces the mutable fields of a service account.
func (c *Client) UpdateServiceAccount(ctx context.Context, scope Scope, id string, in UpdateServiceAccountInput) (*ServiceAccount, error) {
	if err := c.checkScopeAndID(scope, id); err != nil {
		return nil, err
	}
	body, err := encodeUpdateServiceAccount(in)
	if err != nil {
		return nil, err
	}
	r := apiRequest{method: http.MethodPut, path: pathServiceAccount(id), header: scope.headers(), body: body}
	return c.serviceAccount(ctx, r)
}

// DeleteServiceAccount deletes a service account; its token stops working at once.
func (c *Client) DeleteServiceAccount(ctx context.Context, scope Scope, id string) error {
	if err := c.checkScopeAndID(scope, id); err != nil {
		return err
	}
	return c.do(ctx, apiRequest{method: http.MethodDelete, path: pathServiceAccount(id), header: scope.headers()}, nil)
}

// RenewServiceAccountToken issues a new token for a service account, expiring at
// expiresAt (nil: never). The previous token stops working at once.
func (c *Client) RenewServiceAccountToken(ctx context.Context, scope Scope, id string, expiresAt *time.Time) (*IssuedToken, error) {
	if err := c.checkScopeAndID(scope, id); err != nil {
		return nil, err
	}
	body, err := encodeRenewToken(expiresAt)
	if err != nil {
		return nil, err
	}
	r := apiRequest{method: http.MethodPost, path: pathRenewServiceAccountToken(id), header: scope.headers(), body: body}
	return c.issue(ctx, r)
}

func (c *Client) checkScopeAndID(scope Scope, id string) error {
	if err := c.checkScope(scope); err != nil {
		return err
	}
	return c.checkID("service account id", id)
}

func (c *Client) serviceAccount(ctx context.Context, r apiRequest) (*ServiceAccount, error) {
	var out *ServiceAccount
	err := c.do(ctx, r, func(data json.RawMessage) (err error) {
		out, err = decodeServiceAccount(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Client) issue(ctx context.Context, r apiRequest) (*IssuedToken, error) {
	var out *IssuedToken
	err := c.do(ctx, r, func(data json.RawMessage) (err error) {
		out, err = decodeIssuedToken(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s Scope) headers() map[string]string { return scopeHeaders(s.OrganizationID, s.ProjectID) }
