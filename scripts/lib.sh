# shellcheck shell=bash
# Sourced by demo.sh and release-check.sh: the Console emulator as a background process
# of the script, and the end of the script's temp dir. The script defines info and die,
# and sets work (its temp dir) before it calls these.

emulator_pid=""

# build_emulator: build the emulator into $work/platformer-emulator.
build_emulator() {
  go build -o "$work/platformer-emulator" ./internal/emulator/cmd/platformer-emulator ||
    die "could not build the emulator"
}

# start_emulator: start $work/platformer-emulator on a free loopback port (port 0: the
# kernel picks a free port and the emulator prints the address it got), logging to
# $work/emulator.log, and wait until GET /_emulator/healthz answers 200. Sets
# emulator_pid and api_url.
start_emulator() {
  "$work/platformer-emulator" -addr 127.0.0.1:0 >"$work/emulator.log" 2>&1 &
  emulator_pid=$!
  api_url=""
  for _ in $(seq 1 100); do
    kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited at start"
    api_url=$(grep -o -m1 'http://127\.0\.0\.1:[0-9][0-9]*' "$work/emulator.log" 2>/dev/null || true)
    [[ -n $api_url ]] && break
    sleep 0.1
  done
  [[ -n $api_url ]] || die "the emulator did not report its address within 10s"
  local healthy=""
  for _ in $(seq 1 100); do
    if [[ $(curl --silent --max-time 2 --output /dev/null --write-out '%{http_code}' "$api_url/_emulator/healthz" || true) == 200 ]]; then
      healthy=1
      break
    fi
    sleep 0.1
  done
  [[ -n $healthy ]] || die "GET $api_url/_emulator/healthz did not answer 200 within 10s"
}

# stop_emulator: stop the emulator (it must still be running).
stop_emulator() {
  kill "$emulator_pid"
  wait "$emulator_pid" 2>/dev/null || true
  emulator_pid=""
}

# cleanup_emulator RC: for the EXIT trap: stop the emulator if it still runs and, when
# the script failed (RC != 0), show the end of its log.
cleanup_emulator() {
  local rc=$1
  if [[ -n $emulator_pid ]] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  if ((rc != 0)) && [[ -s $work/emulator.log ]]; then
    printf '\n--- last lines of the emulator log ---\n' >&2
    tail -n 20 "$work/emulator.log" >&2 || true
  fi
}

# cleanup_work: for the EXIT trap: remove $work, or keep it when KEEP_WORKDIR=1.
cleanup_work() {
  if [[ ${KEEP_WORKDIR:-} == 1 ]]; then
    printf '\nkept %s\n' "$work" >&2
  else
    rm -rf "$work"
  fi
}

# cli_registry_host CLI: the registry host that CLI (terraform or tofu) puts in front of
# a provider source without one: registry.opentofu.org for OpenTofu, else
# registry.terraform.io. The provider's address in mirrors, lock files and schemas.
cli_registry_host() {
  if [[ $(cli_name "$1") == OpenTofu* ]]; then
    echo registry.opentofu.org
  else
    echo registry.terraform.io
  fi
}

# cli_name CLI: what `CLI version` says it is ("Terraform v1.15.9", "OpenTofu v1.12.6"),
# skipping the warnings a CLI may print first. awk reads to the end: under pipefail, a
# reader that stops early (head, grep -m1) kills the CLI with SIGPIPE and fails the script.
cli_name() {
  local name
  name=$("$1" version 2>/dev/null | awk '/^(Terraform|OpenTofu) v/ && !seen++' || true)
  echo "${name:-$1 (unknown CLI)}"
}
