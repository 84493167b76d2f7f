#!/usr/bin/env bash
# Static analysis on demand (never part of the normal build): clang-tidy with the
# project's .clang-tidy over every first-party source, using the release build's
# compile_commands.json; then cppcheck over the same files. Exits non-zero on findings.
#
#   scripts/lint.sh            all first-party sources
#   scripts/lint.sh FILE...    only these files
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=build/release
if [[ ! -f $build/compile_commands.json ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
fi
if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.cpp' | grep -vE '^tests/fuzz/replay_main.cpp$')
fi
status=0
# clang-tidy 14 cannot parse C++20 coroutines against libstdc++ 12 (clang 14 lacks what
# <coroutine> requires), so files using them are left to cppcheck and to g++'s -Werror.
tidy_files=() coroutine_files=()
for f in "${files[@]}"; do
  if grep -q "awaitable" "$f"; then coroutine_files+=("$f"); else tidy_files+=("$f"); fi
done
echo "clang-tidy: ${#tidy_files[@]} files (${#coroutine_files[@]} coroutine files left to cppcheck)"
if ((${#tidy_files[@]})); then
  printf '%s\n' "${tidy_files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
    2> >(grep -v "warnings generated" >&2) || status=1
fi
echo "cppcheck: ${#files[@]} files"
# passedByValue: coroutine parameters are taken by value on purpose (a reference could
# dangle across co_await). cppcheckError: cppcheck 2.10 cannot read chrono literals.
cppcheck --quiet --error-exitcode=1 --std=c++20 --inline-suppr --enable=warning,performance,portability \
  --suppress=missingIncludeSystem --suppress=unknownMacro --suppress=passedByValue --suppress=cppcheckError \
  -I . "${files[@]}" || status=1
exit $status
