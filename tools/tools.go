//go:build tools

// Package tools pins the generators and linters that the GNUmakefile runs, so that
// every machine builds the same versions from the Go module proxy.
package tools

import (
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
