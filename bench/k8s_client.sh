#!/bin/bash
# k8s-client benchmark, one command: builds, lists N objects (default 50k) from the API
# test server on a real etcd, streams M watch events (default 100k) through an informer,
# each beside a transport-only reference, and prints the median of three runs per case
# as a Markdown table (paste it into bench/RESULTS.md with the date and machine).
set -euo pipefail
cd "$(dirname "$0")/.."
objects=${1:-50000}
events=${2:-100000}
build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target sluice-bench-k8s-client sluice-test-apiserver >/dev/null
bench="$build/bench/sluice-bench-k8s-client"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" list "$objects" "$build/k8s-client/sluice-test-apiserver" >>"$out"
for _ in 1 2 3; do
  "$bench" watch "$events" >>"$out"
  "$bench" watch-reference "$events" >>"$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows.setdefault(r["case"], []).append(r)
print("| case | objects | median s | objects/s | peak RSS MiB | held MiB |")
print("|---|---:|---:|---:|---:|---:|")
for case, rs in rows.items():
    s = statistics.median(r["seconds"] for r in rs)
    print(f"| {case} | {rs[0]['objects']} | {s:.2f} | {rs[0]['objects']/s:,.0f} | "
          f"{max(r['peak_rss_kib'] for r in rs)/1024:.0f} | {statistics.median(r['held_kib'] for r in rs)/1024:.0f} |")
PY
