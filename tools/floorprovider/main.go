// Command floorprovider is the benchmark's floor: the Platformer provider's own schemas,
// served through the same provider.Serve (the framework behind NewServer, logs off
// unless TF_LOG asks, GOGC 400) by resources that call no API and only copy the plan
// into state. What a run of it costs is what Terraform, the
// plugin protocol and the framework cost for these schemas; whatever the real provider
// takes above it is its own.
//
// It is built by tools/bench (-floor) and never shipped.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	platformer "github.com/platformercloud/terraform-provider-platformer/internal/provider"
)

func main() {
	err := platformer.Serve(func() provider.Provider {
		return &floorProvider{real: platformer.New("floor", "none")()}
	}, false)
	if err != nil {
		log.Fatal(err)
	}
}

// floorProvider has the real provider's name, schema and resources' schemas, and
// nothing else: no client, no data sources.
type floorProvider struct {
	real provider.Provider
}

func (p *floorProvider) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	p.real.Metadata(ctx, req, resp)
}

func (p *floorProvider) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	p.real.Schema(ctx, req, resp)
}

func (p *floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *floorProvider) Resources(ctx context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for _, newReal := range p.real.Resources(ctx) {
		out = append(out, func() resource.Resource { return &floorResource{real: newReal()} })
	}
	return out
}

func (p *floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// floorResource has a real resource's name and schema; its state is its plan.
type floorResource struct {
	real resource.Resource
}

func (r *floorResource) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.real.Metadata(ctx, req, resp)
}

func (r *floorResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.real.Schema(ctx, req, resp)
}

func (r *floorResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.State.Raw = known(ctx, req.Plan.Schema, req.Plan.Raw)
}

// Read keeps the prior state, which the framework has already put in resp.
func (r *floorResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (r *floorResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = known(ctx, req.Plan.Schema, req.Plan.Raw)
}

// Delete does nothing; the framework then removes the state.
func (r *floorResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// placeholder stands for every string known only after apply: as long as the UUIDs
// the Console returns, so that the state is about as large as the real provider's;
// timestampPlaceholder for the attributes of the RFC 3339 type, which the framework
// checks.
const (
	placeholder          = "00000000-0000-4000-8000-000000000000"
	timestampPlaceholder = "2026-01-01T00:00:00Z"
)

// schemaTypes is the part of a schema that known needs: the type at a path.
type schemaTypes interface {
	TypeAtTerraformPath(context.Context, *tftypes.AttributePath) (attr.Type, error)
}

// known replaces each unknown value of v with a known one: a placeholder string (a
// timestamp where the schema's type is RFC 3339), false, an empty collection, or null.
func known(ctx context.Context, s schemaTypes, v tftypes.Value) tftypes.Value {
	out, err := tftypes.Transform(v, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		t := v.Type()
		switch {
		case t.Is(tftypes.String):
			if at, err := s.TypeAtTerraformPath(ctx, p); err == nil {
				if _, ok := at.(timetypes.RFC3339Type); ok {
					return tftypes.NewValue(t, timestampPlaceholder), nil
				}
			}
			return tftypes.NewValue(t, placeholder), nil
		case t.Is(tftypes.Bool):
			return tftypes.NewValue(t, false), nil
		case t.Is(tftypes.Set{}), t.Is(tftypes.List{}):
			return tftypes.NewValue(t, []tftypes.Value{}), nil
		case t.Is(tftypes.Map{}):
			return tftypes.NewValue(t, map[string]tftypes.Value{}), nil
		default:
			return tftypes.NewValue(t, nil), nil
		}
	})
	if err != nil {
		panic(err) // a value built by Terraform and transformed value by value: cannot fail
	}
	return out
}
