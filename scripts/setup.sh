#!/usr/bin/env bash
# Installs every Debian package Sluice's build, tests and lab need. Idempotent and
# non-interactive: when everything is present it only checks and exits (about a
# second); otherwise it runs apt-get update once and installs what is missing.
set -euo pipefail

packages=(
  # toolchain and build
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev clang-tidy clang-format cppcheck
  # libraries
  libboost-dev libssl-dev libnl-3-dev libnl-route-3-dev
  libip4tc-dev libip6tc-dev libiptc-dev libipset-dev
  rapidjson-dev libspdlog-dev libfmt-dev doctest-dev libyaml-cpp-dev
  # real servers the tests run against
  etcd-server etcd-client bird2 frr gobgpd exabgp
  # the dataplane and its inspection
  iproute2 iptables ipset iputils-ping tcpdump procps psmisc
  # a second kernel with IP-in-IP for tunnel tests
  user-mode-linux
)

die() {
  echo "setup: $*" >&2
  exit 1
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $EUID -ne 0 ]]; then
  die "must run as root to install ${#missing[@]} missing packages: ${missing[*]}
       (run: sudo bash scripts/setup.sh)"
fi
command -v apt-get >/dev/null || die "apt-get not found: Sluice's setup expects Debian (bookworm)"

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting BIRD, FRR or etcd as system services: tests start
# their own copies in namespaces, on their own ports.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
cleanup() { if ((created_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -qq || die "apt-get update failed (is the Debian archive reachable?)"
apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
  die "apt-get install failed for: ${missing[*]} (see the messages above)"

still=()
for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || still+=("$p")
done
((${#still[@]} == 0)) || die "these packages are still not installed: ${still[*]}"
echo "setup: done"
