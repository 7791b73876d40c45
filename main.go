// Command terraform-provider-platformer serves the Terraform provider for the
// Platformer Console over the plugin protocol, version 6.
package main

import (
	"flag"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/platformercloud/terraform-provider-platformer/internal/provider"
)

// Set by the release build through -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debugMode bool
	flag.BoolVar(&debugMode, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()
	quietUnlessAsked()
	tuneGC()

	var opts []tf6server.ServeOpt
	if debugMode {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	newServer := provider.NewServer(provider.New(version, commit))
	err := tf6server.Serve("registry.terraform.io/platformercloud/platformer", func() tfprotov6.ProviderServer {
		server, err := newServer()
		if err != nil {
			log.Fatal(err.Error())
		}
		return server
	}, opts...)
	if err != nil {
		log.Fatal(err.Error())
	}
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
