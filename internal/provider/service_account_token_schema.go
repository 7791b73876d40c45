package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// serviceAccountTokenModel is the platformer_service_account_token resource.
type serviceAccountTokenModel struct {
	ID               types.String  `tfsdk:"id"`
	ServiceAccountID types.String  `tfsdk:"service_account_id"`
	OrganizationID   types.String  `tfsdk:"organization_id"`
	ExpiresIn        types.String  `tfsdk:"expires_in"`
	ExpiresAt        types.String  `tfsdk:"expires_at"`
	RenewBefore      types.String  `tfsdk:"renew_before"`
	RotationTrigger  types.Dynamic `tfsdk:"rotation_trigger"`
	Token            types.String  `tfsdk:"token"`
	TokenID          types.String  `tfsdk:"token_id"`
	RenewedAt        types.String  `tfsdk:"renewed_at"`
	HasExpired       types.Bool    `tfsdk:"has_expired"`
}

func (r *serviceAccountTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The API token of a service account. The Console holds one token per account and " +
			"shows it only when it is issued; renewing issues a new token and invalidates the previous one at once.\n\n" +
			"Creating this resource renews the account's token and keeps the new one, sensitive, in state: after " +
			"apply the only working token of the account is the one in state. Destroying it renews the token once " +
			"more and discards the result, so a leaked state file stops being a working credential.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Same as `service_account_id`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"service_account_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "UUID of the service account. Changing it replaces the resource.",
				Validators:          []validator.String{uuidValidator{}},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"organization_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "UUID of the account's organization. Defaults to the provider's `organization_id`. " +
					"Changing it replaces the resource.",
				Validators:    []validator.String{uuidValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"expires_in": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Lifetime of each token issued, as a duration such as `720h` (30 days): `expires_at` " +
					"is set to the time of renewal plus this. Conflicts with `expires_at`; with neither, the token never " +
					"expires. Changing it renews the token.",
				Validators: []validator.String{durationValidator{}},
			},
			"expires_at": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "When the token expires (RFC 3339). Set it for a fixed expiry (it must be in the future), " +
					"or leave it to be computed from `expires_in`. Changing it renews the token.",
				Validators: []validator.String{rfc3339Validator{}},
			},
			"renew_before": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Plan a renewal once the token is this close to its expiry, such as `168h` (7 days). " +
					"Requires `expires_in`, and must be shorter than it. A token that has already expired is always " +
					"planned for renewal.",
				Validators: []validator.String{durationValidator{}},
			},
			"rotation_trigger": schema.DynamicAttribute{
				Optional: true,
				MarkdownDescription: "Any value of any type (string, number, list, map, object). Whenever it changes the " +
					"token is renewed in place: same resource, new secret. Wire it to `time_rotating.x.id`, a " +
					"version number or a date to rotate on a schedule or on demand.",
			},
			"token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "The token: the raw value for the `Authorization` header. Sensitive. Null after an import or once the token was renewed outside Terraform, until the next apply renews it.",
			},
			"token_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Identifier of the current token (not a secret); it changes at every renewal.",
			},
			"renewed_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the current token was issued (RFC 3339).",
			},
			"has_expired": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether the token had expired when it was last read. An expired token is renewed by the next apply.",
			},
		},
	}
}
