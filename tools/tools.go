//go:build tools

// Package tools pins the generators, linters and release tools that the GNUmakefile
// runs, so that every machine builds the same versions from the Go module proxy:
// golangci-lint (make lint), tfplugindocs (make docs), goreleaser (make release-check)
// and hashicorp/time's provider, which the tests install from a filesystem_mirror to
// apply the guide examples that use time_rotating.
package tools

import (
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
	_ "github.com/goreleaser/goreleaser/v2"
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
	_ "github.com/hashicorp/terraform-provider-time"
)
