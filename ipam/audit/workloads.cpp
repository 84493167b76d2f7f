#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "ipam/audit/problems.hpp"

namespace sluice::ipam {
namespace {

bool is_tunnel_type(std::string_view type) {
  return type == "ipipTunnelAddress" || type == "vxlanTunnelAddress" || type == "vxlanV6TunnelAddress" ||
         type == "wireguardTunnelAddress" || type == "wireguardV6TunnelAddress";
}

std::string attribute(const Owner& owner, std::string_view key) {
  auto it = owner.attributes.find(std::string(key));
  return it == owner.attributes.end() ? std::string() : it->second;
}

// Pods that have finished no longer hold their addresses.
bool holds_addresses(const PodInfo& pod) { return pod.phase != "Succeeded" && pod.phase != "Failed"; }

}  // namespace

std::string_view to_string(Validity validity) {
  switch (validity) {
    case Validity::valid: return "valid";
    case Validity::node_gone: return "node is gone";
    case Validity::pod_gone: return "pod is gone";
    case Validity::pod_elsewhere: return "pod now runs on another node";
    case Validity::not_pods_address: return "pod holds other addresses";
  }
  return "?";
}

Validity classify(const Allocation& allocation, const Workloads& workloads) {
  const Owner& owner = allocation.owner;
  if (owner.handle_id && *owner.handle_id == kWindowsReservedHandle) return Validity::valid;
  const std::string node = attribute(owner, "node");
  const std::string type = attribute(owner, "type");
  if (is_tunnel_type(type)) return node.empty() || workloads.nodes.count(node) ? Validity::valid : Validity::node_gone;
  const std::string pod = attribute(owner, "pod");
  const std::string ns = attribute(owner, "namespace");
  // Without pod attributes we cannot tell who owns it: assume it is in use (Calico #5044).
  if (pod.empty() || ns.empty()) return Validity::valid;
  if (!node.empty() && !workloads.nodes.count(node)) return Validity::node_gone;
  auto it = workloads.pods.find(ns + "/" + pod);
  if (it == workloads.pods.end()) return Validity::pod_gone;
  const PodInfo& info = it->second;
  if (!node.empty() && !info.node.empty() && info.node != node) return Validity::pod_elsewhere;
  // A pod still starting has recorded no address yet: it may be this one.
  if (!info.addresses.empty() &&
      std::find(info.addresses.begin(), info.addresses.end(), allocation.address) == info.addresses.end())
    return Validity::not_pods_address;
  return Validity::valid;
}

std::vector<Problem> check_workloads(const IpamSnapshot& snapshot) {
  std::vector<Problem> problems;
  if (!snapshot.workloads) return problems;
  const Workloads& workloads = *snapshot.workloads;
  const auto all = allocations(snapshot);
  std::map<ip::Address, const Allocation*> allocated;
  for (const auto& a : all) {
    allocated[a.address] = &a;
    const Validity v = classify(a, workloads);
    if (v == Validity::valid) continue;
    const std::string who = attribute(a.owner, "namespace").empty()
                                ? attribute(a.owner, "node")
                                : attribute(a.owner, "namespace") + "/" + attribute(a.owner, "pod");
    problems.push_back(Problem{ProblemKind::leaked_address, a.address.to_string(),
                               fmt::format("allocated to {} (handle {}): {}", who, a.owner.handle_id.value_or("none"),
                                           to_string(v)),
                               a.address, a.owner.handle_id.value_or(""), a.sequence_number});
  }

  std::map<ip::Address, std::vector<std::string>> users;  // address -> pods using it
  for (const auto& [key, pod] : workloads.pods) {
    if (!holds_addresses(pod)) continue;
    for (const auto& address : pod.addresses) users[address].push_back(key);
  }
  for (const auto& [address, pods] : users) {
    const bool in_pool = std::any_of(snapshot.pools.begin(), snapshot.pools.end(),
                                     [&](const PoolView& p) { return p.cidr.contains(address); });
    if (!in_pool) continue;  // host-network pods use their node's address
    if (pods.size() > 1) {
      std::string names;
      for (const auto& p : pods) names += (names.empty() ? "" : ", ") + p;
      problems.push_back(Problem{ProblemKind::multiple_owners, address.to_string(),
                                 fmt::format("used by {} pods: {}", pods.size(), names), address, {}, std::nullopt});
      continue;
    }
    auto it = allocated.find(address);
    if (it == allocated.end()) {
      problems.push_back(Problem{ProblemKind::unallocated_in_use, address.to_string(),
                                 fmt::format("pod {} uses it, but IPAM has not allocated it", pods.front()), address,
                                 {}, std::nullopt});
      continue;
    }
    const Owner& owner = it->second->owner;
    const std::string allocated_to = attribute(owner, "namespace") + "/" + attribute(owner, "pod");
    if (!attribute(owner, "pod").empty() && allocated_to != pods.front())
      problems.push_back(Problem{ProblemKind::multiple_owners, address.to_string(),
                                 fmt::format("pod {} uses it, but it is allocated to {}", pods.front(), allocated_to),
                                 address, {}, std::nullopt});
  }
  return problems;
}

}  // namespace sluice::ipam
