package provider

import (
	"reflect"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Each objectModel lists exactly its struct's tfsdk tags, each pointing at the field
// that carries the tag, and exactly the attributes of its schema.
func TestObjectModels_matchTagsAndSchema(t *testing.T) {
	t.Parallel()
	for _, m := range []objectModel{&serviceAccountModel{}, &serviceAccountTokenModel{}} {
		v := reflect.ValueOf(m).Elem()
		fields := m.fields()
		var tags []string
		for i := range v.NumField() {
			tag := v.Type().Field(i).Tag.Get("tfsdk")
			tags = append(tags, tag)
			ptr, ok := fields[tag]
			if !ok {
				t.Errorf("%s: fields() lacks %q", v.Type(), tag)
				continue
			}
			if reflect.ValueOf(ptr).Pointer() != v.Field(i).Addr().Pointer() {
				t.Errorf("%s: fields()[%q] does not point at field %s", v.Type(), tag, v.Type().Field(i).Name)
			}
		}
		var listed, inSchema []string
		for name := range fields {
			listed = append(listed, name)
		}
		for name := range m.attrTypes() {
			inSchema = append(inSchema, name)
		}
		slices.Sort(tags)
		slices.Sort(listed)
		slices.Sort(inSchema)
		if !slices.Equal(tags, listed) || !slices.Equal(listed, inSchema) {
			t.Errorf("%s:\n tags   %v\n fields %v\n schema %v", v.Type(), tags, listed, inSchema)
		}
	}
}

func TestModelsEqual(t *testing.T) {
	t.Parallel()
	a := serviceAccountTokenModel{
		ID:              types.StringValue("x"),
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
}
