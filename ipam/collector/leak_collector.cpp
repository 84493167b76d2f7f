#include "ipam/collector/leak_collector.hpp"

#include <algorithm>

#include "base/log/log.hpp"
#include "ipam/allocator/block_claim.hpp"
#include "ipam/block/names.hpp"
#include "ipam/store/soft_delete.hpp"
#include "k8s-client/resources/core.hpp"

namespace sluice::ipam {
namespace {

std::string attribute(const Owner& owner, std::string_view key) {
  auto it = owner.attributes.find(std::string(key));
  return it == owner.attributes.end() ? std::string() : it->second;
}

std::string pool_of(const IpamSnapshot& snapshot, const ip::Address& address) {
  for (const auto& p : snapshot.pools)
    if (p.cidr.contains(address)) return p.cidr.to_string();
  return "none";
}

// The node whose scans cover an allocation: the pod's node, else the block's host.
std::string scan_node(const Allocation& a) {
  std::string node = attribute(a.owner, "node");
  if (node.empty() && a.block_host) node = *a.block_host;
  return node;
}

}  // namespace

LeakCollector::LeakCollector(ObjectStore& store, Allocator& allocator, CollectorSettings settings, Clock clock)
    : store_(store), allocator_(allocator), settings_(settings), clock_(std::move(clock)) {}

void LeakCollector::reset() {
  addresses_ = {};
  address_facts_.clear();
  empty_blocks_ = {};
  block_host_.clear();
  bad_handles_ = {};
  pending_claims_ = {};
}

void LeakCollector::observe(const IpamSnapshot& snapshot, const ScanScope& scope) {
  const TimePoint now = clock_();
  if (snapshot.workloads) {
    if (scope.everything) live_nodes_ = snapshot.workloads->nodes;
    std::set<AddressKey> leaked;
    for (const auto& a : allocations(snapshot)) {
      const std::string node = scan_node(a);
      if (!scope.contains(node)) continue;
      if (classify(a, *snapshot.workloads) == Validity::valid) continue;
      AddressKey key{a.owner.handle_id.value_or(""), a.address, a.sequence_number};
      leaked.insert(key);
      address_facts_[key] = AddressFacts{node, pool_of(snapshot, a.address)};
    }
    addresses_.observe(
        leaked,
        [&](const AddressKey& key) {
          auto it = address_facts_.find(key);
          return it == address_facts_.end() || scope.contains(it->second.node);
        },
        now);
    std::erase_if(address_facts_, [&](const auto& entry) { return !addresses_.entries().count(entry.first); });
  }

  std::set<std::string> empty;
  for (const auto& block : snapshot.blocks) {
    auto host = block.host();
    if (!host || !scope.contains(std::string(*host))) continue;
    const std::string cidr = block.cidr().to_string();
    block_host_[cidr] = std::string(*host);
    if (block.empty()) empty.insert(cidr);
  }
  empty_blocks_.observe(
      empty,
      [&](const std::string& cidr) {
        auto it = block_host_.find(cidr);
        return it == block_host_.end() || scope.contains(it->second);
      },
      now);

  if (!scope.everything) return;
  // What the blocks say each handle holds, against what the handles count.
  std::map<std::string, std::map<std::string, int>> truth;
  for (const auto& block : snapshot.blocks)
    for (int ord : block.in_use_ordinals())
      if (auto owner = block.owner(ord); owner && owner->handle_id)
        ++truth[*owner->handle_id][block.cidr().to_string()];
  std::set<std::pair<std::string, std::string>> over_counted;
  for (const auto& handle : snapshot.handles) {
    const auto& held = truth[handle.spec.handle_id];
    const bool over = std::any_of(handle.spec.block.begin(), handle.spec.block.end(), [&](const auto& entry) {
      auto it = held.find(entry.first);
      return entry.second > (it == held.end() ? 0 : it->second);
    });
    if (over || handle.spec.block.empty())
      over_counted.insert({handle.spec.handle_id, handle.metadata.resource_version});
  }
  bad_handles_.observe(over_counted, [](const auto&) { return true; }, now);

  std::set<std::pair<std::string, std::string>> pending;
  for (const auto& a : snapshot.affinities)
    if (a.spec.state == kAffinityPending) pending.insert({a.metadata.name, a.metadata.resource_version});
  pending_claims_.observe(pending, [](const auto&) { return true; }, now);
}

std::map<std::pair<std::string, std::string>, int> LeakCollector::candidates() const {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& [key, facts] : address_facts_) ++out[{facts.pool, facts.node}];
  return out;
}

boost::asio::awaitable<CollectionReport> LeakCollector::collect() {
  CollectionReport report;
  co_await collect_addresses(report);
  co_await collect_blocks(report);
  co_await repair_handles(report);
  co_await resolve_claims(report);
  co_return report;
}

boost::asio::awaitable<Result<Validity>> LeakCollector::recheck(const Allocation& allocation) {
  Workloads fresh;
  const std::string node = attribute(allocation.owner, "node");
  if (!node.empty()) {
    auto got = co_await get_object<k8s::Node>(store_, node);
    if (got) {
      fresh.nodes.insert(node);
    } else if (got.error().kind != k8s::ApiErrorKind::not_found) {
      co_return datastore_error("reading Node " + node, got.error());
    }
  }
  const std::string pod = attribute(allocation.owner, "pod");
  const std::string ns = attribute(allocation.owner, "namespace");
  if (!pod.empty() && !ns.empty()) {
    auto got = co_await get_object<k8s::Pod>(store_, pod, ns);
    if (got) {
      fresh.pods[ns + "/" + pod] = PodInfo{got->spec.node_name, pod_addresses(*got), got->status.phase};
    } else if (got.error().kind != k8s::ApiErrorKind::not_found) {
      co_return datastore_error("reading Pod " + ns + "/" + pod, got.error());
    }
  }
  co_return classify(allocation, fresh);
}

boost::asio::awaitable<void> LeakCollector::collect_addresses(CollectionReport& report) {
  if (settings_.grace_period.count() == 0) co_return;  // collection of addresses is off
  const auto due = addresses_.due(settings_.grace_period);
  const std::set<AddressKey> due_set(due.begin(), due.end());
  // All or none per handle: group the due leaks by handle (no handle: each on its own).
  std::map<std::string, std::vector<AddressKey>> groups;
  for (const auto& key : due) {
    const auto& handle = std::get<0>(key);
    groups[handle.empty() ? "address:" + std::get<1>(key).to_string() : handle].push_back(key);
  }
  int handles_done = 0;
  for (const auto& [group, keys] : groups) {
    if (handles_done >= settings_.max_handles_per_pass) break;
    const std::string handle = std::get<0>(keys.front());
    // Every address the handle holds now, not only those seen leaked.
    std::set<ip::Address> addresses;
    for (const auto& k : keys) addresses.insert(std::get<1>(k));
    if (!handle.empty()) {
      auto held = co_await allocator_.addresses_of_handle(handle);
      if (held) addresses.insert(held->begin(), held->end());
    }
    bool all_leaked = true;
    std::vector<ReleaseOptions> releases;
    std::vector<std::pair<AddressKey, AddressFacts>> released_keys;
    for (const auto& address : addresses) {
      auto info = co_await allocator_.address_info(address);
      if (!info || !info->allocated || info->owner.handle_id.value_or("") != handle) {
        // Released or given to someone else since: nothing to do for this address.
        for (const auto& k : keys)
          if (std::get<1>(k) == address) addresses_.forget(k);
        continue;
      }
      const AddressKey key{handle, address, info->sequence_number.value_or(0)};
      if (!due_set.count(key)) {
        all_leaked = false;  // another address of the handle is in use, or not yet proven leaked
        break;
      }
      std::optional<std::string> host;
      if (info->block_affinity && info->block_affinity->starts_with("host:")) host = info->block_affinity->substr(5);
      const Allocation allocation{address, info->block, host, info->owner, info->sequence_number.value_or(0)};
      auto verdict = co_await recheck(allocation);
      if (!verdict) {
        report.errors.push_back(verdict.error().message);
        all_leaked = false;
        break;
      }
      if (*verdict == Validity::valid) {
        addresses_.forget(key);
        all_leaked = false;
        break;
      }
      releases.push_back(ReleaseOptions{address, handle, info->sequence_number});
      auto facts = address_facts_.find(key);
      released_keys.emplace_back(key, facts == address_facts_.end() ? AddressFacts{} : facts->second);
    }
    if (!all_leaked || releases.empty()) continue;
    auto released = co_await allocator_.release_ips(releases);
    ++handles_done;
    if (!released) {
      report.errors.push_back("releasing the addresses of handle " + handle + ": " + released.error().message);
      continue;
    }
    report.released_addresses += static_cast<int>(released->released.size());
    ++report.released_handles;
    for (const auto& [key, facts] : released_keys) {
      addresses_.forget(key);
      if (std::find(released->released.begin(), released->released.end(), std::get<1>(key)) !=
          released->released.end())
        ++report.released_by_pool_node[{facts.pool, facts.node}];
      log::info("released a leaked address", {log::kv("address", std::get<1>(key).to_string()),
                                              log::kv("handle", handle), log::kv("node", facts.node)});
    }
  }
  std::erase_if(address_facts_, [&](const auto& entry) { return !addresses_.entries().count(entry.first); });
}

boost::asio::awaitable<void> LeakCollector::collect_blocks(CollectionReport& report) {
  for (const auto& cidr_text : empty_blocks_.due(settings_.grace_period)) {
    auto cidr = ip::Prefix::parse(cidr_text);
    auto host_it = block_host_.find(cidr_text);
    if (!cidr || host_it == block_host_.end()) {
      empty_blocks_.forget(cidr_text);
      continue;
    }
    const std::string host = host_it->second;
    // A node that exists keeps at least one block, so its next pod needs no claim.
    auto node = co_await get_object<k8s::Node>(store_, host);
    if (node) {
      const LabelFilter filter{{{std::string(kLabelHostnameHash), hostname_hash(host)}}};
      auto held = co_await list_objects<k8s::BlockAffinity>(store_, filter);
      if (!held) {
        report.errors.push_back("listing the affinities of " + host + ": " + held.error().describe());
        continue;
      }
      const auto count = std::count_if(held->items.begin(), held->items.end(), [&](const k8s::BlockAffinity& a) {
        return a.spec.node == host && !is_soft_deleted(a) && a.spec.state == kAffinityConfirmed;
      });
      if (count <= 1) continue;
    } else if (node.error().kind != k8s::ApiErrorKind::not_found) {
      report.errors.push_back("reading Node " + host + ": " + node.error().describe());
      continue;
    }
    auto released = co_await allocator_.release_affinity(host, *cidr, true);
    if (released) {
      ++report.released_blocks;
      log::info("released an empty block", {log::kv("block", cidr_text), log::kv("host", host)});
    } else if (released.error().code != kBlockNotEmpty && released.error().code != kNotFound &&
               released.error().code != kClaimConflict) {
      report.errors.push_back(released.error().message);
      continue;
    }
    empty_blocks_.forget(cidr_text);
  }
}

boost::asio::awaitable<void> LeakCollector::repair_handles(CollectionReport& report) {
  for (const auto& key : bad_handles_.due(settings_.grace_period)) {
    const auto& [id, version] = key;
    const std::string name = handle_name(id);
    auto handle = co_await get_live<k8s::IPAMHandle>(store_, name);
    if (!handle || handle->metadata.resource_version != version) {
      bad_handles_.forget(key);  // gone or changed: not the suspect any more
      continue;
    }
    std::map<std::string, int> counts;
    bool read_all = true;
    for (const auto& [cidr_text, recorded] : handle->spec.block) {
      auto cidr = ip::Prefix::parse(cidr_text);
      if (!cidr) continue;
      const std::string block_object = block_name(*cidr);
      auto stored = co_await get_live<k8s::IPAMBlock>(store_, block_object);
      int held = 0;
      if (stored) {
        auto block = AllocationBlock::from_resource(std::move(*stored));
        if (!block) {
          read_all = false;  // an invalid block is reported by check, not guessed at here
          break;
        }
        held = static_cast<int>(block->ordinals_of_handle(id).size());
      } else if (stored.error().kind != k8s::ApiErrorKind::not_found) {
        read_all = false;
        break;
      }
      if (std::min(recorded, held) > 0) counts[cidr_text] = std::min(recorded, held);
    }
    if (!read_all) continue;
    k8s::ApiStatus written;
    if (counts.empty()) {
      written = co_await soft_delete(store_, std::move(*handle));
    } else if (counts != handle->spec.block) {
      k8s::IPAMHandle repaired = std::move(*handle);
      repaired.spec.block = std::move(counts);
      auto updated = co_await update_object(store_, repaired);
      if (!updated) written = updated.error();
    }
    if (!written) {
      if (written.error().kind != k8s::ApiErrorKind::conflict)
        report.errors.push_back("repairing IPAMHandle " + name + ": " + written.error().describe());
      continue;
    }
    ++report.repaired_handles;
    bad_handles_.forget(key);
    log::info("repaired a handle that counted addresses no block holds", {log::kv("handle", id)});
  }
}

boost::asio::awaitable<void> LeakCollector::resolve_claims(CollectionReport& report) {
  for (const auto& key : pending_claims_.due(settings_.grace_period)) {
    const auto& [name, version] = key;
    auto affinity = co_await get_live<k8s::BlockAffinity>(store_, name);
    if (!affinity || affinity->metadata.resource_version != version || affinity->spec.state != kAffinityPending) {
      pending_claims_.forget(key);
      continue;
    }
    auto cidr = ip::Prefix::parse(affinity->spec.cidr);
    bool block_is_hosts = false;
    if (cidr) {
      const std::string block_object = block_name(*cidr);
      auto stored = co_await get_live<k8s::IPAMBlock>(store_, block_object);
      if (stored) {
        auto block = AllocationBlock::from_resource(std::move(*stored));
        block_is_hosts = block && block->affine_to_host(affinity->spec.node);
      } else if (stored.error().kind != k8s::ApiErrorKind::not_found) {
        report.errors.push_back("reading IPAMBlock " + block_object + ": " + stored.error().describe());
        continue;
      }
    }
    // A claim that made its block only lacks the confirmation; one that did not is void.
    k8s::ApiStatus written;
    const std::string node = affinity->spec.node;
    if (block_is_hosts) {
      k8s::BlockAffinity confirmed = std::move(*affinity);
      confirmed.spec.state = std::string(kAffinityConfirmed);
      auto updated = co_await update_object(store_, confirmed);
      if (!updated) written = updated.error();
    } else {
      written = co_await soft_delete(store_, std::move(*affinity));
    }
    if (!written) {
      if (written.error().kind != k8s::ApiErrorKind::conflict)
        report.errors.push_back("resolving BlockAffinity " + name + ": " + written.error().describe());
      continue;
    }
    ++report.resolved_claims;
    pending_claims_.forget(key);
    log::info(block_is_hosts ? "confirmed a claim that was cut short" : "deleted a claim that was cut short",
              {log::kv("affinity", name), log::kv("host", node)});
  }
}

}  // namespace sluice::ipam
