#!/usr/bin/env bash
# make release-check: build the release the way the Terraform Registry receives it, and
# install and use it the way a user does. Offline once the Go modules are in the cache.
#
#   1. a throwaway GPG key in a temporary GNUPGHOME (never printed, deleted at exit)
#   2. goreleaser (pinned, bin/goreleaser) in snapshot mode, signing on, into dist/
#   3. verify dist/: the SHA256SUMS signature (gpg --verify), every checksum
#      (sha256sum -c), the registry manifest, every zip's name and content
#   4. start the Console emulator on a free loopback port
#   5. for terraform, then OpenTofu (TOFU, when it is there; one line says so when not):
#      unpack nothing: put the linux_amd64 zip into a filesystem_mirror under the CLI's
#      registry host (registry.terraform.io / registry.opentofu.org, the packed layout),
#      `init` from it (no dev_overrides, no registry), check the lock file records the
#      package's hash; apply examples/demo with the released binary, plan again (no
#      changes), destroy
#
# RELEASE_CHECK_TARGETS="linux_amd64 darwin_arm64" builds only those targets (for a quick
# local run); by default every target of .goreleaser.yml is built, as a release does.
# KEEP_WORKDIR=1 keeps the temp dir (CLI config, state, logs) for inspection.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export TF_INPUT=0
export TF_CLI_ARGS_init="-no-color" TF_CLI_ARGS_plan="-no-color" TF_CLI_ARGS_apply="-no-color" TF_CLI_ARGS_destroy="-no-color"

readonly project=terraform-provider-platformer
readonly organization_id="a1c3e000-0000-4000-8000-000000000001"
readonly admin_token="emulator-admin-token"
goreleaser=${GORELEASER:-$root/bin/goreleaser}
terraform=${TERRAFORM:-$(command -v terraform || true)}
# A relative path (make demo TERRAFORM=../shared/cli/tofu-1.12.6) is taken from here, before any cd.
[[ $terraform != */* || $terraform == /* ]] || terraform=$PWD/$terraform

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\nrelease-check failed: %s\n' "$*" >&2; exit 1; }

[[ -x $goreleaser ]] || die "$goreleaser not found; run 'make tools' first"
[[ -n $terraform && -x $terraform ]] || die "terraform is not on PATH (Terraform >= 1.11; nothing here downloads it)"
for cmd in go git gpg gpgconf sha256sum unzip curl; do
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not on PATH (gpg: Debian package gnupg; unzip: package unzip)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/platformer-release-check.XXXXXX")
started=$SECONDS
cleanup() {
  local rc=$?
  if [[ -n ${GNUPGHOME:-} && -d $GNUPGHOME ]]; then
    gpgconf --kill all >/dev/null 2>&1 || true # the agent started for this GNUPGHOME
    rm -rf "$GNUPGHOME"
  fi
  cleanup_emulator "$rc"
  cleanup_work
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------
step "Throwaway signing key (temporary GNUPGHOME)"
# A short path: gpg-agent's socket lives in GNUPGHOME and socket paths are limited.
GNUPGHOME=$(mktemp -d /tmp/rc-gnupg.XXXXXX)
export GNUPGHOME
chmod 700 "$GNUPGHOME"
# RSA, like the keys the Terraform Registry accepts; no passphrase; expires tomorrow.
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --quick-generate-key "release-check <release-check@invalid>" rsa3072 sign 1d >/dev/null 2>&1 ||
  die "could not generate a GPG key"
GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
[[ -n $GPG_FINGERPRINT ]] || die "no fingerprint for the generated key"
export GPG_FINGERPRINT
info "key generated in a temporary GNUPGHOME (removed at exit)"

# ---------------------------------------------------------------------------------
step "goreleaser release --snapshot (signing on) into dist/"
config=.goreleaser.yml
if [[ -n ${RELEASE_CHECK_TARGETS:-} ]]; then
  # Only the requested targets: a copy of the config with builds.targets set, which
  # overrides goos/goarch/ignore. Everything else is the release's own configuration.
  config=$work/goreleaser.yml
  {
    sed -n '1,/^builds:/p' .goreleaser.yml
    printf '  - targets: [%s]\n' "$(echo "$RELEASE_CHECK_TARGETS" | tr -s ' ' ',')"
    sed -n '/^builds:/,/^archives:/{/^builds:/d;/^archives:/d;s/^  - env:/    env:/;p}' .goreleaser.yml
    sed -n '/^archives:/,$p' .goreleaser.yml
  } >"$config"
  info "targets: $RELEASE_CHECK_TARGETS (RELEASE_CHECK_TARGETS)"
fi
# goreleaser reads the remote's URL; a clone without a remote would make it drop all
# git information (commit, date) from the snapshot. Lend it one through the
# environment, leaving the repository's config alone.
if ! git ls-remote --get-url >/dev/null 2>&1; then
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0="$root"
fi
"$goreleaser" --version 2>/dev/null | awk 'tolower($0) ~ /^gitversion/ && !seen++ { print "    goreleaser " $0 }' || true
build_started=$SECONDS
"$goreleaser" release --snapshot --clean --config "$config" --parallelism 2 >"$work/goreleaser.log" 2>&1 || {
  tail -n 40 "$work/goreleaser.log" >&2
  die "goreleaser failed (log above)"
}
build_seconds=$((SECONDS - build_started))
grep -q 'signing' "$work/goreleaser.log" || die "goreleaser did not sign (no signing step in its log)"
info "goreleaser finished in ${build_seconds}s"

version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | awk 'NR == 1')
[[ -n $version ]] || die "no version in dist/metadata.json"
info "version: $version"

# ---------------------------------------------------------------------------------
step "Verify dist/"
sums=${project}_${version}_SHA256SUMS
manifest=${project}_${version}_manifest.json
[[ -f dist/$sums ]] || die "dist/$sums is missing"
[[ -f dist/$sums.sig ]] || die "dist/$sums.sig is missing (signing did not run)"

# The release's assets as the Registry downloads them: dist's zips, SHA256SUMS and its
# signature, and terraform-registry-manifest.json, which release.extra_files uploads
# as $manifest (it is not copied into dist/).
grep -q 'name_template: .*_manifest.json' .goreleaser.yml || die ".goreleaser.yml does not upload the manifest as <project>_<version>_manifest.json"
assets=$work/assets
mkdir -p "$assets"
cp dist/*.zip "dist/$sums" "dist/$sums.sig" "$assets/"
cp terraform-registry-manifest.json "$assets/$manifest"

gpg --batch --verify "$assets/$sums.sig" "$assets/$sums" 2>"$work/gpg-verify.log" || {
  cat "$work/gpg-verify.log" >&2
  die "gpg --verify of $sums.sig failed: $sums changed after it was signed"
}
info "gpg --verify $sums.sig: good signature"
(cd "$assets" && sha256sum --check --strict --quiet "$sums") || die "sha256sum -c $sums failed"
info "sha256sum -c $sums: $(wc -l <"dist/$sums") files OK"

# SHA256SUMS lists the zips and the manifest, nothing else (no signature of itself).
while read -r _ name; do
  [[ $name == "$manifest" || ($name == *.zip && -f dist/$name) ]] || die "$sums lists $name, which is neither a zip nor the manifest"
done <"dist/$sums"
grep -q "  $manifest\$" "dist/$sums" || die "$manifest is not listed in $sums"
info "manifest: $manifest (listed in $sums, protocol $(sed -n 's/.*"protocol_versions": *\[\([^]]*\)\].*/\1/p' terraform-registry-manifest.json))"

shopt -s nullglob
zips=(dist/*.zip)
shopt -u nullglob
((${#zips[@]} > 0)) || die "no zip in dist/"
for zip in "${zips[@]}"; do
  name=$(basename "$zip")
  [[ $name =~ ^${project}_${version//./\\.}_([a-z0-9]+)_([a-z0-9]+)\.zip$ ]] ||
    die "$name is not named ${project}_${version}_<os>_<arch>.zip"
  os=${BASH_REMATCH[1]}
  want=${project}_v${version}
  [[ $os == windows ]] && want+=.exe
  got=$(unzip -Z1 "$zip")
  [[ $got == "$want" ]] || die "$name holds [$(echo "$got" | tr '\n' ' ')], want exactly $want"
  grep -q "  $name\$" "dist/$sums" || die "$name is not listed in $sums"
done
info "${#zips[@]} zips, each named ${project}_${version}_<os>_<arch>.zip holding ${project}_v${version}:"
for zip in "${zips[@]}"; do basename "$zip"; done | sed 's/^/      /'

linux_zip=dist/${project}_${version}_linux_amd64.zip
[[ -f $linux_zip ]] || die "$linux_zip is missing"

# ---------------------------------------------------------------------------------
step "Start the Console emulator"
build_emulator
start_emulator
info "emulator: $api_url"
export PLATFORMER_API_URL=$api_url PLATFORMER_TOKEN=$admin_token PLATFORMER_ORGANIZATION_ID=$organization_id
unset TF_PLUGIN_CACHE_DIR

# install_and_apply CLI: put the linux_amd64 zip into a filesystem_mirror under the CLI's
# own registry host (the packed layout: HOSTNAME/NAMESPACE/TYPE/<the zip>, the very file
# the Registry would serve), `init` from it alone (no dev_overrides, no registry, no
# plugin cache), check the lock file records the package's hash, then apply
# examples/demo with the released binary, plan again (no changes) and destroy.
install_and_apply() {
  local cli=$1 name host provider_source dir
  name=$(cli_name "$cli")
  host=$(cli_registry_host "$cli")
  provider_source=$host/platformercloud/platformer
  dir=$work/$(basename "$cli")
  step "Install the linux_amd64 zip from a filesystem_mirror with $name ($provider_source)"
  mkdir -p "$dir/mirror/$provider_source" "$dir/config"
  cp "$linux_zip" "$dir/mirror/$provider_source/"
  cat >"$dir/cli.rc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$dir/mirror"
    include = ["$provider_source"]
  }
}
EOF
  export TF_CLI_CONFIG_FILE=$dir/cli.rc
  cp examples/demo/*.tf "$dir/config/"
  # Pin the snapshot version (a pre-release is only selected by an exact constraint)
  # through an override file, merged into the example's own required_providers.
  cat >"$dir/config/release_check_override.tf" <<EOF
terraform {
  required_providers {
    platformer = {
      source  = "platformercloud/platformer"
      version = "= $version"
    }
  }
}
EOF
  (
    cd "$dir/config"
    "$cli" init -input=false >"$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; die "$name: init failed"; }
    grep -q "Installed platformercloud/platformer v$version" "$dir/init.log" ||
      { cat "$dir/init.log" >&2; die "$name: init did not install platformercloud/platformer v$version"; }
    info "$(grep -m1 'Installed platformercloud/platformer' "$dir/init.log" | sed 's/^- //')"
    grep -q "provider \"$provider_source\"" .terraform.lock.hcl || die "$name: the lock file has no entry for $provider_source"
    grep -q "version *= \"$version\"" .terraform.lock.hcl || die "$name: the lock file does not record version $version"
    grep -q '"h1:' .terraform.lock.hcl || die "$name: the lock file records no h1: hash"
    info "lock file: $provider_source $version, $(grep -o '"h1:[^"]*"' .terraform.lock.hcl | tr '\n' ' ')"
    # A second init must accept the installed package against the lock file's hash.
    "$cli" init -input=false -lockfile=readonly >"$dir/init2.log" 2>&1 ||
      { cat "$dir/init2.log" >&2; die "$name: init -lockfile=readonly rejected the package"; }
    info "init -lockfile=readonly: the package matches the lock file"

    step "$name: apply, plan, destroy with the released binary"
    "$cli" version >"$dir/version.log" 2>&1 || true
    grep -q "provider $provider_source v$version" "$dir/version.log" ||
      { cat "$dir/version.log" >&2; die "$name: version does not list $provider_source v$version"; }
    "$cli" apply -auto-approve -input=false >"$dir/apply.log" 2>&1 || { cat "$dir/apply.log" >&2; die "$name: apply failed"; }
    info "apply: $(grep -m1 '^Apply complete' "$dir/apply.log")"
    local rc=0
    "$cli" plan -detailed-exitcode -input=false >"$dir/plan.log" 2>&1 || rc=$?
    ((rc == 0)) || { cat "$dir/plan.log" >&2; die "$name: the plan after apply is not empty (exit $rc)"; }
    info "plan: $(grep -m1 '^No changes' "$dir/plan.log")"
    "$cli" destroy -auto-approve -input=false >"$dir/destroy.log" 2>&1 || { cat "$dir/destroy.log" >&2; die "$name: destroy failed"; }
    info "destroy: $(grep -m1 '^Destroy complete' "$dir/destroy.log")"
  ) || exit 1
  installed+=("$name")
}

installed=()
install_and_apply "$terraform"
if [[ -z ${TOFU:-} ]]; then
  printf '\n==> OpenTofu: skipped (TOFU is empty): the release is not installed with tofu here\n'
elif [[ -x $TOFU ]]; then
  install_and_apply "$TOFU"
else
  printf '\n==> OpenTofu: skipped: %s not found, so the release is not installed with tofu here\n' "$TOFU"
fi

stop_emulator

printf '\nrelease-check OK in %ss (goreleaser %ss): %d signed zips of %s, installed from a filesystem mirror and applied with: %s.\n' \
  "$((SECONDS - started))" "$build_seconds" "${#zips[@]}" "$version" "$(IFS=';'; echo "${installed[*]}" | sed 's/;/ and /g')"
