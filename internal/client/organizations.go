package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// ListOrganizations lists the organizations the token's holder belongs to.
func (c *Client) ListOrganizations(ctx context.Context) ([]Organization, error) {
	var out []Organization
	err := c.do(ctx, apiRequest{method: http.MethodGet, path: pathListOrganizations}, func(data json.RawMessage) (err error) {
		out, err = decodeOrganizations(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListProjects lists the projects of an organization that the token's holder belongs
// to. Each Project's OrganizationID is organizationID.
func (c *Client) ListProjects(ctx context.Context, organizationID string) ([]Project, error) {
	if err := c.checkID("organization id", organizationID); err != nil {
		return nil, err
	}
	var out []Project
	r := apiRequest{method: http.MethodGet, path: pathListProjects(organizationID)}
	err := c.do(ctx, r, func(data json.RawMessage) (err error) {
		out, err = decodeProjects(organizationID, data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkID refuses an id that is not a UUID before it reaches a path or a header.
func (c *Client) checkID(what, id string) error {
	if !IsUUID(id) {
		return c.errorf("%s %q is not a UUID", what, id)
	}
	return nil
}

// checkScope refuses a scope whose ids are not UUIDs; the organization is required.
func (c *Client) checkScope(s Scope) error {
	if err := c.checkID("organization id", s.OrganizationID); err != nil {
		return err
	}
	if s.ProjectID != "" {
		return c.checkID("project id", s.ProjectID)
	}
	return nil
}
