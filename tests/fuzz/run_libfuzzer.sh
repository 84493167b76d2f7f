#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed budget over its committed seed corpus.
# New interesting inputs go to a scratch directory (the committed corpus is not
# modified); a crash leaves its input under ARTIFACTS and fails the test: commit that
# file into the corpus as a regression input once fixed.
set -euo pipefail
target=$1 corpus=$2 runs=$3 seconds=$4 artifacts=$5
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
"$target" -runs="$runs" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$scratch" "$corpus"
