#!/usr/bin/env bash
# Fuzzes the targets (all, or those named) with clang's libFuzzer under ASan and UBSan, each for
# a bounded time, starting from its committed corpus (corpus/<target>/). New inputs go to a
# scratch folder, not into the repository; an input that crashes is left in tests/fuzz/crashes/
# and, once the bug is fixed, belongs in corpus/<target>/ so fuzz_replay (run by ctest in every
# build) keeps it fixed. Prints execs/s, coverage and the corpus size per target.
#
#   tests/fuzz/run.sh [--seconds N] [--build DIR] [target ...]      (default: 60 s, build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=60
build=build-fuzz
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/targets/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
etc/install-deps.sh  # clang with libFuzzer among the rest

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Paths relative to the clone, and the build folder kept out of the hash: another clone of the
# same sources (CI's, in a folder of its own) finds what was compiled here.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
# -O1 with line tables only: quick to build (CI builds it from scratch), enough for stack traces.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=clang++ -DMAILSUITE_FUZZ=ON "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS="$sanitize -fsanitize=fuzzer-no-link" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
# A failed build fails the run (pipefail): grep alone must not turn it into a pass.
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" -- --no-print-directory |
  { grep -v '^\[' || true; }

mkdir -p tests/fuzz/crashes
status=0
printf '%-14s %10s %8s %8s %8s  %s\n' target execs/s cov ft corpus result
for t in "${targets[@]}"; do
  scratch=$(mktemp -d)
  log="$scratch/log"
  mkdir -p "$scratch/new"
  set +e
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$t-" \
    "$scratch/new" "tests/fuzz/corpus/$t" >"$log" 2>&1 < /dev/null
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' || true)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$done_line")
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant broken' "$log"; then
    result="FINDING (see tests/fuzz/crashes/, log $log)"
    status=1
  else
    result="ok"
    rm -rf "$scratch"
  fi
  rate=$(( ${execs:-0} / (seconds > 0 ? seconds : 1) ))
  printf '%-14s %10s %8s %8s %8s  %s\n' "$t" "$rate" "${cov:-?}" "${ft:-?}" "${corpus:-?}" "$result"
done
exit $status
