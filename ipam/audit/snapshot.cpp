#include "ipam/audit/snapshot.hpp"

#include <algorithm>

#include "base/json/json.hpp"
#include "ipam/store/soft_delete.hpp"
#include "k8s-client/resources/core.hpp"

namespace sluice::ipam {
namespace {

// Annotations carry "10.0.0.5/32"; status carries "10.0.0.5".
void add_unique(std::vector<ip::Address>& out, std::string_view text) {
  auto a = ip::Address::parse(text.substr(0, text.find('/')));
  if (a && std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
}

}  // namespace

std::vector<ip::Address> pod_addresses(const k8s::Pod& pod) {
  std::vector<ip::Address> out;
  const auto& annotations = pod.metadata.annotations;
  if (auto it = annotations.find(std::string(kAnnotationPodIPs)); it != annotations.end()) {
    std::string_view list = it->second;
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      if (!item.empty()) add_unique(out, item);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  if (auto it = annotations.find(std::string(kAnnotationPodIP)); it != annotations.end()) add_unique(out, it->second);
  for (const auto& ip : pod.status.pod_ips) add_unique(out, ip.ip);
  if (!pod.status.pod_ip.empty()) add_unique(out, pod.status.pod_ip);
  return out;
}

boost::asio::awaitable<k8s::ApiResult<IpamSnapshot>> read_snapshot(ObjectStore& store, bool with_workloads) {
  IpamSnapshot snapshot;
  auto blocks = co_await list_objects<k8s::IPAMBlock>(store);
  if (!blocks) co_return blocks.error();
  snapshot.invalid_blocks = std::move(blocks->undecodable);
  for (auto& item : blocks->items) {
    if (is_soft_deleted(item)) continue;
    const std::string name = item.metadata.name;
    auto block = AllocationBlock::from_resource(std::move(item));
    if (block) {
      snapshot.blocks.push_back(std::move(*block));
    } else {
      snapshot.invalid_blocks.push_back({name, block.error()});
    }
  }
  auto handles = co_await list_objects<k8s::IPAMHandle>(store);
  if (!handles) co_return handles.error();
  for (auto& h : handles->items)
    if (!is_soft_deleted(h)) snapshot.handles.push_back(std::move(h));
  auto affinities = co_await list_objects<k8s::BlockAffinity>(store);
  if (!affinities) co_return affinities.error();
  for (auto& a : affinities->items)
    if (!is_soft_deleted(a)) snapshot.affinities.push_back(std::move(a));
  auto pools = co_await list_objects<k8s::IPPool>(store);
  if (!pools) co_return pools.error();
  for (const auto& p : pools->items)
    if (auto view = make_pool_view(p)) snapshot.pools.push_back(std::move(*view));

  if (with_workloads) {
    Workloads workloads;
    auto nodes = co_await list_objects<k8s::Node>(store);
    if (!nodes) co_return nodes.error();
    for (const auto& n : nodes->items) workloads.nodes.insert(n.metadata.name);
    auto pods = co_await list_objects<k8s::Pod>(store);
    if (!pods) co_return pods.error();
    for (const auto& p : pods->items)
      workloads.pods[p.metadata.namespace_ + "/" + p.metadata.name] =
          PodInfo{p.spec.node_name, pod_addresses(p), p.status.phase};
    snapshot.workloads = std::move(workloads);
  }
  co_return snapshot;
}

std::vector<Allocation> allocations(const IpamSnapshot& snapshot) {
  std::vector<Allocation> out;
  for (const auto& block : snapshot.blocks) {
    std::optional<std::string> host;
    if (auto h = block.host()) host = std::string(*h);
    for (int ord : block.in_use_ordinals())
      out.push_back(Allocation{block.address_at(ord), block.cidr(), host, *block.owner(ord),
                               block.sequence_for(ord).value_or(0)});
  }
  return out;
}

}  // namespace sluice::ipam
