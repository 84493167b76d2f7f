#!/usr/bin/env bash
# Sluice's main job: bring up the lab, a small cluster of nodes in network namespaces
# running bgpd, felix, the CNI plugin and IPAM against the Kubernetes API test server,
# peered with a BIRD top-of-rack router.
#
# Today it builds what exists and says plainly what does not exist yet: it never
# pretends to start a cluster.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [[ $EUID -eq 0 ]]; then bash scripts/setup.sh; fi
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)"

cat <<'MSG'

Built: the bottom layer (base/: IP addresses, prefixes and the prefix trie; netlink
routes and namespaces; logging; flags and environment; health, metrics and the
HTTP server; shutdown signals; the HTTP client), the BGP-4 wire codec
(bgpd/codec), the Kubernetes API test server on etcd
(build/release/k8s-client/sluice-test-apiserver), and their tests.

The lab cannot start yet. Missing, by part:
  bgpd/        sessions, RIB, policy, FIB sync and bgpctl      (issue: bgpd)
  k8s-client/  the Kubernetes client library and informers    (issue: k8s-client)
  ipam/        the allocator, ipamctl and the leak collector   (issue: IPAM)
  felix/       routes, IP-in-IP and iptables policy            (not yet filed)
  cni/         the CNI plugin                                  (not yet filed)
MSG
exit 1
