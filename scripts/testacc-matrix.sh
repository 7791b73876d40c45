#!/usr/bin/env bash
# make testacc-matrix: the whole acceptance suite (every package whose tests drive a
# CLI) once per CLI, against the in-process Console emulator, then a summary per CLI:
# tests run, passed, failed, skipped (with each reason), time.
#
#   scripts/testacc-matrix.sh CLI...
#
# Each CLI is a path to a terraform or tofu binary. A CLI that is not there (a
# contributor's machine without ../shared/cli) is skipped with one line that says so;
# a CLI that is there and fails its suite fails the whole run, after the others ran.
# The test binary is compiled once and run for each CLI (each run builds the provider
# binary once, for the tests that run it through dev_overrides).
#
# MATRIX_PKGS      packages to run (default ./internal/provider/)
# MATRIX_TEST_FLAGS flags for each test binary (default below; -test.timeout leaves
#                  2x the slowest run measured on a loaded 2-core machine)
# MATRIX_RUN       a -run regexp, to run part of the suite on every CLI
# MATRIX_JOBS      how many CLIs run at once (default 2)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export TF_INPUT=0

pkgs=${MATRIX_PKGS:-./internal/provider/}
# The generative lifecycle checker drives the provider in-process, never a CLI: it runs
# once, in `make test`, not once per CLI.
flags=${MATRIX_TEST_FLAGS:--test.count=1 -test.parallel=4 -test.timeout=30m -test.skip=^TestLifecycleChecker$}
[[ -z ${MATRIX_RUN:-} ]] || flags+=" -test.run=$MATRIX_RUN"

die() { printf 'testacc-matrix: %s\n' "$*" >&2; exit 1; }

(($# > 0)) || die "usage: $0 CLI... (paths of terraform or tofu binaries)"

work=$(mktemp -d "${TMPDIR:-/tmp}/platformer-matrix.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The CLIs that are there; the others get their one line.
clis=()
for cli in "$@"; do
  if [[ -x $cli ]]; then
    clis+=("$cli")
  else
    printf 'testacc-matrix: SKIP %s: not found or not executable (the suite does not run on that CLI here)\n' "$cli"
  fi
done
((${#clis[@]} > 0)) || { echo "testacc-matrix: no CLI to run the suite on"; exit 0; }

printf '==> compiling the test binaries (%s)\n' "$pkgs"
mapfile -t pkg_dirs < <(go list -f '{{.Dir}}' $pkgs)
for dir in "${pkg_dirs[@]}"; do
  go test -c -o "$work/$(basename "$dir").test" "$dir" || die "compiling the tests of $dir failed"
done

# summarize LOG: counts and skip reasons from a verbose (-test.v) log. A test's own
# lines follow a "=== RUN/CONT/NAME <test>" header; a skipped test's reason is the last
# "<file>_test.go:<line>: ..." line it printed.
summarize() {
  awk '
    /^=== (RUN|CONT|NAME|PAUSE) / { current = $3; next }
    /^ *--- PASS: / { pass++; next }
    /^ *--- FAIL: / { fail++; failed[fail] = $3; next }
    /^ *--- SKIP: / { skip++; skipped[skip] = $3; next }
    current != "" && /^ +[^ ]+_test\.go:[0-9]+: / {
      line = $0; sub(/^ +[^ ]+_test\.go:[0-9]+: /, "", line); last[current] = line
    }
    END {
      printf "    tests run %d (subtests included): passed %d, failed %d, skipped %d\n", pass + fail + skip, pass, fail, skip
      for (i = 1; i <= fail; i++) printf "    FAIL %s\n", failed[i]
      for (i = 1; i <= skip; i++) printf "    SKIP %s: %s\n", skipped[i], last[skipped[i]]
    }' "$1"
}

# run_cli N CLI: the suite on CLI, its log and summary in $work/N.*, its exit code in
# $work/N.rc.
run_cli() {
  local n=$1 cli=$2 version started rc=0 dir log
  version=$("$cli" version 2>/dev/null | awk '/^(Terraform|OpenTofu) v/ && !seen++' || true)
  [[ -n $version ]] || version="$cli (no version printed)"
  started=$SECONDS
  : >"$work/$n.out"
  for dir in "${pkg_dirs[@]}"; do
    log=$work/$n.$(basename "$dir").log
    # Run from the package's folder, as go test does (the tests read ../../examples).
    # shellcheck disable=SC2086 # flags is a list of flags
    (cd "$dir" && TF_ACC_TERRAFORM_PATH=$cli "$work/$(basename "$dir").test" -test.v $flags) >"$log" 2>&1 || rc=$?
    if ((rc != 0)); then
      {
        printf '\n--- %s: failures in %s ---\n' "$version" "$dir"
        grep -E -B1 -A40 '^=== NAME|^ *--- FAIL' "$log" | grep -v -E '^=== (RUN|PAUSE|CONT)' | tail -n 300
        tail -n 30 "$log"
      } >>"$work/$n.out"
    fi
    { printf '%s, %s: %ss\n' "$version" "$(basename "$dir")" "$((SECONDS - started))"; summarize "$log"; } >>"$work/$n.summary"
  done
  echo "$rc" >"$work/$n.rc"
}

# MATRIX_JOBS CLIs at a time (default 2): a suite keeps about one core busy (its time
# is mostly terraform processes starting and waiting on each other), so two suites
# share 2 cores without slowing each other much.
jobs=${MATRIX_JOBS:-2}
pids=()
for i in "${!clis[@]}"; do
  printf '==> %s (%s)\n' "$("${clis[$i]}" version 2>/dev/null | awk '/^(Terraform|OpenTofu) v/ && !seen++' || true)" "${clis[$i]}"
  run_cli "$i" "${clis[$i]}" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || true
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

status=0
printf '\n==> acceptance matrix\n'
for i in "${!clis[@]}"; do
  cat "$work/$i.out"
  cat "$work/$i.summary"
  [[ $(cat "$work/$i.rc" 2>/dev/null) == 0 ]] || status=1
done
exit "$status"
