#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then
#   1. builds with warnings as errors and AddressSanitizer + UndefinedBehaviorSanitizer
#      (build-test/) and runs every unit, end-to-end, conformance, fuzz-replay and chaos test,
#      the store's unit tests and the e2e suite twice: on SQLite and on a private PostgreSQL
#      cluster that ctest starts (tests/pg/pg_cluster.sh);
#   2. builds with ThreadSanitizer (build-test-tsan/) and runs the same tests but the imaptest
#      conformance run (its load run takes too long under TSan) and the e2e suite's second run
#      on PostgreSQL;
#   3. fuzzes every libFuzzer target for a few seconds from its committed corpus (build-fuzz/).
# One phase alone: --asan, --tsan or --fuzz. --no-sanitize builds build-test-plain/ without
# sanitizers (for benchmarks) and runs every test there.
set -euo pipefail
cd "$(dirname "$0")/.."

phases=(asan tsan fuzz)
case "${1:-}" in
  "") ;;
  --asan) phases=(asan) ;;
  --tsan) phases=(tsan) ;;
  --fuzz) phases=(fuzz) ;;
  --no-sanitize) phases=(plain) ;;
  *) echo "usage: tests/run.sh [--asan | --tsan | --fuzz | --no-sanitize]" >&2; exit 2 ;;
esac

etc/install-deps.sh
launcher=()  # ccache, when installed, makes a rebuild after a small change quick
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Paths relative to the clone, and the build folder kept out of the hash: another clone of the
# same sources (CI's, in a folder of its own) finds what was compiled here.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Poco and OpenSSL are not built with TSan: tests/tsan.supp names what they do unseen.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"

# build_and_test DIR SANITIZE TSAN [ctest arguments...]
build_and_test() {
  local build="$1" sanitize="$2" tsan="$3"
  shift 3
  echo "== $build: build"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILSUITE_WERROR=ON \
    -DMAILSUITE_SANITIZE="$sanitize" -DMAILSUITE_TSAN="$tsan" "${launcher[@]}" >/dev/null
  cmake --build "$build" -j2 -- --no-print-directory |
    { grep -v -E '^\[ *[0-9]+%\] (Built|Building|Linking)' || true; }
  # Dovecot's imaptest for the conformance test, when ../shared/tools/imaptest is beside the
  # clone (it installs its build tools here, not inside ctest; without it the test skips).
  [ "$tsan" = ON ] || tests/conformance/build-imaptest.sh "$build/imaptest" >/dev/null
  # promtool, which checks every daemon's /metrics in e2e.test_metrics.
  tests/e2e/get-promtool.sh "$build/promtool" >/dev/null
  echo "== $build: test"
  (cd "$build" && ctest --output-on-failure -j2 "$@")
}

for phase in "${phases[@]}"; do
  case "$phase" in
    asan) build_and_test build-test ON OFF --timeout 600 ;;
    plain) build_and_test build-test-plain OFF OFF --timeout 600 ;;
    # TSan runs the store's PostgreSQL unit tests but not the e2e suite a second time on it.
    tsan) build_and_test build-test-tsan OFF ON --timeout 900 -LE conformance -E '^e2e\.pg\.' ;;
    fuzz) echo "== build-fuzz: every fuzz target, briefly"; tests/fuzz/run.sh --seconds 8 ;;
  esac
done
