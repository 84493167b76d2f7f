#include "bgpd/fib/rib_feed.hpp"

#include <algorithm>

namespace sluice::bgp::fib {

std::vector<ip::Address> selected_next_hops(const rib::LocRib& table, rib::EntryIndex index, bool ecmp) {
  std::vector<ip::Address> hops;
  auto selected = table.multipath(index);
  if (selected.empty() || !table.attribute_set(selected.front()).next_hop()) return hops;
  if (!ecmp) selected = selected.first(1);
  for (const rib::Path& path : selected) {
    const auto next_hop = table.attribute_set(path).next_hop();
    if (next_hop && std::find(hops.begin(), hops.end(), *next_hop) == hops.end()) hops.push_back(*next_hop);
  }
  return hops;
}

void apply_best_paths(Fib& fib, const rib::LocRib& table, std::span<const rib::EntryIndex> changed, bool ecmp) {
  for (rib::EntryIndex index : changed) {
    if (!table.selection_changed(index)) continue;
    auto hops = selected_next_hops(table, index, ecmp);
    fib.set_bgp_route(table.prefix(index), hops);
  }
}

void load_table(Fib& fib, const rib::LocRib& table, bool ecmp) {
  table.for_each(
      [&](rib::EntryIndex index) { fib.set_bgp_route(table.prefix(index), selected_next_hops(table, index, ecmp)); });
}

}  // namespace sluice::bgp::fib
