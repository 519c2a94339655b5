#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with warnings as errors and with
# AddressSanitizer + UndefinedBehaviorSanitizer, and runs every unit and end-to-end test with
# ctest. `tests/run.sh --no-sanitize` builds without the sanitizers (faster, for benchmarks);
# `tests/run.sh --tsan` builds with ThreadSanitizer into build-test-tsan and runs the unit and
# e2e tests (not the imaptest load run, which takes too long under TSan).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=ON
tsan=OFF
build=build-test
if [ "${1:-}" = "--no-sanitize" ]; then
  sanitize=OFF
  build=build-test-plain
elif [ "${1:-}" = "--tsan" ]; then
  sanitize=OFF
  tsan=ON
  build=build-test-tsan
fi

etc/install-deps.sh
launcher=()  # ccache, when installed, makes a rebuild after a small change quick
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILSUITE_WERROR=ON \
  -DMAILSUITE_SANITIZE=$sanitize -DMAILSUITE_TSAN=$tsan "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 -- --no-print-directory |
  { grep -v -E '^\[ *[0-9]+%\] (Built|Building|Linking)' || true; }

# Dovecot's imaptest for the conformance test, when ../shared/tools/imaptest is beside the
# clone (it installs its build tools here, not inside ctest; without the folder the test skips).
[ "$tsan" = ON ] || tests/conformance/build-imaptest.sh "$build/imaptest" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Poco and OpenSSL are not built with TSan: tests/tsan.supp names what they do unseen.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"
cd "$build"
if [ "$tsan" = ON ]; then
  ctest --output-on-failure -j2 --timeout 900 -LE conformance
else
  ctest --output-on-failure -j2 --timeout 600
fi
