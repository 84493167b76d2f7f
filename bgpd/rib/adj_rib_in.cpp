#include "bgpd/rib/adj_rib_in.hpp"

#include <algorithm>

#include "bgpd/rib/route_reflection.hpp"

namespace sluice::bgp::rib {

void AdjRibIn::withdraw(AfiSafi family, const std::vector<Nlri>& nlri, const TableLookup& tables) {
  if (nlri.empty()) return;
  LocRib* table = tables(family);
  if (!table) {
    counters_.ignored_family += nlri.size();
    return;
  }
  counters_.withdrawn += nlri.size();
  for (const auto& n : nlri) table->withdraw(n.prefix, peer_, n.path_id);
}

void AdjRibIn::announce(AfiSafi family, const std::vector<Nlri>& nlri, RouteAttributes attributes,
                        const TableLookup& tables) {
  if (nlri.empty()) return;
  LocRib* table = tables(family);
  if (!table) {
    counters_.ignored_family += nlri.size();
    return;
  }
  counters_.announced += nlri.size();
  auto drop = [&](std::uint64_t& counter) {
    counter += nlri.size();
    for (const auto& n : nlri) table->withdraw(n.prefix, peer_, n.path_id);
  };
  if (!attributes.next_hop) return drop(counters_.rejected);  // the codec flags this as treat-as-withdraw
  if (peers_.external(peer_)) {
    // ORIGINATOR_ID and CLUSTER_LIST describe one AS's reflection topology (RFC 4456).
    attributes.path.originator_id.reset();
    attributes.path.cluster_list.clear();
  }
  if (received_loop(attributes.path, peer_, peers_)) return drop(counters_.looped);

  // Interned once per UPDATE: all its prefixes share the set. `attributes` stays what
  // the import policy reads, so the set is not unpacked per prefix.
  const AttrRef shared = store_.intern(attributes);
  const PeerInfo& info = peers_.info(peer_);
  if (!info.import_policy) {
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < nlri.size(); ++i) {
      if (i + kAhead < nlri.size()) table->prefetch(nlri[i + kAhead].prefix);
      table->announce(nlri[i].prefix, peer_, nlri[i].path_id, shared);
    }
    return;
  }
  for (const auto& n : nlri) {
    RouteEditor editor(attributes);
    if (info.import_policy(ImportRoute{family, n.prefix, peer_, info}, editor) == PolicyVerdict::reject) {
      ++counters_.rejected;
      table->withdraw(n.prefix, peer_, n.path_id);
      continue;
    }
    table->announce(n.prefix, peer_, n.path_id, editor.edited() ? store_.intern(std::move(editor).take()) : shared);
  }
}

void AdjRibIn::apply(const Update& update, const TableLookup& tables) {
  withdraw(kIpv4Unicast, update.withdrawn_routes, tables);
  if (update.mp_unreach) withdraw(update.mp_unreach->afi_safi, update.mp_unreach->withdrawn_routes, tables);

  if (!update.nlri.empty()) {
    RouteAttributes attributes{update.attributes, update.attributes.next_hop, std::nullopt};
    attributes.path.next_hop.reset();
    announce(kIpv4Unicast, update.nlri, std::move(attributes), tables);
  }
  if (update.mp_reach && !update.mp_reach->nlri.empty()) {
    const auto& mp = *update.mp_reach;
    RouteAttributes attributes{update.attributes, std::nullopt, std::nullopt};
    attributes.path.next_hop.reset();
    if (!mp.next_hops.empty()) attributes.next_hop = mp.next_hops[0];
    if (mp.next_hops.size() > 1) attributes.link_local_next_hop = mp.next_hops[1];
    announce(mp.afi_safi, mp.nlri, std::move(attributes), tables);
  }
}

void AdjRibIn::withdraw_all(const Update& update, const TableLookup& tables) {
  withdraw(kIpv4Unicast, update.withdrawn_routes, tables);
  withdraw(kIpv4Unicast, update.nlri, tables);
  if (update.mp_unreach) withdraw(update.mp_unreach->afi_safi, update.mp_unreach->withdrawn_routes, tables);
  if (update.mp_reach) withdraw(update.mp_reach->afi_safi, update.mp_reach->nlri, tables);
}

void AdjRibIn::retain_as_stale(LocRib& table) {
  if (table.mark_stale(peer_) == 0) return;
  if (!has_stale(table.family())) stale_families_.push_back(table.family());
}

std::size_t AdjRibIn::sweep_stale(LocRib& table) {
  std::erase(stale_families_, table.family());
  return table.sweep_stale(peer_);
}

std::size_t AdjRibIn::remove_all(LocRib& table) {
  std::erase(stale_families_, table.family());
  return table.remove_peer(peer_);
}

bool AdjRibIn::has_stale(AfiSafi family) const {
  return std::find(stale_families_.begin(), stale_families_.end(), family) != stale_families_.end();
}

}  // namespace sluice::bgp::rib
