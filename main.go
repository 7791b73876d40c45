// Command terraform-provider-platformer serves the Terraform provider for the
// Platformer Console over the plugin protocol, version 6.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/platformercloud/terraform-provider-platformer/internal/provider"
)

// Set by the release build through -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version, commit), providerserver.ServeOpts{
		Address: "registry.terraform.io/platformercloud/platformer",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
