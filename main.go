// Command terraform-provider-platformer serves the Terraform provider for the
// Platformer Console over the plugin protocol, version 6.
package main

import (
	"flag"
	"log"

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
	if err := provider.Serve(provider.New(version, commit), debugMode); err != nil {
		log.Fatal(err.Error())
	}
}
