package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform 1.12+): each resource names its Console object by typed
// attributes, which `import { identity = {...} }` and `terraform query` use instead of an
// id string. Every identity attribute is the state attribute of the same name, in
// lower case (the Console's spelling of a UUID), so that the spelling of the
// configuration never changes an identity.
//
// The resources keep their code for id strings: an identity is translated into the id
// string it stands for (importIDFromIdentity), and the identity is set from the state
// after every Create, Read, Update and ImportState (identityFromState), which is how
// states written before identity gain theirs at their next refresh.

var (
	_ resource.ResourceWithIdentity = (*serviceAccountResource)(nil)
	_ resource.ResourceWithIdentity = (*serviceAccountTokenResource)(nil)
	_ resource.ResourceWithIdentity = (*serviceAccountRotatingTokenResource)(nil)
)

const (
	identityOrgDescription = "UUID of the organization. Defaults to the provider's `organization_id` in an import " +
		"block. " + identityCase
	identityAccountDescription = "UUID of the service account. " + identityCase
	identityCase               = "Any case in an import block; recorded in lower case."
)

func identityOrganization() identityschema.StringAttribute {
	return identityschema.StringAttribute{OptionalForImport: true, Description: identityOrgDescription}
}

func (r *serviceAccountResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"organization_id": identityOrganization(),
		"id":              identityschema.StringAttribute{RequiredForImport: true, Description: identityAccountDescription},
	}}
}

func (r *serviceAccountTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"organization_id": identityOrganization(),
		"service_account_id": identityschema.StringAttribute{
			RequiredForImport: true, Description: "UUID of the service account whose token this is. " + identityCase,
		},
	}}
}

func (r *serviceAccountRotatingTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"organization_id": identityOrganization(),
		"service_account_ids": identityschema.ListAttribute{
			ElementType: types.StringType, RequiredForImport: true,
			Description: "UUIDs of the two service accounts, in the order of `service_account_ids`. " + identityCase,
		},
	}}
}

// identityFromState sets identity from the identity schema's attributes of state, in
// lower case, when state holds an object and no error was reported, and it returns a
// function that does it again. It is deferred at the top of Create, Read, Update and
// ImportState:
//
//	defer identityFromState(ctx, &resp.State, resp.Identity, &resp.Diagnostics)()
//
// The first call gives a Read that finds no identity (a state written before identity,
// or a CLI without identity) the prior state's identity at once: the framework wants an
// identity after every Read, even one that removes the resource. The deferred call sets
// it from what the method left in state. Without identity support (identity nil) both
// do nothing.
func identityFromState(ctx context.Context, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) func() {
	set := func() {
		if identity == nil || diags.HasError() || state.Raw.IsNull() || !state.Raw.IsFullyKnown() {
			return
		}
		for name := range identity.Schema.GetAttributes() {
			var v attr.Value
			if d := state.GetAttribute(ctx, path.Root(name), &v); d.HasError() {
				diags.Append(d...)
				return
			}
			diags.Append(identity.SetAttribute(ctx, path.Root(name), lowerValue(v))...)
		}
	}
	if identity != nil && identity.Raw.IsFullyNull() {
		set()
	}
	return set
}

// lowerValue is a string, or a list of strings, in lower case. Anything else, and null or
// unknown values, are returned as they are.
func lowerValue(v attr.Value) attr.Value {
	if v == nil || v.IsNull() || v.IsUnknown() {
		return v
	}
	switch v := v.(type) {
	case types.String:
		return types.StringValue(strings.ToLower(v.ValueString()))
	case uuidValue:
		return types.StringValue(v.Lower())
	case types.List:
		elems := make([]attr.Value, 0, len(v.Elements()))
		for _, e := range v.Elements() {
			elems = append(elems, lowerValue(e))
		}
		out, _ := types.ListValue(types.StringType, elems)
		return out
	}
	return v
}

// importIDFromIdentity is the import id string that an import by identity stands for,
// so that both kinds of import go through the same code and give the same state:
// "<organization_id>/<value>", or "<value>" without an organization. value is the
// identity attribute named by key (a list is joined with commas). When the import is
// by id string, req.ID is returned as it is.
func importIDFromIdentity(ctx context.Context, req resource.ImportStateRequest, key string, diags *diag.Diagnostics) string {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		return req.ID
	}
	var org types.String
	diags.Append(req.Identity.GetAttribute(ctx, path.Root("organization_id"), &org)...)
	var v attr.Value
	diags.Append(req.Identity.GetAttribute(ctx, path.Root(key), &v)...)
	if diags.HasError() {
		return ""
	}
	var value string
	switch v := v.(type) {
	case types.String:
		value = v.ValueString()
	case types.List:
		parts := make([]string, 0, len(v.Elements()))
		for _, e := range v.Elements() {
			if s, ok := e.(types.String); ok {
				parts = append(parts, s.ValueString())
			}
		}
		value = strings.Join(parts, ",")
	}
	if strings.TrimSpace(value) == "" {
		diags.AddAttributeError(path.Root(key), "Missing Identity Attribute",
			fmt.Sprintf("The import block's identity has no %s: set it to the UUID(s) of the service account(s).", key))
		return ""
	}
	if o := strings.TrimSpace(org.ValueString()); o != "" {
		return o + "/" + value
	}
	return value
}

// keepStateUUIDList keeps the state's spelling of a list of UUIDs that the plan spells
// differently by case alone, element by element: an import by identity (lower case)
// under a configuration that writes the UUIDs in upper case then plans neither a change
// nor, before a RequiresReplace, a replacement.
type keepStateUUIDList struct{}

func (keepStateUUIDList) Description(context.Context) string {
	return "a change of case alone plans nothing"
}

func (m keepStateUUIDList) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (keepStateUUIDList) PlanModifyList(_ context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	plan, state := req.PlanValue.Elements(), req.StateValue.Elements()
	if len(plan) != len(state) {
		return
	}
	for i := range plan {
		p, pok := plan[i].(types.String)
		s, sok := state[i].(types.String)
		if !pok || !sok || p.IsUnknown() || !strings.EqualFold(p.ValueString(), s.ValueString()) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}
