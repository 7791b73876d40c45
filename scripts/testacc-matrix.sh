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
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export TF_INPUT=0

pkgs=${MATRIX_PKGS:-./internal/provider/}
flags=${MATRIX_TEST_FLAGS:--test.count=1 -test.parallel=4 -test.timeout=30m}
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

# summarize LOG: counts and skip reasons from a -test.v=test2json-less verbose log.
summarize() {
  awk '
    /^ *--- PASS: / { pass++ }
    /^ *--- FAIL: / { fail++; failed[fail] = $3 }
    /^ *--- SKIP: / { skip++; name = $3; want = 1; next }
    want && /^ +[^ ].*_test\.go:[0-9]+: / {
      sub(/^ +[^ ]*_test\.go:[0-9]+: /, ""); reasons[name] = $0; want = 0; next
    }
    { want = 0 }
    END {
      printf "    tests run %d: passed %d, failed %d, skipped %d\n", pass + fail + skip, pass, fail, skip
      for (i = 1; i <= fail; i++) printf "    FAIL %s\n", failed[i]
      for (n in reasons) printf "    SKIP %s: %s\n", n, reasons[n]
    }' "$1"
}

status=0
summary=$work/summary
: >"$summary"
for cli in "${clis[@]}"; do
  version=$("$cli" version 2>/dev/null | grep -m1 -E '^(Terraform|OpenTofu) v' || true)
  [[ -n $version ]] || version="$cli (no version printed)"
  printf '\n==> %s (%s)\n' "$version" "$cli"
  started=$SECONDS
  rc=0
  for dir in "${pkg_dirs[@]}"; do
    log=$work/$(basename "$cli").$(basename "$dir").log
    # Run from the package's folder, as go test does (the tests read ../../examples).
    # shellcheck disable=SC2086 # flags is a list of flags
    (cd "$dir" && TF_ACC_TERRAFORM_PATH=$cli "$work/$(basename "$dir").test" -test.v $flags) >"$log" 2>&1 || rc=$?
    grep -E '^(--- FAIL|FAIL|ok|PASS|panic:)' "$log" | sed 's/^/    /' || true
    if ((rc != 0)); then
      printf '\n--- %s: failures in %s ---\n' "$version" "$dir"
      # Each failed test's own output, then the end of the log (a timeout's stacks).
      awk '/^=== (RUN|CONT|NAME)/ { name = $3 } /^ *--- FAIL/ || /_test\.go:[0-9]+:/ && name != "" { print }' "$log" | tail -n 200
      tail -n 30 "$log"
    fi
    { printf '%s, %s: %ss\n' "$version" "$(basename "$dir")" "$((SECONDS - started))"; summarize "$log"; } >>"$summary"
  done
  ((rc == 0)) || status=1
done

printf '\n==> acceptance matrix\n'
cat "$summary"
exit "$status"
