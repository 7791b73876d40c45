#!/usr/bin/env bash
# Regenerates docs/ from the provider's own schema, templates/ and examples/.
#
# Nothing is downloaded. tfplugindocs v0.25, left to itself, builds the provider and
# asks hc-install for a Terraform CLI: with --tf-version it always downloads one from
# releases.hashicorp.com, and without it it uses the terraform on PATH but falls back
# to downloading the latest release when there is none. So we never let it look:
# we build the provider ourselves, ask the terraform on PATH for the schema through a
# dev_overrides CLI config (no `terraform init`, no registry), and hand tfplugindocs
# the JSON with --providers-schema, which skips its build-and-download path entirely.
# `tfplugindocs validate` then checks the rendered docs/ against the same schema.
#
# Before rendering, the permission codes guide (templates/guides/permissions.md.tmpl)
# is regenerated from internal/catalog, so docs-check fails when the catalog changed
# and the page did not.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export CHECKPOINT_DISABLE=1

# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

provider_name="platformer"
tfplugindocs=${TFPLUGINDOCS:-$root/bin/tfplugindocs}
terraform=${TERRAFORM:-$(command -v terraform || true)}

die() { echo "docs: $*" >&2; exit 1; }

[[ -x $tfplugindocs ]] || die "$tfplugindocs not found; run 'make tools' first"
[[ -n $terraform && -x $terraform ]] || die "terraform is not on PATH; install Terraform >= 1.11 (docs generation never downloads it)"
# registry.terraform.io/..., or registry.opentofu.org/... when TERRAFORM is OpenTofu.
provider_address="$(cli_registry_host "$terraform")/platformercloud/platformer"

work=$(mktemp -d "${TMPDIR:-/tmp}/platformer-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "==> generating templates/guides/permissions.md.tmpl from internal/catalog"
go run ./internal/catalog/cmd/gen-permissions -o templates/guides/permissions.md.tmpl

echo "==> building the provider for its schema"
mkdir -p "$work/plugins" "$work/config"
go build -o "$work/plugins/terraform-provider-platformer" .

# A CLI config that points Terraform at the binary we just built and at nothing else.
cat >"$work/terraform.rc" <<RC
provider_installation {
  dev_overrides {
    "$provider_address" = "$work/plugins"
  }
}
RC
cat >"$work/config/main.tf" <<'TF'
terraform {
  required_providers {
    platformer = {
      source = "platformercloud/platformer"
    }
  }
}
TF

echo "==> exporting the schema with $(cli_name "$terraform")"
TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1 \
  "$terraform" -chdir="$work/config" providers schema -json >"$work/schema.full.json" 2>"$work/terraform.log" ||
  { cat "$work/terraform.log" >&2; die "terraform providers schema failed"; }
# Terraform before 1.14 exports no list resource or action schemas (nor, before 1.12,
# identity schemas): take those three from the provider itself, whatever the CLI.
go run ./internal/cmd/docs-schema-extras -address "$provider_address" "$work/schema.full.json"

# tfplugindocs looks the schema up as "platformer" or "registry.terraform.io/hashicorp/platformer";
# Terraform keys it by the full address. The address occurs only as that map key.
sed "s#\"$provider_address\":#\"$provider_name\":#" "$work/schema.full.json" >"$work/schema.json"
grep -q "\"$provider_name\":" "$work/schema.json" || die "provider $provider_address missing from the exported schema"

echo "==> rendering docs/ with tfplugindocs"
"$tfplugindocs" generate \
  --provider-dir "$root" \
  --provider-name "$provider_name" \
  --rendered-provider-name Platformer \
  --providers-schema "$work/schema.json" \
  --rendered-website-dir docs \
  --website-source-dir templates \
  --examples-dir examples

echo "==> validating docs/ with tfplugindocs validate"
# It logs every file it checks; show that only when it fails.
"$tfplugindocs" validate \
  --provider-dir "$root" \
  --provider-name "$provider_name" \
  --providers-schema "$work/schema.json" >"$work/validate.log" 2>&1 ||
  { cat "$work/validate.log" >&2; die "tfplugindocs validate found problems in docs/ (above)"; }
echo "docs/ passes tfplugindocs validate"
