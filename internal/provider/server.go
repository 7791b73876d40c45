package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewServer returns the protocol 6 server that main serves and the acceptance tests
// run: the framework's, behind releasingServer.
func NewServer(p func() provider.Provider) func() (tfprotov6.ProviderServer, error) {
	framework := providerserver.NewProtocol6WithError(p())
	return func() (tfprotov6.ProviderServer, error) {
		s, err := framework()
		if err != nil {
			return nil, err
		}
		if full, ok := s.(frameworkServer); ok {
			return &releasingServer{frameworkServer: full}, nil
		}
		return s, nil
	}
}

// frameworkServer is every RPC interface the framework's server implements, so that
// releasingServer hides none of them.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

// releasingServer works around a leak in terraform-plugin-framework (seen in v1.19.0):
// its server wraps every request's context in context.WithCancel and keeps each cancel
// function in a slice until StopProvider, which Terraform only sends on an interrupt.
// Through the cancel function, every request's whole context stays reachable, with
// the logging options, gRPC metadata and whatever else hangs off it: about 15 KiB per
// request, 150 MiB of live heap in a plan of 1000 accounts and 1000 tokens.
//
// For the RPCs Terraform sends once per resource instance, releasingServer hands the
// framework a context that forwards to the request's own only until the RPC returns,
// then lets it go; what stays reachable is a few hundred bytes per request. The RPCs
// whose answer is a stream that outlives the call are left as they are. When the
// framework no longer leaks (check on an upgrade, with requestsKept in server_test.go
// against providerserver.NewProtocol6WithError directly), this can go.
type releasingServer struct {
	frameworkServer
	// exactNumbers: the CLI compares states by their encoding, and ReadResource need not
	// rewrite numbers (canonical_numbers.go). Set by ConfigureProvider.
	exactNumbers atomic.Bool
}

// ConfigureProvider learns the CLI's version, for ReadResource.
func (s *releasingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	if req != nil {
		s.exactNumbers.Store(!needsCanonicalNumbers(req.TerraformVersion))
	}
	return s.frameworkServer.ConfigureProvider(ctx, req)
}

func (s *releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s *releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s *releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := releasing(ctx, req, s.frameworkServer.ReadResource)
	if !s.exactNumbers.Load() {
		canonicalNumbersInState(resp) // canonical_numbers.go: plan -refresh-only exits 0 after an apply
	}
	return resp, err
}

func (s *releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return releasing(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s *releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s *releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s *releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s *releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ReadDataSource)
}

// releasing calls rpc with a context that forwards to ctx until rpc returns, and that
// is cancelled when the plugin's lifetime ends (parent_watch.go).
func releasing[Req, Resp any](ctx context.Context, req Req, rpc func(context.Context, Req) (Resp, error)) (Resp, error) {
	inFlight.Add(1)
	defer inFlight.Add(-1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(lifetime, func() { cancel(context.Cause(lifetime)) })()
	rc := newReleasableContext(ctx)
	defer rc.release()
	return rpc(rc, req)
}

// releasableContext forwards to a request's context until release; from then on it
// is a cancelled context with no values, and no longer keeps the request's reachable.
type releasableContext struct {
	inner atomic.Pointer[context.Context]
}

// released is what a releasableContext forwards to once released.
var released = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func newReleasableContext(ctx context.Context) *releasableContext {
	rc := &releasableContext{}
	rc.inner.Store(&ctx)
	return rc
}

func (rc *releasableContext) release() { rc.inner.Store(&released) }

func (rc *releasableContext) ctx() context.Context { return *rc.inner.Load() }

func (rc *releasableContext) Deadline() (time.Time, bool) { return rc.ctx().Deadline() }
func (rc *releasableContext) Done() <-chan struct{}       { return rc.ctx().Done() }
func (rc *releasableContext) Err() error                  { return rc.ctx().Err() }
func (rc *releasableContext) Value(key any) any           { return rc.ctx().Value(key) }
