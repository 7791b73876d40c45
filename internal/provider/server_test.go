package provider

import (
	"context"
	"runtime"
	"testing"
	"weak"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// payload stands for what hangs off a request's context (logging options, gRPC
// metadata): big enough that keeping it is not a rounding error.
type payload struct{ _ [64 << 10]byte }

type payloadKey struct{}

// requestsKept sends n ValidateResourceConfig requests to server, each with a context
// that carries its own payload and is cancelled when the request returns, as gRPC does,
// and counts the payloads still reachable after a garbage collection.
func requestsKept(t *testing.T, server tfprotov6.ProviderServer, n int) int {
	t.Helper()
	ctx := context.Background()
	schema, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schema.ResourceSchemas["platformer_service_account"].ValueType()
	// Every attribute null but name: the list comes from the schema, not from here.
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.(tftypes.Object).AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
	}
	attrs["name"] = tftypes.NewValue(tftypes.String, "ci")
	config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attrs))
	if err != nil {
		t.Fatal(err)
	}
	kept := make([]weak.Pointer[payload], 0, n)
	for range n {
		p := &payload{}
		kept = append(kept, weak.Make(p))
		reqCtx, cancel := context.WithCancel(context.WithValue(ctx, payloadKey{}, p))
		resp, err := server.ValidateResourceConfig(reqCtx, &tfprotov6.ValidateResourceConfigRequest{
			TypeName: "platformer_service_account",
			Config:   &config,
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				t.Fatalf("ValidateResourceConfig: %s: %s", d.Summary, d.Detail)
			}
		}
	}
	runtime.GC()
	alive := 0
	for _, w := range kept {
		if w.Value() != nil {
			alive++
		}
	}
	runtime.KeepAlive(server) // the server lives on, as it does in the provider process
	return alive
}

// The server main serves lets every request's context go when the request returns.
func TestReleasingServer_releasesRequestContexts(t *testing.T) {
	t.Parallel()
	server, err := NewServer(New("test", "none"))()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := server.(*releasingServer); !ok {
		t.Fatalf("NewServer returned a %T, not the releasingServer: the framework's server no longer implements every RPC interface it did", server)
	}
	if kept := requestsKept(t, server, 50); kept > 0 {
		t.Errorf("%d of 50 request contexts are still reachable after their requests returned", kept)
	}
}
