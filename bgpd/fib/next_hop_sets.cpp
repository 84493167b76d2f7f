#include "bgpd/fib/next_hop_sets.hpp"

#include <algorithm>
#include <cassert>

namespace sluice::bgp::fib {

std::size_t NextHopSets::Hash::operator()(const std::vector<netlink::NextHop>& hops) const {
  std::size_t h = hops.size();
  for (const auto& n : hops) {
    std::size_t one = n.gateway ? n.gateway->hash() : 0;
    one = one * 31 + static_cast<std::size_t>(n.ifindex);
    one = one * 31 + n.weight * 2 + (n.onlink ? 1 : 0);
    h = h * 1000003 ^ one;
  }
  return h;
}

// The index's functors point at entries_, which lives as long as the index.
NextHopSets::NextHopSets() : entries_(1), index_(16, Hash{&entries_}, Equal{&entries_}) {}

NextHopSets::Id NextHopSets::intern(std::vector<netlink::NextHop> hops) {
  if (hops.empty()) return kEmpty;
  std::sort(hops.begin(), hops.end());
  // Two paths through the same gateway are one next hop, not a doubled weight.
  hops.erase(std::unique(hops.begin(), hops.end(),
                         [](const netlink::NextHop& a, const netlink::NextHop& b) {
                           return a.gateway == b.gateway && a.ifindex == b.ifindex && a.onlink == b.onlink;
                         }),
             hops.end());
  if (auto it = index_.find(hops); it != index_.end()) {
    ++entries_[*it].references;
    return *it;
  }
  Id id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<Id>(entries_.size());
    entries_.emplace_back();
  }
  std::size_t hash = Hash{&entries_}(hops);
  entries_[id] = Entry{std::move(hops), hash, 1};
  index_.insert(id);
  return id;
}

void NextHopSets::retain(Id id) {
  if (id != kEmpty) ++entries_[id].references;
}

void NextHopSets::release(Id id) {
  if (id == kEmpty) return;
  assert(entries_[id].references > 0);
  if (--entries_[id].references > 0) return;
  index_.erase(id);
  entries_[id] = Entry{};
  free_.push_back(id);
}

}  // namespace sluice::bgp::fib
