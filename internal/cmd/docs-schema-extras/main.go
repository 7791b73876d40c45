// Command docs-schema-extras completes the schema JSON that `terraform providers schema
// -json` exported for the docs with what Terraform before 1.14 leaves out: the list
// resource schemas, the action schemas (1.14) and the resource identity schemas (1.12).
// It reads them from the provider itself, so that the docs are the same whichever CLI
// exported the rest, and writes them in the CLI's own JSON format (terraform-json).
//
//	docs-schema-extras -address registry.terraform.io/platformercloud/platformer schema.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/platformercloud/terraform-provider-platformer/internal/provider"
)

func main() {
	address := flag.String("address", "registry.terraform.io/platformercloud/platformer", "the provider's address in the schema JSON")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: docs-schema-extras [-address ADDR] SCHEMA.json (rewritten in place)")
		os.Exit(2)
	}
	if err := run(*address, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "docs-schema-extras:", err)
		os.Exit(1)
	}
}

func run(address, file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	schemas, _ := doc["provider_schemas"].(map[string]any)
	p, ok := schemas[address].(map[string]any)
	if !ok {
		return fmt.Errorf("%s: no provider %s", file, address)
	}
	extras, err := providerExtras()
	if err != nil {
		return err
	}
	for k, v := range extras {
		p[k] = v
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o600)
}

// providerExtras are the three sections, from the provider's protocol server.
func providerExtras() (map[string]any, error) {
	ctx := context.Background()
	server, err := provider.NewServer(provider.New("docs", "none"))()
	if err != nil {
		return nil, err
	}
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	ids, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		return nil, err
	}
	lists, actions, identities := map[string]any{}, map[string]any{}, map[string]any{}
	for name, s := range resp.ListResourceSchemas {
		b, err := block(s.Block)
		if err != nil {
			return nil, fmt.Errorf("list resource %s: %w", name, err)
		}
		lists[name] = map[string]any{"version": s.Version, "block": b}
	}
	for name, s := range resp.ActionSchemas {
		b, err := block(s.Schema.Block)
		if err != nil {
			return nil, fmt.Errorf("action %s: %w", name, err)
		}
		actions[name] = map[string]any{"block": b}
	}
	for name, s := range ids.IdentitySchemas {
		attrs := map[string]any{}
		for _, a := range s.IdentityAttributes {
			m := map[string]any{"type": a.Type, "description": a.Description}
			flagIf(m, "required_for_import", a.RequiredForImport)
			flagIf(m, "optional_for_import", a.OptionalForImport)
			attrs[a.Name] = m
		}
		identities[name] = map[string]any{"version": s.Version, "attributes": attrs}
	}
	return map[string]any{
		"list_resource_schemas": lists, "action_schemas": actions, "resource_identity_schemas": identities,
	}, nil
}

// block is a schema block of flat attributes in terraform-json's format; nested
// blocks and nested attributes are refused (none of the schemas here has them).
func block(b *tfprotov6.SchemaBlock) (map[string]any, error) {
	if len(b.BlockTypes) > 0 {
		return nil, errors.New("nested blocks are not supported: extend docs-schema-extras")
	}
	attrs := map[string]any{}
	for _, a := range b.Attributes {
		if a.NestedType != nil {
			return nil, fmt.Errorf("attribute %s: nested attributes are not supported: extend docs-schema-extras", a.Name)
		}
		m := map[string]any{"type": a.Type, "description": a.Description, "description_kind": kind(a.DescriptionKind)}
		flagIf(m, "required", a.Required)
		flagIf(m, "optional", a.Optional)
		flagIf(m, "computed", a.Computed)
		flagIf(m, "sensitive", a.Sensitive)
		flagIf(m, "deprecated", a.Deprecated)
		attrs[a.Name] = m
	}
	out := map[string]any{"attributes": attrs, "description": b.Description, "description_kind": kind(b.DescriptionKind)}
	flagIf(out, "deprecated", b.Deprecated)
	return out, nil
}

func kind(k tfprotov6.StringKind) string {
	if k == tfprotov6.StringKindMarkdown {
		return "markdown"
	}
	return "plain"
}

func flagIf(m map[string]any, key string, set bool) {
	if set {
		m[key] = true
	}
}
