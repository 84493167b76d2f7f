#!/usr/bin/env bash
# Sluice's one test command (README): installs what is needed, builds the normal,
# ASan+UBSan and libFuzzer configurations, runs every test tier this machine can run,
# and ends with a summary. Exits non-zero when a build or any test fails.
#
#   SLUICE_JOBS        parallel build and test jobs (default: number of cores)
#   SLUICE_SKIP_SETUP  set to 1 to skip the package check (offline development)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${SLUICE_JOBS:-$(nproc)}
tiers=(unit netns interop integration e2e fuzz)
logdir=build/test-logs
started=$SECONDS
failed_steps=()
summary=()
total_pass=0 total_fail=0 total_skip=0

note() { printf '\n==> %s\n' "$*"; }

if [[ ${SLUICE_SKIP_SETUP:-0} == 1 ]]; then
  note "setup skipped (SLUICE_SKIP_SETUP=1)"
elif [[ $EUID -ne 0 ]]; then
  note "not root: packages not checked; the netns, interop and e2e tiers will report themselves skipped"
  bash scripts/setup.sh || true
else
  note "setup"
  bash scripts/setup.sh || { echo "FAILED: setup (see above)"; exit 1; }
fi
mkdir -p "$logdir"

# configure_and_build NAME TARGETS [cmake args...]   (TARGETS: space-separated; "all" builds everything)
configure_and_build() {
  local name=$1 targets=$2
  shift 2
  note "build: $name"
  local t0=$SECONDS
  # shellcheck disable=SC2086  # the targets are words
  if cmake -S . -B "build/$name" -G Ninja "$@" >"$logdir/configure-$name.log" 2>&1 &&
    cmake --build "build/$name" -j "$jobs" --target $targets; then
    echo "build $name: $((SECONDS - t0)) s"
    return 0
  fi
  echo "FAILED: build $name (configure log: $logdir/configure-$name.log)"
  tail -20 "$logdir/configure-$name.log"
  failed_steps+=("build $name")
  return 1
}

# run_tiers BUILD LABEL_REGEX: runs ctest and records per-tier counts. ctest reports a
# test that exits 77 as "***Skipped", by name.
run_tiers() {
  local build=$1 labels=$2 log="$logdir/ctest-$1.log"
  note "tests: $build ($labels)"
  ctest --test-dir "build/$build" -L "^($labels)\$" --no-tests=error --output-on-failure -j "$jobs" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local tier pass fail skip skipped_names
  for tier in ${labels//|/ }; do
    read -r pass fail skip < <(awk -v t="$tier" '
      $0 ~ ("Test +#[0-9]+: " t "[.]") {
        if ($0 ~ /[*]+Skipped/) s++; else if ($0 ~ / Passed +[0-9.]+ sec/) p++; else f++
      }
      END { print p + 0, f + 0, s + 0 }' "$log")
    if ((pass + fail + skip == 0)); then
      summary+=("$(printf '%-8s %-12s no tests yet' "$build" "$tier")")
      continue
    fi
    skipped_names=$(grep -oE "${tier}[.][^ ]+ [.]+[*]+Skipped" "$log" | sed -E 's/ [.]+.*//' | tr '\n' ' ')
    summary+=("$(printf '%-8s %-12s %3d passed %3d failed %3d skipped %s' "$build" "$tier" "$pass" "$fail" "$skip" \
      "${skipped_names:+(skipped: $skipped_names)}")")
    total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail)) total_skip=$((total_skip + skip))
  done
  ((rc == 0)) || failed_steps+=("tests in $build (ctest exit $rc)")
  # Passing tests' output is not shown by ctest; keep the evidence that real
  # namespaces, veths and servers were used (the helpers print one line each).
  local evidence="build/$build/Testing/Temporary/LastTest.log"
  if [[ -f $evidence ]] && grep -qE '^\[(netns|etcd)\]' "$evidence"; then
    note "what the $build tests created"
    grep -E '^\[(netns|etcd)\]' "$evidence" | sort | uniq | head -40
  fi
}

# Line tables only (-g1): enough for file:line in backtraces and sanitizer reports, and
# about a fifth less compile time than full debug information.
if configure_and_build release all -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"; then
  run_tiers release "$(IFS='|'; echo "${tiers[*]}")"
fi

if configure_and_build asan "unit_targets fuzz_targets" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1" \
  -DSLUICE_SANITIZE=ON; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_tiers asan "unit|fuzz"
fi

if command -v clang++ >/dev/null && ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  if configure_and_build fuzz fuzz_targets -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
    -DCMAKE_CXX_COMPILER=clang++ -DSLUICE_LIBFUZZER=ON; then
    run_tiers fuzz "fuzz"
  fi
else
  summary+=("$(printf '%-8s %-12s SKIPPED: clang with libFuzzer not installed (corpus replay ran above)' fuzz fuzz)")
fi

note "summary ($((SECONDS - started)) s)"
printf '%s\n' "${summary[@]}"
if ((${#failed_steps[@]})); then
  printf 'FAILED: %s\n' "${failed_steps[@]}"
fi
echo "total: $total_pass passed, $total_fail failed, $total_skip skipped"
((${#failed_steps[@]} == 0 && total_fail == 0))
