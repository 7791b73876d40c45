package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// A change of organization_id (or project_id) replaces what it applies to: Terraform
// destroys the object first, then creates it in the new place. When the new place does
// not exist, or the provider's token cannot reach it (a mistyped UUID, an organization
// the token's holder is not a member of), the destroy succeeds, the create fails, and a
// working account and its token are gone. So a plan that moves an object is checked
// first: the target must be among what the token lists, or the plan fails, naming the
// attribute, the value and what the token can reach, and nothing is destroyed.
//
// The lists are read only when a move is planned, once per organization per provider
// process (reachability), so a plan without moves makes no call for this.

// reachability caches what the provider's token lists: its organizations and, by
// organization, their projects. The zero value is ready to use.
type reachability struct {
	mu       sync.Mutex
	orgs     []client.Organization // nil until listed
	projects map[string][]client.Project
}

func (c *reachability) organizations(ctx context.Context, api *client.Client) ([]client.Organization, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.orgs != nil {
		return c.orgs, nil
	}
	orgs, err := api.ListOrganizations(ctx)
	if err != nil {
		return nil, err
	}
	c.orgs = append([]client.Organization{}, orgs...)
	return c.orgs, nil
}

func (c *reachability) projectsOf(ctx context.Context, api *client.Client, orgID string) ([]client.Project, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.projects[orgID]; ok {
		return p, nil
	}
	projects, err := api.ListProjects(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if c.projects == nil {
		c.projects = map[string][]client.Project{}
	}
	c.projects[orgID] = append([]client.Project{}, projects...)
	return c.projects[orgID], nil
}

// move is a planned replacement that puts an object in another organization or project.
type move struct {
	what string // what is replaced, such as "service account 1234 (\"ci\")"
	// orgPath is the resource's organization_id; orgFromProvider: its value is the
	// provider's (organization_id in the provider block, or PLATFORMER_ORGANIZATION_ID).
	orgPath         path.Path
	orgFromProvider bool
	fromOrg, toOrg  string
	// toProject is the project the object moves to, "" when none is checked.
	toProject string
}

// checkMove refuses, with an error on the attribute, a move to an organization or
// project that the provider's token cannot reach. It does nothing when the provider
// cannot call the Console yet (its token comes from a resource of this run).
func (d *providerData) checkMove(ctx context.Context, m move, diags *diag.Diagnostics) {
	api, err := d.api()
	if err != nil || m.toOrg == "" {
		return
	}
	orgs, err := d.reach.organizations(ctx, api)
	if err != nil {
		addAPIError(diags, fmt.Sprintf("check that the provider's token can reach organization %s, where this plan "+
			"replaces %s (listing its organizations)", m.toOrg, m.what), err)
		return
	}
	org := findOrganization(orgs, m.toOrg)
	if org == nil {
		diags.AddAttributeError(m.orgPath, "Organization Not Reachable", fmt.Sprintf("organization_id: %q%s cannot "+
			"be reached with the provider's token: no organization of that id exists, or the token's holder is not a "+
			"member of it. This plan replaces %s, moving it from organization %s: the replacement would delete it "+
			"(and its token) before failing to create it there, so nothing is planned. %s Set organization_id to one "+
			"of them, or use a token of that organization.", m.toOrg, m.source(), m.what, m.fromOrg,
			reachableOrganizations(orgs)))
		return
	}
	if m.toProject == "" {
		return
	}
	projects, err := d.reach.projectsOf(ctx, api, org.ID)
	if err != nil {
		addAPIError(diags, fmt.Sprintf("check that the provider's token can reach project %s, where this plan "+
			"replaces %s (listing the projects of organization %s)", m.toProject, m.what, org.ID), err)
		return
	}
	for _, p := range projects {
		if strings.EqualFold(p.ID, m.toProject) {
			return
		}
	}
	diags.AddAttributeError(path.Root("project_id"), "Project Not Reachable", fmt.Sprintf("project_id: %q is not a "+
		"project of organization %s (%s) that the provider's token can reach: it belongs to another organization, "+
		"or does not exist, or the token may not see it. This plan replaces %s, moving it to that project: the "+
		"replacement would delete it (and its token) before failing to create it there, so nothing is planned. %s "+
		"Set project_id to one of them, or leave it out for an organization-level account.", m.toProject, org.ID,
		org.Name, m.what, reachableProjects(org, projects)))
}

// source says where the organization id comes from, when it is the provider's.
func (m move) source() string {
	if !m.orgFromProvider {
		return ""
	}
	return " (the provider's organization_id, set in the provider block or by " + envOrganizationID + ")"
}

func findOrganization(orgs []client.Organization, id string) *client.Organization {
	for i := range orgs {
		if strings.EqualFold(orgs[i].ID, id) {
			return &orgs[i]
		}
	}
	return nil
}

// reachableOrganizations lists the organizations for a message.
func reachableOrganizations(orgs []client.Organization) string {
	if len(orgs) == 0 {
		return "The token reaches no organization."
	}
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = fmt.Sprintf("%s (%q)", o.ID, o.Name)
	}
	return "The token reaches: " + strings.Join(names, ", ") + "."
}

// reachableProjects lists the projects of org for a message.
func reachableProjects(org *client.Organization, projects []client.Project) string {
	if len(projects) == 0 {
		return fmt.Sprintf("The token reaches no project of organization %s.", org.ID)
	}
	names := make([]string, len(projects))
	for i, p := range projects {
		names[i] = fmt.Sprintf("%s (%q)", p.ID, p.Name)
	}
	return fmt.Sprintf("The projects of organization %s that the token reaches: %s.", org.ID, strings.Join(names, ", "))
}

// A token is where its account is. The organization_id of a token resource that leaves
// it out follows the provider's only until the token exists: after that, a change of the
// provider's organization_id (to work on accounts of another organization, say) does
// not move a token whose account stays the same, since the account, and so its token,
// is still in the organization of state. Replacing it there would discard the working
// token, then fail to issue one for an account the new organization does not have.
// A token is moved only by its own organization_id, or by a change of its account.

// keptTokenOrganization is the organization_id of state when the token keeps it: it is
// in state, its organization_id is not configured, and its account (or accounts, at
// accounts) is the same in the plan as in state. Otherwise it is null.
func keptTokenOrganization(ctx context.Context, req *resource.ModifyPlanRequest, accounts path.Path) uuidValue {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return uuidNull()
	}
	configured, ok := stringAt(ctx, req.Config, path.Root("organization_id"))
	prior, okPrior := stringAt(ctx, req.State, path.Root("organization_id"))
	if !ok || !configured.IsNull() || !okPrior || prior.IsNull() || prior.IsUnknown() {
		return uuidNull()
	}
	var planned, was attr.Value
	if req.Plan.GetAttribute(ctx, accounts, &planned).HasError() || req.State.GetAttribute(ctx, accounts, &was).HasError() ||
		planned == nil || planned.IsUnknown() || !planned.Equal(was) {
		return uuidNull()
	}
	return uuidOf(prior.ValueString())
}

// planTokenOrganization is planOrganization for the token resources: the organization
// of state when the token keeps it (keptTokenOrganization), the configured or the
// provider's otherwise.
func (d *providerData) planTokenOrganization(ctx context.Context, req *resource.ModifyPlanRequest, accounts path.Path,
	planned *uuidValue, configured uuidValue, diags *diag.Diagnostics) bool {
	if kept := keptTokenOrganization(ctx, req, accounts); !kept.IsNull() {
		*planned = kept
		return true
	}
	return d.planOrganization(planned, configured, diags)
}

// checkTokenMove is checkMove for the token resources, from the plan request alone:
// when the resource is in state and its organization_id (as configured, or the
// provider's) differs from state's, the resource is replaced in that organization,
// unless the token keeps its organization (keptTokenOrganization).
// what names the token, given the state's id, such as "the token of service account %s";
// accounts is the attribute of its account ids.
func (d *providerData) checkTokenMove(ctx context.Context, req *resource.ModifyPlanRequest, accounts path.Path, what string,
	diags *diag.Diagnostics) {
	if d == nil || req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !keptTokenOrganization(ctx, req, accounts).IsNull() {
		return
	}
	at := path.Root("organization_id")
	configured, ok1 := stringAt(ctx, req.Config, at)
	prior, ok2 := stringAt(ctx, req.State, at)
	id, ok3 := stringAt(ctx, req.State, path.Root("id"))
	if !ok1 || !ok2 || !ok3 || configured.IsUnknown() {
		return
	}
	m := move{what: fmt.Sprintf(what, id.ValueString()), orgPath: at, fromOrg: prior.ValueString(),
		toOrg: strings.ToLower(configured.ValueString())}
	if configured.IsNull() {
		if d.organizationUnknown {
			return
		}
		m.toOrg, m.orgFromProvider = d.organizationID, true
	}
	if m.toOrg != "" && !strings.EqualFold(m.toOrg, m.fromOrg) {
		if d.checkMove(ctx, m, diags); !diags.HasError() {
			d.checkTokenAccountsMove(ctx, req, accounts, m, diags)
		}
	}
}

// checkTokenAccountsMove refuses a move of a token whose account stays the same (its
// own organization_id changed, its service_account_id did not) to an organization that
// does not hold that account: the replacement would discard the working token, then
// fail to issue one there. An account is in one organization, so such a move can only
// succeed when state had the organization wrong.
func (d *providerData) checkTokenAccountsMove(ctx context.Context, req *resource.ModifyPlanRequest, accounts path.Path, m move,
	diags *diag.Diagnostics) {
	var planned, was attr.Value
	if req.Plan.GetAttribute(ctx, accounts, &planned).HasError() || req.State.GetAttribute(ctx, accounts, &was).HasError() ||
		planned == nil || planned.IsUnknown() || !planned.Equal(was) {
		return // another account: it may well be in the new organization
	}
	api, err := d.api()
	if err != nil {
		return
	}
	for _, id := range accountIDsOf(ctx, planned) {
		_, err := api.GetServiceAccount(ctx, client.Scope{OrganizationID: m.toOrg}, strings.ToLower(id))
		switch {
		case client.IsNotFound(err):
			diags.AddAttributeError(m.orgPath, "Service Account Not In Organization", fmt.Sprintf("organization_id: %q "+
				"is not the organization of service account %s, which is in organization %s. This plan replaces %s, "+
				"moving it there: the replacement would discard its working token before failing to issue one, so "+
				"nothing is planned. A token is where its account is: set organization_id back to %s, or leave it out.",
				m.toOrg, id, m.fromOrg, m.what, m.fromOrg))
			return
		case err != nil:
			addAPIError(diags, fmt.Sprintf("check that organization %s holds service account %s, where this plan "+
				"replaces %s", m.toOrg, id, m.what), err)
			return
		}
	}
}

// accountIDsOf reads the account ids of a token resource: service_account_id, or the
// elements of service_account_ids.
func accountIDsOf(ctx context.Context, v attr.Value) []string {
	var elems []attr.Value
	if l, ok := v.(basetypes.ListValue); ok {
		elems = l.Elements()
	} else {
		elems = []attr.Value{v}
	}
	var ids []string
	for _, e := range elems {
		if sv, ok := e.(basetypes.StringValuable); ok {
			if s, d := sv.ToStringValue(ctx); !d.HasError() && !s.IsNull() && !s.IsUnknown() {
				ids = append(ids, s.ValueString())
			}
		}
	}
	return ids
}

// attributeGetter is what config, plan and state share for reading one attribute.
type attributeGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// stringAt reads a string attribute of any string type (uuidType included).
func stringAt(ctx context.Context, from attributeGetter, at path.Path) (types.String, bool) {
	var v attr.Value
	if from.GetAttribute(ctx, at, &v).HasError() || v == nil {
		return types.String{}, false
	}
	sv, ok := v.(basetypes.StringValuable)
	if !ok {
		return types.String{}, false
	}
	s, d := sv.ToStringValue(ctx)
	return s, !d.HasError()
}
