package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

var (
	_ list.ListResourceWithConfigure = (*serviceAccountListResource)(nil)
)

// listPageSize is the page size of the Console listings a query reads: the largest the
// Console accepts, since the filters are applied here and a page costs one call.
const listPageSize = 100

// NewServiceAccountListResource returns the platformer_service_account list resource,
// which `terraform query` uses to find service accounts and write their import blocks.
func NewServiceAccountListResource() list.ListResource { return &serviceAccountListResource{} }

type serviceAccountListResource struct{ data *providerData }

// serviceAccountListModel is the list block's config.
type serviceAccountListModel struct {
	OrganizationID     uuidValue     `tfsdk:"organization_id"`
	ProjectID          uuidValue     `tfsdk:"project_id"`
	NamePrefix         types.String  `tfsdk:"name_prefix"`
	TokenExpiresWithin durationValue `tfsdk:"token_expires_within"`
}

func (l *serviceAccountListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (l *serviceAccountListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *serviceAccountListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the service accounts of an organization, or of one of its projects, for " +
			"`terraform query`: each result is named by the account's name and scope, and carries the account's " +
			"identity (`organization_id`, `id`), so that `terraform query -generate-config-out=FILE` writes an " +
			"import block and a resource block for each. With `token_expires_within`, the query doubles as an " +
			"audit of the tokens about to expire.",
		Attributes: map[string]schema.Attribute{
			"organization_id": schema.StringAttribute{
				Optional: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of the organization, in any case. Defaults to the provider's `organization_id`.",
			},
			"project_id": schema.StringAttribute{
				Optional: true, CustomType: uuidType{},
				MarkdownDescription: "UUID of a project of the organization, in any case: set, the project's accounts " +
					"are listed; unset, the organization-level accounts (those of no project).",
			},
			"name_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only accounts whose name starts with this text (case-sensitive, as names are). " +
					"Not empty: leave it out to list every account.",
				Validators: []validator.String{nonEmptyPrefix{}},
			},
			"token_expires_within": schema.StringAttribute{
				Optional: true, CustomType: durationType{},
				MarkdownDescription: "Only accounts whose token expires within this duration from now on the Console's " +
					"clock, or has already expired, such as `7d` or `12h` (units `d`, `h`, `m`, `s`). Tokens that never " +
					"expire are left out.",
			},
		},
	}
}

// List streams the accounts that match, page by page, and stops at the query's limit.
func (l *serviceAccountListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg serviceAccountListModel
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &cfg)...)
	api := l.data.apiOrDiag(&diags)
	orgID := l.data.resolveOrganization(cfg.OrganizationID, "list resource", &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	q := accountQuery{
		api: api, scope: client.Scope{OrganizationID: orgID, ProjectID: cfg.ProjectID.Lower()},
		prefix: cfg.NamePrefix.ValueString(), within: cfg.TokenExpiresWithin.Duration(),
		filterExpiry: !cfg.TokenExpiresWithin.IsNull(), limit: req.Limit,
	}
	stream.Results = func(push func(list.ListResult) bool) {
		q.scopeName = q.scopeLabel(ctx)
		q.each(ctx, func(sa *client.ServiceAccount, now time.Time) bool {
			return push(l.result(ctx, req, &q, sa, now))
		}, func(err error) {
			var d diag.Diagnostics
			addAPIError(&d, fmt.Sprintf("list the service accounts of %s", q.scopeName), err)
			push(list.ListResult{Diagnostics: d})
		})
	}
}

// result is one account as a query result: display name, identity and, when asked,
// the resource object, as platformer_service_account would read it.
func (l *serviceAccountListResource) result(ctx context.Context, req list.ListRequest, q *accountQuery,
	sa *client.ServiceAccount, now time.Time) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = q.displayName(sa, now)
	r.Diagnostics.Append(r.Identity.SetAttribute(ctx, path.Root("organization_id"), strings.ToLower(sa.OrganizationID))...)
	r.Diagnostics.Append(r.Identity.SetAttribute(ctx, path.Root("id"), strings.ToLower(sa.ID))...)
	if req.IncludeResource {
		m := serviceAccountModelFrom(sa)
		r.Diagnostics.Append(r.Resource.Set(ctx, &m)...)
	}
	return r
}

// accountQuery is one query's listing: a scope, the filters, the limit.
type accountQuery struct {
	api          *client.Client
	scope        client.Scope
	scopeName    string // the scope for messages: "project shop (<id>)"
	projectName  string // the project for display names: "project shop", or "project <id>"
	prefix       string
	within       time.Duration
	filterExpiry bool
	limit        int64 // 0: no limit
}

// each calls yield for every matching account, in the Console's order, until the
// limit, the last page, or yield returning false; fail is called on a failed page.
func (q *accountQuery) each(ctx context.Context, yield func(*client.ServiceAccount, time.Time) bool, fail func(error)) {
	var sent int64
	page := 1
	for range maxQueryPages {
		p, err := q.api.ListServiceAccountsPage(ctx, q.scope, page, listPageSize)
		if err != nil {
			fail(err)
			return
		}
		now := q.api.ConsoleNow() // measured on this page's answer
		for i := range p.Items {
			sa := &p.Items[i]
			if !q.matches(sa, now) {
				continue
			}
			if !yield(sa, now) {
				return
			}
			if sent++; q.limit > 0 && sent >= q.limit {
				return
			}
		}
		if p.NextPage == 0 {
			return
		}
		page = p.NextPage
	}
	fail(fmt.Errorf("more than %d pages of service accounts", maxQueryPages))
}

// maxQueryPages bounds a query against a Console that never stops paging.
const maxQueryPages = 10000

// matches applies the scope (an organization's listing holds its projects' accounts
// too) and the filters.
func (q *accountQuery) matches(sa *client.ServiceAccount, now time.Time) bool {
	if !strings.EqualFold(sa.ProjectID, q.scope.ProjectID) || !strings.HasPrefix(sa.Name, q.prefix) {
		return false
	}
	if q.filterExpiry {
		return sa.TokenExpiresAt != nil && sa.TokenExpiresAt.Before(now.Add(q.within))
	}
	return true
}

// scopeLabel names the query's scope for people: the project's name when it can be
// read (one call), its id otherwise. It sets projectName too.
func (q *accountQuery) scopeLabel(ctx context.Context) string {
	if q.scope.ProjectID == "" {
		return "organization " + q.scope.OrganizationID
	}
	q.projectName = "project " + q.scope.ProjectID
	if projects, err := q.api.ListProjects(ctx, q.scope.OrganizationID); err == nil {
		for _, p := range projects {
			if strings.EqualFold(p.ID, q.scope.ProjectID) {
				q.projectName = "project " + p.Name
				return fmt.Sprintf("project %s (%s)", p.Name, q.scope.ProjectID)
			}
		}
	}
	return q.projectName
}

// displayName is "<name> (<scope>)", with the token's expiry when the query filters on it.
func (q *accountQuery) displayName(sa *client.ServiceAccount, now time.Time) string {
	scope := "organization level"
	if sa.ProjectID != "" {
		scope = q.projectName
	}
	if q.filterExpiry && sa.TokenExpiresAt != nil {
		verb := "expires"
		if !sa.TokenExpiresAt.After(now) {
			verb = "expired"
		}
		return fmt.Sprintf("%s (%s, token %s %s)", sa.Name, scope, verb, sa.TokenExpiresAt.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("%s (%s)", sa.Name, scope)
}

// nonEmptyPrefix refuses name_prefix = "": it would filter nothing, which is what
// leaving it out says.
type nonEmptyPrefix struct{}

func (nonEmptyPrefix) Description(context.Context) string { return "not empty" }

func (v nonEmptyPrefix) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (nonEmptyPrefix) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() != "" {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty Name Prefix",
		fmt.Sprintf("%s: \"\" matches every account name, so it would filter nothing. Set it to the start of the "+
			"names to list, such as \"ci-\", or leave it out to list every account.", req.Path))
}
