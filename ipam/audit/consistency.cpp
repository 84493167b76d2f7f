#include <map>
#include <set>

#include <fmt/format.h>

#include "ipam/audit/problems.hpp"
#include "ipam/block/names.hpp"

namespace sluice::ipam {

std::string_view to_string(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::invalid_block: return "invalid-block";
    case ProblemKind::outside_pools: return "outside-pools";
    case ProblemKind::dangling_handle: return "dangling-handle";
    case ProblemKind::missing_handle: return "missing-handle";
    case ProblemKind::handle_count_mismatch: return "handle-count-mismatch";
    case ProblemKind::affinity_without_block: return "affinity-without-block";
    case ProblemKind::block_without_affinity: return "block-without-affinity";
    case ProblemKind::pending_affinity: return "pending-affinity";
    case ProblemKind::leaked_address: return "leaked-address";
    case ProblemKind::unallocated_in_use: return "unallocated-in-use";
    case ProblemKind::multiple_owners: return "multiple-owners";
  }
  return "?";
}

std::vector<Problem> check_consistency(const IpamSnapshot& snapshot) {
  std::vector<Problem> problems;
  auto report = [&](ProblemKind kind, std::string subject, std::string detail) {
    problems.push_back(Problem{kind, std::move(subject), std::move(detail), std::nullopt, {}, std::nullopt});
  };

  for (const auto& bad : snapshot.invalid_blocks) report(ProblemKind::invalid_block, bad.name, bad.error.message);

  // What the blocks say each handle holds, per block.
  std::map<std::string, std::map<std::string, int>> held;  // handle -> block CIDR -> count
  for (const auto& block : snapshot.blocks) {
    for (int ord : block.in_use_ordinals()) {
      const ip::Address address = block.address_at(ord);
      const bool in_pool = std::any_of(snapshot.pools.begin(), snapshot.pools.end(),
                                       [&](const PoolView& p) { return p.cidr.contains(address); });
      if (!in_pool)
        report(ProblemKind::outside_pools, address.to_string(),
               fmt::format("allocated in block {}, which no pool contains", block.cidr().to_string()));
      const auto owner = block.owner(ord);
      if (owner->handle_id && *owner->handle_id != kWindowsReservedHandle)
        ++held[*owner->handle_id][block.cidr().to_string()];
    }
  }

  std::set<std::string> handle_ids;
  for (const auto& handle : snapshot.handles) {
    const std::string& id = handle.spec.handle_id;
    handle_ids.insert(id);
    auto it = held.find(id);
    if (it == held.end()) {
      report(ProblemKind::dangling_handle, id, "the handle holds no address");
      continue;
    }
    std::map<std::string, int> recorded;
    for (const auto& [cidr, count] : handle.spec.block)
      if (count != 0) recorded[cidr] = count;
    if (recorded != it->second) {
      std::string detail;
      std::set<std::string> cidrs;
      for (const auto& [c, n] : recorded) cidrs.insert(c);
      for (const auto& [c, n] : it->second) cidrs.insert(c);
      for (const auto& c : cidrs) {
        const int r = recorded.count(c) ? recorded.at(c) : 0;
        const int h = it->second.count(c) ? it->second.at(c) : 0;
        if (r == h) continue;
        if (!detail.empty()) detail += "; ";
        detail += fmt::format("block {}: the handle counts {}, the block holds {}", c, r, h);
      }
      report(ProblemKind::handle_count_mismatch, id, detail);
    }
  }
  for (const auto& [id, blocks] : held) {
    if (handle_ids.count(id)) continue;
    int total = 0;
    for (const auto& [c, n] : blocks) total += n;
    report(ProblemKind::missing_handle, id,
           fmt::format("{} allocated address{} refer to a handle that does not exist", total, total == 1 ? "" : "es"));
  }

  std::map<std::string, const AllocationBlock*> blocks_by_cidr;
  for (const auto& block : snapshot.blocks) blocks_by_cidr[block.cidr().to_string()] = &block;
  std::set<std::pair<std::string, std::string>> affine;  // (host, block CIDR) with a live affinity
  for (const auto& a : snapshot.affinities) {
    affine.insert({a.spec.node, a.spec.cidr});
    const std::string subject = a.metadata.name;
    if (a.spec.state == "pending") {
      report(ProblemKind::pending_affinity, subject,
             fmt::format("host {} has a pending claim on block {}", a.spec.node, a.spec.cidr));
      continue;
    }
    if (a.spec.state == "pendingDeletion") continue;
    auto it = blocks_by_cidr.find(a.spec.cidr);
    if (it == blocks_by_cidr.end()) {
      report(ProblemKind::affinity_without_block, subject,
             fmt::format("host {} is affine to block {}, which does not exist", a.spec.node, a.spec.cidr));
    } else if (!it->second->affine_to_host(a.spec.node)) {
      report(ProblemKind::affinity_without_block, subject,
             fmt::format("host {} is affine to block {}, which belongs to {}", a.spec.node, a.spec.cidr,
                         it->second->affinity().value_or("no host")));
    }
  }
  for (const auto& block : snapshot.blocks) {
    auto host = block.host();
    if (!host) continue;
    if (!affine.count({std::string(*host), block.cidr().to_string()}))
      report(ProblemKind::block_without_affinity, block_name(block.cidr()),
             fmt::format("block {} is affine to host {}, which holds no affinity for it", block.cidr().to_string(),
                         *host));
  }
  return problems;
}

}  // namespace sluice::ipam
