package provider

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// modelOf names the model of every resource, data source and ephemeral resource the
// provider serves. A new one must be added here: TestModels_matchSchemas fails until it is.
var modelOf = map[string]any{
	"platformer_service_account":                serviceAccountModel{},
	"platformer_service_account_token":          serviceAccountTokenModel{},
	"platformer_service_account_rotating_token": serviceAccountRotatingTokenModel{},
	"platformer_service_account#data":           serviceAccountDataModel{},
	"platformer_service_accounts#data":          nil, // a list of serviceAccountDataModel, read and written by the framework
	"platformer_organization#data":              organizationModel{},
	"platformer_project#data":                   projectModel{},
	"platformer_service_account#ephemeral":      serviceAccountEphemeralModel{},
}

// Every model has exactly one field per attribute of its schema, each of the type the
// schema's attribute holds, so getModel and setModel can never meet a mismatch.
func TestModels_matchSchemas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := New("test", "none")()
	schemas := map[string]map[string]attr.Type{}
	objectTypes := func(t attr.Type) map[string]attr.Type {
		return t.(attr.TypeWithAttributeTypes).AttributeTypes()
	}
	for _, f := range p.Resources(ctx) {
		r := f()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "platformer"}, &meta)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		schemas[meta.TypeName] = objectTypes(s.Schema.Type())
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "platformer"}, &meta)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		schemas[meta.TypeName+"#data"] = objectTypes(s.Schema.Type())
		if meta.TypeName == "platformer_service_accounts" {
			item := s.Schema.Attributes["service_accounts"].(dschema.ListNestedAttribute).NestedObject.Type()
			schemas["platformer_service_accounts item#data"] = objectTypes(item)
		}
	}
	if pe, ok := p.(interface {
		EphemeralResources(context.Context) []func() ephemeral.EphemeralResource
	}); ok {
		for _, f := range pe.EphemeralResources(ctx) {
			e := f()
			var meta ephemeral.MetadataResponse
			e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "platformer"}, &meta)
			var s ephemeral.SchemaResponse
			e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
			schemas[meta.TypeName+"#ephemeral"] = objectTypes(s.Schema.Type())
		}
	}
	models := map[string]any{"platformer_service_accounts item#data": serviceAccountDataModel{}}
	for name, m := range modelOf {
		models[name] = m
	}
	for name, attrTypes := range schemas {
		m, ok := models[name]
		if !ok {
			t.Errorf("%s: no model in modelOf", name)
			continue
		}
		if m == nil {
			continue
		}
		checkModel(t, name, reflect.TypeOf(m), attrTypes)
	}
	for name := range models {
		if _, ok := schemas[name]; !ok {
			t.Errorf("modelOf names %s, which the provider does not serve", name)
		}
	}
}

func checkModel(t *testing.T, name string, mt reflect.Type, attrTypes map[string]attr.Type) {
	t.Helper()
	c, err := newModelCodec(mt)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	var inModel, inSchema []string
	for _, f := range c.fields {
		inModel = append(inModel, f.name)
		at, ok := attrTypes[f.name]
		if !ok {
			continue
		}
		if want := reflect.TypeOf(at.ValueType(context.Background())); f.typ != want {
			t.Errorf("%s: attribute %q is a %s in the schema, a %s in model %s", name, f.name, want, f.typ, mt)
		}
	}
	for a := range attrTypes {
		inSchema = append(inSchema, a)
	}
	slices.Sort(inModel)
	slices.Sort(inSchema)
	if !slices.Equal(inModel, inSchema) {
		t.Errorf("%s: model %s has attributes\n %v\nthe schema\n %v", name, mt, inModel, inSchema)
	}
}

func TestNewModelCodec_refusesBadModels(t *testing.T) {
	t.Parallel()
	type twice struct {
		A types.String `tfsdk:"a"`
		B types.String `tfsdk:"a"`
	}
	type notValue struct {
		A string `tfsdk:"a"`
	}
	type ignored struct {
		A types.String `tfsdk:"a"`
		b int
		C int `tfsdk:"-"`
	}
	for _, m := range []any{twice{}, notValue{}, 1} {
		if _, err := newModelCodec(reflect.TypeOf(m)); err == nil {
			t.Errorf("%T accepted", m)
		}
	}
	c, err := newModelCodec(reflect.TypeOf(ignored{b: 1}))
	if err != nil || len(c.fields) != 1 || c.fields[0].name != "a" {
		t.Errorf("ignored: %v, %+v", err, c)
	}
}

// getModel and setModel carry every attribute both ways, custom types included.
func TestGetSetModel_roundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var s resource.SchemaResponse
	(&serviceAccountTokenResource{}).Schema(ctx, resource.SchemaRequest{}, &s)
	in := serviceAccountTokenModel{
		ID: uuidOf(fuzzID), ServiceAccountID: uuidOf("9D8C7B6A-5F4E-4D3C-A2B1-0F9E8D7C6B5A"), OrganizationID: uuidUnknown(),
		ExpiresIn: durationOf("30d"), ExpiresAt: rfc3339Of(&fuzzNow), RenewBefore: durationNull(),
		RotationTrigger: types.DynamicValue(types.StringValue("1")), Token: types.StringValue("secret"),
		TokenID: types.StringNull(), RenewedAt: rfc3339Of(nil), HasExpired: types.BoolValue(true),
	}
	state := tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(s.Schema.Type().TerraformType(ctx), nil)}
	if d := setModel(ctx, &state, &in); d.HasError() {
		t.Fatal(d)
	}
	var out serviceAccountTokenModel
	if d := getModel(ctx, state, &out); d.HasError() {
		t.Fatal(d)
	}
	if !modelsEqual(&in, &out) || !reflect.DeepEqual(in, out) {
		t.Fatalf("in  %+v\nout %+v", in, out)
	}
}

func TestModelsEqual(t *testing.T) {
	t.Parallel()
	a := serviceAccountTokenModel{
		ID:              uuidOf("x"),
		RotationTrigger: types.DynamicValue(types.StringValue("1")),
		HasExpired:      types.BoolValue(false),
	}
	b := a
	if !modelsEqual(&a, &b) {
		t.Fatal("a copy is not equal")
	}
	b.RotationTrigger = types.DynamicValue(types.StringValue("2"))
	if modelsEqual(&a, &b) {
		t.Fatal("a different rotation_trigger is equal")
	}
	b = a
	b.HasExpired = types.BoolNull()
	if modelsEqual(&a, &b) {
		t.Fatal("null has_expired equals false")
	}
	b = a
	b.ExpiresIn = durationOf("720h")
	if modelsEqual(&a, &b) {
		t.Fatal("a set expires_in equals a null one")
	}
}

// BenchmarkModelCodec measures a read and a write of a token model: the codec must stay
// far below the framework's own reflection (see model_codec.go).
func BenchmarkModelCodec(b *testing.B) {
	ctx := context.Background()
	var s resource.SchemaResponse
	(&serviceAccountTokenResource{}).Schema(ctx, resource.SchemaRequest{}, &s)
	m := serviceAccountTokenModel{
		ID: uuidOf(fuzzID), ServiceAccountID: uuidOf(fuzzID), OrganizationID: uuidOf(fuzzOrg),
		ExpiresIn: durationOf("30d"), ExpiresAt: rfc3339Of(&fuzzNow), RenewBefore: durationNull(),
		RotationTrigger: types.DynamicNull(), Token: types.StringValue("secret"),
		TokenID: types.StringValue("t"), RenewedAt: rfc3339Of(&fuzzNow), HasExpired: types.BoolValue(false),
	}
	state := tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(s.Schema.Type().TerraformType(ctx), nil)}
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			_ = setModel(ctx, &state, &m)
			var out serviceAccountTokenModel
			_ = getModel(ctx, state, &out)
		}
	})
	b.Run("framework", func(b *testing.B) {
		for b.Loop() {
			_ = state.Set(ctx, &m)
			var out serviceAccountTokenModel
			_ = state.Get(ctx, &out)
		}
	})
}
