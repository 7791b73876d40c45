// Command terraform-provider-platformer serves the Terraform provider for the
// Platformer Console over the plugin protocol, version 6.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

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

	err := providerserver.Serve(context.Background(), provider.New(version, commit), providerserver.ServeOpts{
		Address: "registry.terraform.io/platformercloud/platformer",
		Debug:   debugMode,
	})
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
