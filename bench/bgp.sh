#!/bin/bash
# BGP benchmark, one command: the bgperf shape (reference/bgp.md §2) in three fresh network
# namespaces per run,
#   tester ──eBGP── DUT ──eBGP── monitor
#   192.0.2.1   192.0.2.2 | 198.51.100.1   198.51.100.2
#   AS 65001    AS 65000                   AS 65002
# with sluice-bgpd, BIRD 2 and FRR's bgpd each as the DUT in the same run. The tester
# (sluice-bench-bgp, on bgpd's codec alone) announces N distinct prefixes shaped like a
# real table (lengths /8../24, ~3.5 prefixes per attribute set, varied AS paths, MED,
# communities; 4096-octet UPDATEs), pre-encoded and written as fast as the DUT reads; the
# monitor (the same program) counts the distinct prefixes the DUT passes on. Measured:
#   converge  from just before the tester's first UPDATE to the monitor holding all N
#             (one CLOCK_MONOTONIC for every namespace);
#   RSS       the DUT's peak resident set (VmHWM) over its life;
#   CPU       the DUT's user + system seconds (all its threads) over the same interval.
# Equal settings for every DUT: no kernel FIB (sluice `fib.enabled: false`, BIRD without a
# kernel protocol, FRR's bgpd -Z -n without zebra; bench/fib.sh times installs), both
# sessions passive on the DUT, accept everything from the tester and send it nothing,
# send everything to the monitor (RFC 8212 needs the explicit accept on eBGP: sluice
# `defaultImportPolicy`/`defaultExportPolicy`, BIRD `import all`/`export none`, FRR
# `no bgp ebgp-requires-policy` and a deny-all route-map toward the tester), each daemon's
# own defaults otherwise. Neither speaker of ours advertises extended messages, graceful
# restart or add-path. R runs (default 3) per DUT and N, the order rotated, a fresh
# namespace trio and DUT per run; medians, and time and memory as a ratio to BIRD. The
# table, with date, machine, versions and what else was running, is printed and appended
# to bench/RESULTS.md (NO_RECORD=1 to only print). Needs root, bird2 and frr.
#   bench/bgp.sh [prefix counts] [runs] [DUTs]     (defaults "100000 1000000" 3 "sluice bird frr")
# SLUICE_BENCH_SHAPE=bgperf has the tester send bgperf's own table instead (unique /32s
# from 100.0.0.0, one attribute set), which is far lighter for every DUT than "real".
# Build directory and parallelism: SLUICE_BENCH_BUILD (build/release), SLUICE_BENCH_JOBS (nproc).
# A run that takes longer than SLUICE_BENCH_TIMEOUT seconds (300) fails the benchmark.
# SLUICE_BENCH_PERF=/path/prefix records a perf profile of the DUT named by
# SLUICE_BENCH_PERF_DUT (sluice) in each of its runs, and SLUICE_BENCH_WRAP is a command
# prefix for sluice-bgpd (valgrind --tool=massif ...); NO_RECORD=1 with either.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=${1:-100000 1000000}
runs=${2:-3}
duts=${3:-sluice bird frr}
build=${SLUICE_BENCH_BUILD:-build/release}
jobs=${SLUICE_BENCH_JOBS:-$(nproc)}
timeout=${SLUICE_BENCH_TIMEOUT:-300}
shape=${SLUICE_BENCH_SHAPE:-real}
case $shape in
  real) shape_text="a real table's shape (lengths /8../24, ~3.5 prefixes per attribute set)" ;;
  bgperf) shape_text="bgperf's shape (unique /32s, one attribute set)" ;;
  *) echo "SLUICE_BENCH_SHAPE=$shape: expected real or bgperf" >&2; exit 2 ;;
esac
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target sluice-bgpd sluice-bench-bgp >/dev/null
bgpd="$(pwd)/$build/bgpd/daemon/sluice-bgpd"
helper="$(pwd)/$build/bench/sluice-bench-bgp"
frr_bgpd=/usr/lib/frr/bgpd

work=$(mktemp -d)
prefix="slbgp$$"
count=0
namespaces=()
pids=()
cleanup() {
  local pid ns
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Three namespaces joined by two veth pairs; names unique to this script's PID.
make_namespaces() {
  count=$((count + 1))
  t="$prefix-$count-t" d="$prefix-$count-d" m="$prefix-$count-m"
  for ns in "$t" "$d" "$m"; do
    ip netns add "$ns"
    namespaces+=("$ns")
    ip -n "$ns" link set lo up
  done
  ip -n "$d" link add dt type veth peer name td netns "$t"
  ip -n "$d" link add dm type veth peer name md netns "$m"
  ip -n "$d" addr add 192.0.2.2/30 dev dt
  ip -n "$t" addr add 192.0.2.1/30 dev td
  ip -n "$d" addr add 198.51.100.1/30 dev dm
  ip -n "$m" addr add 198.51.100.2/30 dev md
  ip -n "$d" link set dt up
  ip -n "$d" link set dm up
  ip -n "$t" link set td up
  ip -n "$m" link set md up
}
drop_namespaces() {
  local ns
  for ns in "$t" "$d" "$m"; do ip netns del "$ns"; done
  namespaces=()
}

# The DUTs' configurations: the same two passive eBGP sessions, no FIB.
cat >"$work/sluice.json" <<EOF
{
  "speaker": { "asNumber": 65000, "routerId": "192.0.2.2", "listenAddresses": ["192.0.2.2", "198.51.100.1"] },
  "neighbors": [
    { "address": "192.0.2.1", "asNumber": 65001, "passive": true,
      "defaultImportPolicy": "accept", "defaultExportPolicy": "reject", "description": "tester" },
    { "address": "198.51.100.2", "asNumber": 65002, "passive": true,
      "defaultImportPolicy": "reject", "defaultExportPolicy": "accept", "description": "monitor" }
  ],
  "fib": { "enabled": false },
  "control": { "socket": "$work/sluice.sock" },
  "http": { "listen": "127.0.0.1:9095" }
}
EOF
cat >"$work/bird.conf" <<EOF
router id 192.0.2.2;
protocol device { }
protocol bgp tester {
  local 192.0.2.2 as 65000;
  neighbor 192.0.2.1 as 65001;
  passive on;
  ipv4 { import all; export none; };
}
protocol bgp monitor {
  local 198.51.100.1 as 65000;
  neighbor 198.51.100.2 as 65002;
  passive on;
  ipv4 { import none; export all; };
}
EOF
cat >"$work/frr.conf" <<EOF
hostname dut
router bgp 65000
 bgp router-id 192.0.2.2
 no bgp ebgp-requires-policy
 neighbor 192.0.2.1 remote-as 65001
 neighbor 192.0.2.1 passive
 neighbor 198.51.100.2 remote-as 65002
 neighbor 198.51.100.2 passive
 address-family ipv4 unicast
  neighbor 192.0.2.1 route-map NOTHING out
 exit-address-family
exit
route-map NOTHING deny 10
exit
EOF

start_dut() {  # dut → dut_pid
  local log="$work/$1.log"
  case $1 in
    sluice)
      ip netns exec "$d" ${SLUICE_BENCH_WRAP:-} "$bgpd" --config "$work/sluice.json" --restart-state fresh >"$log" 2>&1 &
      ;;
    bird)
      ip netns exec "$d" bird -f -c "$work/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid" >"$log" 2>&1 &
      ;;
    frr)
      # -Z: no zebra (so nothing reaches the kernel), -n: no kernel installs, -S: stay root.
      ip netns exec "$d" "$frr_bgpd" -Z -n -S -f "$work/frr.conf" -i "$work/frr.pid" --vty_socket "$work" -P 0 \
        --log "file:$log" >>"$log" 2>&1 &
      ;;
  esac
  dut_pid=$!
  pids+=("$dut_pid")
}

# Waits (bounded) until `file` has a line with "event":"<event>"; fails when `pid` died.
wait_event() {  # file event pid seconds
  local i
  for i in $(seq $(($4 * 20))); do
    grep -q "\"event\":\"$2\"" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "$1: process $3 ended before \"$2\"" >&2; cat "${1%.out}.err" >&2; return 1; }
    sleep 0.05
  done
  echo "$1: no \"$2\" within $4 s" >&2
  return 1
}

cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }  # utime + stime
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

run_case() {  # dut prefixes
  local dut=$1 n=$2
  make_namespaces
  start_dut "$dut"
  local pid=$dut_pid
  ip netns exec "$m" "$helper" monitor 198.51.100.2 198.51.100.1 65002 "$n" "$timeout" \
    >"$work/monitor.out" 2>"$work/monitor.err" &
  local monitor_pid=$!
  pids+=("$monitor_pid")
  wait_event "$work/monitor.out" established "$monitor_pid" 60
  local cpu_before
  cpu_before=$(cpu_ticks "$pid")
  ip netns exec "$t" "$helper" tester 192.0.2.1 192.0.2.2 65001 "$n" 1 "$timeout" "$shape" \
    >"$work/tester.out" 2>"$work/tester.err" &
  local tester_pid=$!
  pids+=("$tester_pid")
  local perf_pid=""
  if [[ -n "${SLUICE_BENCH_PERF:-}" && "$dut" == "${SLUICE_BENCH_PERF_DUT:-sluice}" ]]; then
    # Profiling (not for the table: perf takes CPU of its own): the DUT's samples with
    # DWARF call graphs until the monitor holds everything.
    perf record -F "${SLUICE_BENCH_PERF_FREQ:-499}" --call-graph dwarf,16384 -p "$pid" \
      -o "$SLUICE_BENCH_PERF.$dut.$n.$count" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  wait_event "$work/monitor.out" done "$monitor_pid" "$timeout"
  if [[ -n "$perf_pid" ]]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
  fi
  local cpu_after hwm rss
  cpu_after=$(cpu_ticks "$pid")
  hwm=$(status_kib "$pid" VmHWM)
  rss=$(status_kib "$pid" VmRSS)
  wait_event "$work/tester.out" sent "$tester_pid" 10
  local line
  line=$(python3 - "$dut" "$n" "$work/tester.out" "$work/monitor.out" "$cpu_before" "$cpu_after" "$(getconf CLK_TCK)" \
    "$hwm" "$rss" <<'PY'
import json, sys
dut, n, tester, monitor, before, after, hz, hwm, rss = sys.argv[1:]
ev = lambda path, e: next(json.loads(l) for l in open(path) if f'"event":"{e}"' in l)
sent, done = ev(tester, "sent"), ev(monitor, "done")
print(json.dumps({"dut": dut, "prefixes": int(n), "seconds": round(done["t"] - sent["t_first"], 4),
                  "inject_s": round(sent["t_last"] - sent["t_first"], 4),
                  "first_out_s": round(done["t_first_update"] - sent["t_first"], 4),
                  "cpu_s": (int(after) - int(before)) / int(hz), "hwm_mib": int(hwm) / 1024, "rss_mib": int(rss) / 1024,
                  "updates_in": sent["updates"], "updates_out": done["updates"], "attribute_sets": sent["attribute_sets"],
                  "end_of_rib": done["end_of_rib"]}))
PY
)
  echo "$line" >>"$out"
  echo "$line" >&2
  local p
  for p in "$tester_pid" "$monitor_pid" "$pid"; do kill "$p" 2>/dev/null || true; done
  for p in "$tester_pid" "$monitor_pid" "$pid"; do wait "$p" 2>/dev/null || true; done
  pids=()
  drop_namespaces
}

# What else is using the CPU (the second frame of top: a one-second sample), and the load.
busy() {
  top -b -n 2 -d 1 -w 200 | awk '/^top -/ {frame++} frame == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 {printf "%s %s%%, ", $12, $9}' |
    sed 's/, $//'
}
others_before=$(busy)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

out="$work/results.jsonl"
read -r -a dut_list <<<"$duts"
for n in $counts; do
  for run in $(seq "$runs"); do
    # Rotate the order so no DUT always runs first (or right after the heaviest).
    k=${#dut_list[@]}
    for i in $(seq 0 $((k - 1))); do
      dut=${dut_list[$(((i + run) % k))]}
      run_case "$dut" "$n"
    done
  done
done

machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ {print $2}') GiB, kernel $(uname -r)"
versions="sluice-bgpd $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bgpd || echo '+changes') ($(grep -m1 CMAKE_BUILD_TYPE "$build/CMakeCache.txt" | cut -d= -f2)), $(bird --version 2>&1 | head -1), FRR $("$frr_bgpd" --version 2>&1 | awk 'NR == 1 {print $NF}')"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
others_after=$(busy)
table=$(python3 - "$out" "$runs" <<'PY'
import json, statistics, sys
path, runs = sys.argv[1], sys.argv[2]
rows = {}
for line in open(path):
    r = json.loads(line)
    rows.setdefault((r["prefixes"], r["dut"]), []).append(r)
names = {"sluice": "sluice-bgpd", "bird": "BIRD 2", "frr": "FRR bgpd"}
med = lambda rs, k: statistics.median(r[k] for r in rs)
print("| prefixes | DUT | converge s (median) | min–max s | peak RSS MiB | CPU s | time ÷ BIRD | RSS ÷ BIRD |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for n in sorted({n for n, _ in rows}):
    bird = rows.get((n, "bird"))
    for dut in ("sluice", "bird", "frr"):
        rs = rows.get((n, dut))
        if not rs:
            continue
        secs = [r["seconds"] for r in rs]
        t_ratio = f"{med(rs, 'seconds') / med(bird, 'seconds'):.2f}" if bird else "–"
        m_ratio = f"{med(rs, 'hwm_mib') / med(bird, 'hwm_mib'):.2f}" if bird else "–"
        print(f"| {n:,} | {names[dut]} | {med(rs, 'seconds'):.3f} | {min(secs):.3f}–{max(secs):.3f} | "
              f"{med(rs, 'hwm_mib'):.0f} | {med(rs, 'cpu_s'):.2f} | {t_ratio} | {m_ratio} |")
print()
for n in sorted({n for n, _ in rows}):
    any_rs = next(rs for (k, _), rs in rows.items() if k == n)
    r0 = any_rs[0]
    parts = [f"{names[d]} {med(rows[(n, d)], 'updates_out'):,.0f} UPDATEs to the monitor, first after "
             f"{med(rows[(n, d)], 'first_out_s'):.3f} s" for d in ("sluice", "bird", "frr") if (n, d) in rows]
    print(f"- {n:,} prefixes: the tester sent {r0['updates_in']:,} UPDATEs ({r0['attribute_sets']:,} attribute sets) "
          f"and had written them all after {statistics.median(r['inject_s'] for rs in rows.values() for r in rs if r['prefixes'] == n):.3f} s "
          f"(median over every run); " + "; ".join(parts) + ".")
print(f"- {runs} runs per row, a fresh DUT and namespaces each; medians. End-of-RIB from every DUT: "
      f"{'yes' if all(r['end_of_rib'] for rs in rows.values() for r in rs) else 'NOT in every run'}.")
PY
)
command="bench/bgp.sh \"$counts\" $runs \"$duts\""
[[ $shape == real ]] || command="SLUICE_BENCH_SHAPE=$shape $command"
report="## BGP, tester → DUT → monitor — $(date -u +%Y-%m-%d) (\`$command\`)

Machine: $machine. $versions. Table: $shape_text.
Load average $load_before before, $load after. Other processes using the CPU (≥ 5%, one-second samples) before: ${others_before:-none}; after: ${others_after:-none}.

$table"
echo "$report"
if [[ "${NO_RECORD:-0}" != 1 ]]; then
  printf '\n%s\n' "$report" >>bench/RESULTS.md
fi
