#!/bin/bash
# Kernel FIB benchmark, one command: 100k /32 routes into table 100 of a fresh network
# namespace (a veth with 192.0.2.1/24 holds the gateways), by
#   sluice   bgpd's FIB writer (sluice-bench-fib: feed, batched netlink, in sync);
#   ip-batch `ip -batch` with one `route add` per route (one request, one ACK each);
#   bird     BIRD 2, a static protocol of the routes exported to its kernel protocol,
#            timed from launch until birdc reports every route exported (BIRD writes
#            each one synchronously), then confirmed by a kernel dump;
# with one next hop and with a two-way ECMP set. Each contender gets a fresh namespace
# per run; R runs (default 5), the order rotated; medians and the speed-up over
# `ip -batch`. The table, with date and machine, is printed and appended to
# bench/RESULTS.md (NO_RECORD=1 to only print). Needs root, iproute2 and bird2.
#   bench/fib.sh [routes] [runs]
# Build directory and parallelism: SLUICE_BENCH_BUILD (build/release), SLUICE_BENCH_JOBS (nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
routes=${1:-100000}
runs=${2:-5}
build=${SLUICE_BENCH_BUILD:-build/release}
jobs=${SLUICE_BENCH_JOBS:-$(nproc)}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target sluice-bench-fib >/dev/null
bench="$(pwd)/$build/bench/sluice-bench-fib"

work=$(mktemp -d)
prefix="slfib$$"
count=0
current_ns=""
bird_pid=""
cleanup() {
  [[ -n "$bird_pid" ]] && kill "$bird_pid" 2>/dev/null && wait "$bird_pid" 2>/dev/null || true
  [[ -n "$current_ns" ]] && ip netns del "$current_ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fresh_ns() {
  count=$((count + 1))
  current_ns="$prefix-$count"
  ip netns add "$current_ns"
  ip -n "$current_ns" link set lo up
  ip -n "$current_ns" link add fib0 type veth peer name fib1
  ip -n "$current_ns" addr add 192.0.2.1/24 dev fib0
  ip -n "$current_ns" link set fib0 up
  ip -n "$current_ns" link set fib1 up
}
drop_ns() {
  ip netns del "$current_ns"
  current_ns=""
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a - b }'; }

# Inputs, generated once and not timed.
python3 - "$routes" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
def prefix(i): return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32"
for shape, hops in (("single", ["192.0.2.2"]), ("ecmp2", ["192.0.2.2", "192.0.2.3"])):
    with open(f"{work}/ip-{shape}.batch", "w") as f:
        via = f"via {hops[0]}" if len(hops) == 1 else " ".join(f"nexthop via {h}" for h in hops)
        for i in range(n):
            f.write(f"route add {prefix(i)} table 100 proto static metric 20 {via}\n")
    with open(f"{work}/bird-{shape}.conf", "w") as f:
        f.write("router id 192.0.2.1;\nprotocol device { }\nprotocol static st {\n  ipv4 { import all; };\n")
        via = " ".join(f"via {h}" for h in hops)
        for i in range(n):
            f.write(f"  route {prefix(i)} {via};\n")
        f.write("}\nprotocol kernel kern {\n  kernel table 100;\n  metric 20;\n  ipv4 { export all; };\n}\n")
PY

run_sluice() {  # shape nexthops
  fresh_ns
  "$bench" writer "$current_ns" "$routes" "$2" | sed "s/^{/{\"shape\":\"$1\",/"
  drop_ns
}

run_ip() {  # shape
  fresh_ns
  local start end
  start=$(now)
  ip -n "$current_ns" -batch "$work/ip-$1.batch"
  end=$(now)
  local got
  got=$(ip -n "$current_ns" route show table 100 | grep -c '^[0-9]')
  [[ "$got" == "$routes" ]] || { echo "ip -batch installed $got of $routes" >&2; exit 1; }
  echo "{\"shape\":\"$1\",\"case\":\"ip-batch\",\"seconds\":$(elapsed "$end" "$start")}"
  drop_ns
}

run_bird() {  # shape
  fresh_ns
  local sock="$work/bird.ctl" start done_at exported=0
  rm -f "$sock"
  start=$(now)
  ip netns exec "$current_ns" bird -f -c "$work/bird-$1.conf" -s "$sock" -P "$work/bird.pid" &
  bird_pid=$!
  # Bounded: 6000 polls of 10 ms.
  for _ in $(seq 6000); do
    exported=$(birdc -s "$sock" show protocols all kern 2>/dev/null | awk '/Export updates:/ {print $NF}') || true
    [[ "$exported" == "$routes" ]] && break
    sleep 0.01
  done
  done_at=$(now)
  [[ "$exported" == "$routes" ]] || { echo "BIRD exported ${exported:-0} of $routes" >&2; exit 1; }
  # The kernel holds them all (a strict dump of table 100, protocol bird).
  "$bench" wait "$current_ns" 12 "$routes" "$start" >/dev/null
  local since up
  since=$(birdc -s "$sock" show protocols kern | awk '$1 == "kern" {print $5}')
  up=$(date -d "$since" +%s.%N)
  echo "{\"shape\":\"$1\",\"case\":\"bird\",\"seconds\":$(elapsed "$done_at" "$start"),\"after_up_s\":$(elapsed "$done_at" "$up")}"
  kill "$bird_pid"
  wait "$bird_pid" 2>/dev/null || true
  bird_pid=""
  drop_ns
}

# What else is using the CPU (the second frame of top: a one-second sample), and the load.
busy() {
  top -b -n 2 -d 1 -w 200 | awk '/^top -/ {frame++} frame == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 {printf "%s %s%%, ", $12, $9}' |
    sed 's/, $//'
}
others_before=$(busy)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

out="$work/results.jsonl"
for run in $(seq "$runs"); do
  for shape in single ecmp2; do
    hops=1
    [[ "$shape" == ecmp2 ]] && hops=2
    # Rotate the order so no contender always runs first (or after the heaviest).
    case $((run % 3)) in
      0) run_sluice "$shape" "$hops" >>"$out"; run_ip "$shape" >>"$out"; run_bird "$shape" >>"$out" ;;
      1) run_ip "$shape" >>"$out"; run_bird "$shape" >>"$out"; run_sluice "$shape" "$hops" >>"$out" ;;
      2) run_bird "$shape" >>"$out"; run_sluice "$shape" "$hops" >>"$out"; run_ip "$shape" >>"$out" ;;
    esac
  done
done

machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), kernel $(uname -r), $(ip -V | sed 's/, libbpf.*//'), $(bird --version 2>&1 | head -1)"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
others_after=$(busy)
table=$(python3 - "$out" "$routes" "$runs" <<'PY'
import json, statistics, sys
path, n, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open(path):
    r = json.loads(line)
    rows.setdefault((r["shape"], r["case"]), []).append(r)
names = {"sluice": "sluice FIB writer (batched netlink)", "ip-batch": "`ip -batch` (reference)", "bird": "BIRD 2 kernel protocol"}
shapes = {"single": "one next hop", "ecmp2": "ECMP, two next hops"}
print(f"| routes: {n:,} /32 into table 100 | next hops | median s | min–max s | routes/s | × `ip -batch` |")
print("|---|---|---:|---:|---:|---:|")
for shape in ("single", "ecmp2"):
    ref = statistics.median(r["seconds"] for r in rows[(shape, "ip-batch")])
    for case in ("sluice", "ip-batch", "bird"):
        rs = rows[(shape, case)]
        secs = [r["seconds"] for r in rs]
        med = statistics.median(secs)
        print(f"| {names[case]} | {shapes[shape]} | {med:.3f} | {min(secs):.3f}–{max(secs):.3f} | {n / med:,.0f} | {ref / med:.2f} |")
print()
for shape in ("single", "ecmp2"):
    s = rows[(shape, "sluice")]
    b = rows[(shape, "bird")]
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    print(f"- {shapes[shape]}: sluice fed its core in {med(s, 'feed_s'):.3f} s, had every route acknowledged at "
          f"{med(s, 'seconds'):.3f} s and read back at {med(s, 'verified_s'):.3f} s ({med(s, 'cpu_s'):.2f} CPU s); "
          f"BIRD's time after its kernel protocol came up was {med(b, 'after_up_s'):.3f} s (the rest is parsing its config).")
print(f"- {runs} runs per row, each in a fresh namespace; medians.")
PY
)
report="## Kernel FIB — $(date -u +%Y-%m-%d) (\`bench/fib.sh $routes $runs\`)

Machine: $machine. Load average $load_before before, $load after.
Other processes using the CPU (≥ 5%, one-second samples) before: ${others_before:-none}; after: ${others_after:-none}.

$table"
echo "$report"
if [[ "${NO_RECORD:-0}" != 1 ]]; then
  printf '\n%s\n' "$report" >>bench/RESULTS.md
fi
