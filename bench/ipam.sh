#!/bin/bash
# IPAM benchmark, one command: builds, then against the API test server (its own process,
# on a real etcd, fresh for every run) measures allocations on one node with its block
# already claimed, allocations that each claim a block, a burst of 100 pods on one node
# (in one process, and one process per pod under a host flock as the CNI plugin runs),
# and 500 nodes claiming their first block at once. Three runs per case; medians, printed
# as a Markdown table beside Calico's published figures (reference/calico.md §6).
#   bench/ipam.sh [warm N] [cold N] [burst N] [nodes N]   (defaults 200 50 100 500)
set -euo pipefail
cd "$(dirname "$0")/.."
warm=${1:-200} cold=${2:-50} burst=${3:-100} nodes=${4:-500}
build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target sluice-bench-ipam sluice-test-apiserver >/dev/null
bench="$build/bench/sluice-bench-ipam"
server="$build/k8s-client/sluice-test-apiserver"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "machine: $(nproc) cores, $(uname -r), $(etcd --version 2>/dev/null | head -1)" >&2
for _ in 1 2 3; do
  "$bench" warm "$warm" "$server" >>"$out"
  "$bench" cold "$cold" "$server" >>"$out"
  "$bench" burst "$burst" "$server" >>"$out"
  "$bench" burst-processes "$burst" "$server" "$bench" >>"$out"
  "$bench" nodes "$nodes" "$server" >>"$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows.setdefault(r["case"], []).append(r)
print("| case | n | median wall s | allocations/s | p50 ms | p99 ms |")
print("|---|---:|---:|---:|---:|---:|")
for case, rs in rows.items():
    med = lambda k: statistics.median(r[k] for r in rs)
    print(f"| {case} | {rs[0]['n']} | {med('seconds'):.2f} | {med('per_second'):,.0f} | {med('p50_ms'):.1f} | {med('p99_ms'):.1f} |")
PY
