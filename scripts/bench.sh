#!/usr/bin/env bash
# make bench: time the provider against the local Console emulator and against
# Terraform core alone (2N terraform_data), count its API calls and sample its memory.
#
#   scripts/bench.sh                          # N = 50, 200, 1000; results in bench-results/
#   scripts/bench.sh -scenario ratelimit      # N=200 created, then all renewed in one apply, with the
#                                             # provider's defaults, against 20, 10, 5 and 2 req/s (-limits)
#   scripts/bench.sh -scenario all            # both
#   scripts/bench.sh -n 50 -latency 20ms      # any flag of tools/bench (-h lists them)
#
# It builds tools/bench, which builds the provider and the emulator, starts the emulator on
# a free loopback port and runs the Terraform on PATH with a dev_overrides CLI config:
# nothing is downloaded. Scratch files go to a temp dir, removed on exit
# (KEEP_WORKDIR=1 keeps it: logs of every terraform command, state, configurations).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export CHECKPOINT_DISABLE=1
export GOFLAGS="${GOFLAGS:--mod=readonly -buildvcs=false}"

for cmd in go terraform; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "bench: $cmd is not on PATH" >&2; exit 1; }
done
[[ $(uname -s) == Linux ]] || { echo "bench: needs Linux (/proc)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/platformer-bench.XXXXXX")
bench_pid=""

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  # Stop the bench first: it stops the emulator and any terraform it runs.
  if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  # The emulator dies with the bench (PR_SET_PDEATHSIG); if it is still there, end it.
  if [[ -s $work/run/emulator.pid ]]; then
    local pid
    pid=$(<"$work/run/emulator.pid")
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      sleep 1
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
  fi
  if [[ ${KEEP_WORKDIR:-} == 1 ]]; then
    echo "bench: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

go build -C "$root/tools" -o "$work/bench" ./bench

# In the background and waited for, so that the traps run at once on a signal.
"$work/bench" -repo "$root" -work "$work/run" "$@" &
bench_pid=$!
set +e
wait "$bench_pid"
rc=$?
set -e
bench_pid=""
exit "$rc"
