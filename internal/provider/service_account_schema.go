package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

const (
	maxNameLength        = 100
	maxDescriptionLength = 500
)

// The empty name is left to the length check, so it gets one clear error.
var nameRegexp = regexp.MustCompile(`^[A-Za-z0-9 ._-]*$`)

// nameValidators are the Console's rules for a service account name.
func nameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, maxNameLength),
		stringvalidator.RegexMatches(nameRegexp,
			"may contain only letters (A-Z, a-z), digits, spaces, '-', '_' and '.'"),
	}
}

func (r *serviceAccountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	emptySet := types.SetValueMust(types.StringType, []attr.Value{})
	resp.Schema = schema.Schema{
		MarkdownDescription: "A service account of the Platformer Console: a non-human identity at the organization " +
			"level or at the project level, holding permissions and custom roles.\n\n" +
			"The token the Console issues when the account is created is discarded and never written to state; it " +
			"is created with a one-hour expiry so an unused secret does not outlive the apply. Manage the account's " +
			"token with `platformer_service_account_token`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "UUID of the service account.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("Name, unique within the account's scope (its organization, or its project): "+
					"1 to %d letters, digits, spaces, `-`, `_` or `.`.", maxNameLength),
				Validators: nameValidators(),
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: fmt.Sprintf("Free text, at most %d characters. Defaults to empty.", maxDescriptionLength),
				Validators:          []validator.String{stringvalidator.LengthAtMost(maxDescriptionLength)},
			},
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "UUID of the organization. Defaults to the provider's `organization_id`. " +
					"Changing it replaces the account.",
				Validators:    []validator.String{uuidValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "UUID of a project of the organization: set, the account is a project-level account; " +
					"unset, an organization-level account. Changing it replaces the account.",
				Validators:    []validator.String{uuidValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"permissions": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Default: setdefault.StaticValue(emptySet),
				MarkdownDescription: "Permission codes at the account's own level: organization codes (such as " +
					"`organization.viewer`) for an organization-level account, project codes (such as `rudder.app.admin`) " +
					"for a project-level account. Order does not matter. Defaults to none.",
				Validators: []validator.Set{setvalidator.SizeAtMost(catalog.MaxCodesPerBinding)},
			},
			"custom_role_ids": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Default:             setdefault.StaticValue(emptySet),
				MarkdownDescription: "UUIDs of custom roles of the organization granted to the account. Defaults to none.",
				Validators:          []validator.Set{setvalidator.ValueStringsAre(uuidValidator{})},
			},
			"project_permissions": schema.MapAttribute{
				ElementType: projectPermissionsType,
				Optional:    true, Computed: true,
				Default: mapdefault.StaticValue(types.MapValueMust(projectPermissionsType, map[string]attr.Value{})),
				MarkdownDescription: "Organization-level accounts only: project UUID => project permission codes granted " +
					"on that project. Each entry needs at least one code. Defaults to none.",
				Validators: []validator.Map{
					mapvalidator.KeysAre(uuidValidator{}),
					mapvalidator.ValueSetsAre(setvalidator.SizeBetween(1, catalog.MaxCodesPerBinding)),
				},
			},
			"level": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`organization` or `project`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the account was created (RFC 3339).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"token_expires_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the account's current token expires (RFC 3339); null when it never expires.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"token_renewed_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the account's current token was issued (RFC 3339).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}
