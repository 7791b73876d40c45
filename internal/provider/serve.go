package provider

import (
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/platformercloud/platformer"

// Serve serves p over the plugin protocol, version 6, through NewServer, after
// quietUnlessAsked and tuneGC; debugMode serves for a debugger (TF_REATTACH_PROVIDERS).
// Otherwise it stops within seconds once its parent process is gone (parent_watch.go).
// main uses it, and so does the benchmark's floor provider (tools/floorprovider), so
// that both run the same way.
func Serve(p func() provider.Provider, debugMode bool) error {
	quietUnlessAsked()
	tuneGC()
	var opts []tf6server.ServeOpt
	if debugMode {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	server, err := NewServer(p)()
	if err != nil {
		return err
	}
	if !debugMode { // a debugged plugin is the user's to stop
		go watchParent(os.Getppid(), parentPoll, os.Getppid, nil, stopOrphaned)
	}
	err = tf6server.Serve(Address, func() tfprotov6.ProviderServer { return server }, opts...)
	closeUnclosedEphemeralAccounts() // what a failed run left open (service_account_ephemeral_resource.go)
	return err
}

// quietUnlessAsked turns the plugin SDK's and the provider's logs off when no TF_LOG
// variable asks for them. Left unset, terraform-plugin-log defaults to TRACE: every
// request is logged as JSON to Terraform, which parses and then discards it. That costs
// a quarter of the provider's CPU and most of its memory on large configurations.
func quietUnlessAsked() {
	if os.Getenv("TF_LOG") != "" {
		return
	}
	for _, name := range []string{"TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		if os.Getenv(name) == "" {
			_ = os.Setenv(name, "OFF")
		}
	}
}

// tuneGC lets the heap grow to five times what is live before a collection, instead of
// the default twice, unless GOGC says otherwise. The provider's live heap is a few MiB
// while it allocates about 1 GiB in a plan of 1000 accounts and 1000 tokens: at the
// default the collector runs hundreds of times and takes a quarter of the CPU. With
// 400 the plan is about 10 % faster and the process peaks near 55 MiB.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
