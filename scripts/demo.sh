#!/usr/bin/env bash
# make demo: the provider end to end against the local Console emulator, offline.
#
#   1. build the provider and the emulator into a temp dir
#   2. start the emulator on a free loopback port and wait for /_emulator/healthz
#   3. point Terraform at the built provider with a dev_overrides CLI config
#   4. apply examples/demo: a service account in acme with a token, and a rotating token
#      over two accounts (ci-blue, ci-green)
#   5. prove with plain HTTP that the token works
#   6. apply again with -var rotation=2: the token is renewed; the old one gets 401
#   7. rotate the rotating token twice: curl shows the previous token still works
#      while the new one is live, and the one before it is dead
#   8. plan again: "No changes" (the applies left nothing to do)
#   9. destroy (every token gets 401); stop the emulator
#
# Tokens are never printed (only their first 6 characters and their length) and never
# put on a command line: curl reads its Authorization header from stdin (-K -).
# KEEP_WORKDIR=1 keeps the temp dir (state, logs) for inspection. TERRAFORM=/path/to/cli
# runs the same demo with another CLI (OpenTofu's tofu, a newer terraform).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export TF_INPUT=0

readonly organization_id="a1c3e000-0000-4000-8000-000000000001"
readonly admin_token="emulator-admin-token"

# Colours only on a terminal; plain text in CI logs.
if [[ -t 1 ]]; then
  bold=$'\033[1m' red=$'\033[31m' green=$'\033[32m' reset=$'\033[0m'
else
  bold="" red="" green="" reset=""
  export TF_CLI_ARGS_apply="-no-color" TF_CLI_ARGS_destroy="-no-color" TF_CLI_ARGS_output="-no-color" \
    TF_CLI_ARGS_plan="-no-color"
fi

step_no=0
step() { step_no=$((step_no + 1)); printf '\n%s==> [%d] %s%s\n' "$bold" "$step_no" "$*" "$reset"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\n%sdemo failed:%s %s\n' "$red" "$reset" "$*" >&2; exit 1; }

terraform=${TERRAFORM:-$(command -v terraform || true)}
# A relative path (make demo TERRAFORM=../shared/cli/tofu-1.12.6) is taken from here, before any cd.
[[ $terraform != */* || $terraform == /* ]] || terraform=$PWD/$terraform
[[ -n $terraform && -x $terraform ]] || die "terraform is not on PATH and TERRAFORM names no CLI (nothing here downloads one)"
for cmd in go curl; do
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not on PATH"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/platformer-demo.XXXXXX")

cleanup() {
  local rc=$?
  cleanup_emulator "$rc"
  cleanup_work
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mask TOKEN: the first 6 characters and the length, never the token.
mask() { printf '%s… (%d characters)' "${1:0:6}" "${#1}"; }

# http_status TOKEN URL: GET URL with "Authorization: TOKEN" and print the status code.
# The header goes through a curl config on stdin, so the token is not in `ps`.
http_status() {
  local token=$1 url=$2 esc
  esc=${token//\\/\\\\}
  esc=${esc//\"/\\\"}
  curl --silent --show-error --max-time 10 --output "$work/body.json" --write-out '%{http_code}' \
    --config - <<<"header = \"Authorization: $esc\"
url = \"$url\"" || echo "000"
}

# expect_status WHAT TOKEN WANT: fail unless GET /auth/api/v1/organization/list answers WANT.
expect_status() {
  local what=$1 token=$2 want=$3 got
  got=$(http_status "$token" "$api_url/auth/api/v1/organization/list")
  if [[ $got != "$want" ]]; then
    [[ -s $work/body.json ]] && info "response: $(head -c 300 "$work/body.json")"
    die "$what: GET /auth/api/v1/organization/list answered $got, expected $want"
  fi
  info "$what: GET /auth/api/v1/organization/list -> $got (as expected)"
}

tf() { "$terraform" "$@" || die "$(basename "$terraform") $1 failed"; }

# ---------------------------------------------------------------------------------
step "Build the provider and the emulator"
mkdir -p "$work/providers"
go build -ldflags "-X main.version=demo -X main.commit=local" \
  -o "$work/providers/terraform-provider-platformer" . ||
  die "could not build the provider"
build_emulator
info "provider: $work/providers/terraform-provider-platformer"

# ---------------------------------------------------------------------------------
step "Start the Console emulator"
start_emulator
info "emulator: $api_url (pid $emulator_pid), healthy"

# ---------------------------------------------------------------------------------
step "Configure $(cli_name "$terraform"): dev_overrides CLI config and PLATFORMER_* environment"
cat >"$work/terraform.rc" <<EOF
provider_installation {
  dev_overrides {
    "platformercloud/platformer" = "$work/providers"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraform.rc"
export PLATFORMER_API_URL="$api_url"
export PLATFORMER_TOKEN="$admin_token"
export PLATFORMER_ORGANIZATION_ID="$organization_id"
mkdir -p "$work/demo"
cp -R examples/demo/. "$work/demo/"
rm -rf "$work/demo/.terraform" "$work/demo/.terraform.lock.hcl" "$work/demo"/terraform.tfstate*
cd "$work/demo"
info "TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE"
info "PLATFORMER_API_URL=$PLATFORMER_API_URL"
info "PLATFORMER_ORGANIZATION_ID=$PLATFORMER_ORGANIZATION_ID"
info "PLATFORMER_TOKEN=$(mask "$PLATFORMER_TOKEN") (the emulator's seeded admin)"
info "working dir: $work/demo (no terraform init needed with dev_overrides)"

# ---------------------------------------------------------------------------------
step "terraform apply: service account ci-deployer and its token"
# apply prints the outputs (the token as <sensitive>); they are not printed again.
tf apply -auto-approve -input=false
token=$("$terraform" output -raw token) || die "terraform output token failed"
token_id=$("$terraform" output -raw token_id) || die "terraform output token_id failed"
[[ -n $token ]] || die "the token output is empty"
info "token: $(mask "$token")"

step "Prove the token works with a plain HTTP call"
expect_status "service account token" "$token" 200

# ---------------------------------------------------------------------------------
step "terraform apply -var rotation=2: renew the token"
tf apply -auto-approve -input=false -var rotation=2
new_token=$("$terraform" output -raw token) || die "terraform output token failed"
new_token_id=$("$terraform" output -raw token_id) || die "terraform output token_id failed"
[[ -n $new_token ]] || die "the token output is empty after rotation"
[[ $new_token != "$token" ]] || die "the token did not change after rotation"
[[ $new_token_id != "$token_id" ]] || die "token_id did not change after rotation ($token_id)"
info "token_id: $token_id -> $new_token_id"
info "new token: $(mask "$new_token")"

step "Prove the old token is dead and the new one works"
expect_status "old token" "$token" 401
expect_status "new token" "$new_token" 200

# ---------------------------------------------------------------------------------
step "Zero-downtime rotation: platformer_service_account_rotating_token over ci-blue and ci-green"
ci_token1=$("$terraform" output -raw ci_token) || die "terraform output ci_token failed"
ci_active1=$("$terraform" output -raw ci_active_account) || die "terraform output ci_active_account failed"
[[ -n $ci_token1 ]] || die "the ci_token output is empty"
info "active account: $ci_active1, token: $(mask "$ci_token1")"
expect_status "rotating token" "$ci_token1" 200

step "terraform apply -var rotate_now=2: rotate (renews the inactive account, which becomes active)"
tf apply -auto-approve -input=false -var rotation=2 -var rotate_now=2
ci_token2=$("$terraform" output -raw ci_token) || die "terraform output ci_token failed"
ci_active2=$("$terraform" output -raw ci_active_account) || die "terraform output ci_active_account failed"
[[ $ci_token2 != "$ci_token1" ]] || die "the rotating token did not change"
[[ $ci_active2 != "$ci_active1" ]] || die "the active account did not change ($ci_active2)"
info "active account: $ci_active1 -> $ci_active2, new token: $(mask "$ci_token2")"
expect_status "new token (live)" "$ci_token2" 200
expect_status "previous token (still works: no downtime for consumers that hold it)" "$ci_token1" 200

step "terraform apply -var rotate_now=3: rotate again"
tf apply -auto-approve -input=false -var rotation=2 -var rotate_now=3
ci_token3=$("$terraform" output -raw ci_token) || die "terraform output ci_token failed"
ci_active3=$("$terraform" output -raw ci_active_account) || die "terraform output ci_active_account failed"
[[ $ci_token3 != "$ci_token2" ]] || die "the rotating token did not change"
[[ $ci_active3 == "$ci_active1" ]] || die "the active account did not go back to $ci_active1 ($ci_active3)"
info "active account: $ci_active2 -> $ci_active3, new token: $(mask "$ci_token3")"
expect_status "new token (live)" "$ci_token3" 200
expect_status "previous token (still works)" "$ci_token2" 200
expect_status "the token before it (renewed by this rotation)" "$ci_token1" 401

# ---------------------------------------------------------------------------------
step "terraform plan: nothing left to do"
plan_rc=0
"$terraform" plan -input=false -detailed-exitcode -var rotation=2 -var rotate_now=3 || plan_rc=$?
case $plan_rc in
  0) info "the plan after the applies is empty" ;;
  2) die "the plan after the applies is not empty" ;;
  *) die "terraform plan failed" ;;
esac

# ---------------------------------------------------------------------------------
step "terraform destroy"
tf destroy -auto-approve -input=false -var rotation=2 -var rotate_now=3
expect_status "token of the deleted service account" "$new_token" 401
expect_status "rotating token after destroy" "$ci_token3" 401
expect_status "its previous token after destroy" "$ci_token2" 401
unset token new_token ci_token1 ci_token2 ci_token3

step "Stop the emulator"
stop_emulator
info "stopped"

printf '\n%sdemo OK%s: created, used, rotated (also with zero downtime) and destroyed service account tokens against the emulator.\n' "$green" "$reset"
