// Command terraform-provider-platformer serves the Terraform provider for the
// Platformer Console over the plugin protocol, version 6.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/platformercloud/terraform-provider-platformer/internal/provider"
)

// memoryLimit is the provider's soft memory limit unless GOMEMLIMIT sets one: the
// garbage collector works harder as the heap nears it, so that a provider instance,
// one of several Terraform may start, stays small. Live data is far below it.
const memoryLimit = 80 << 20

// Set by the release build through -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debugMode bool
	flag.BoolVar(&debugMode, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}

	err := providerserver.Serve(context.Background(), provider.New(version, commit), providerserver.ServeOpts{
		Address: "registry.terraform.io/platformercloud/platformer",
		Debug:   debugMode,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
