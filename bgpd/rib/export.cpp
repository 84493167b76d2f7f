#include "bgpd/rib/export.hpp"

#include <algorithm>

#include "bgpd/rib/route_reflection.hpp"

namespace sluice::bgp::rib {
namespace {

void prepend(AsPath& path, std::uint32_t asn) {
  // Confederation segments never leave the confederation; this speaker has none, so any
  // that arrived (only possible from iBGP) go at the AS border.
  std::erase_if(path.segments, [](const AsPathSegment& s) { return s.is_confed(); });
  if (!path.segments.empty() && path.segments.front().type == AsPathSegmentType::as_sequence &&
      path.segments.front().asns.size() < 255) {
    auto& asns = path.segments.front().asns;
    asns.insert(asns.begin(), asn);
    return;
  }
  path.segments.insert(path.segments.begin(), AsPathSegment{AsPathSegmentType::as_sequence, {asn}});
}

}  // namespace

std::optional<RouteAttributes> outbound_attributes(const RouteAttributes& route, PeerId from, PeerId to,
                                                   AfiSafi family, const PeerSession& session, const PeerTable& peers,
                                                   std::uint32_t default_local_pref) {
  RouteAttributes out = route;
  PathAttributes& path = out.path;
  const bool external = peers.external(to);
  const NextHopMode mode = peers.info(to).next_hop;
  if (!path.as_path) path.as_path = AsPath{};
  if (!path.origin) path.origin = Origin::igp;

  bool self = !route.next_hop.has_value() || mode == NextHopMode::self;
  if (external) {
    prepend(*path.as_path, peers.local_as(to));
    if (mode == NextHopMode::automatic) self = true;
    path.local_pref.reset();
    if (from != kLocalPeer) path.multi_exit_disc.reset();
    path.originator_id.reset();
    path.cluster_list.clear();
  } else {
    if (!path.local_pref) path.local_pref = default_local_pref;
    if (reflects(from, to, peers)) add_reflection_attributes(path, from, to, peers);
  }

  if (self) {
    if (family.afi == Afi::ipv4) {
      if (!session.next_hop_self_ipv4) return std::nullopt;
      out.next_hop = session.next_hop_self_ipv4;
      out.link_local_next_hop.reset();
    } else {
      if (!session.next_hop_self_ipv6) return std::nullopt;
      out.next_hop = session.next_hop_self_ipv6;
      out.link_local_next_hop = session.link_local_ipv6;
    }
  } else {
    out.link_local_next_hop.reset();
  }
  return out;
}

Exporter::Exporter(AfiSafi family, PeerId to, const PeerSession& session, const PeerTable& peers,
                   AttributeStore& store, std::uint32_t default_local_pref)
    : family_(family),
      to_(to),
      session_(session),
      peers_(peers),
      store_(store),
      default_local_pref_(default_local_pref) {}

AttrRef Exporter::rewrite(const AttrRef& source, PeerId from) {
  if (!may_advertise(source->path(), from, to_, peers_)) return {};
  auto out = outbound_attributes(source->value(), from, to_, family_, session_, peers_, default_local_pref_);
  if (!out) return {};
  return store_.intern(std::move(*out));
}

AttrRef Exporter::export_path(const Path& path, const LocRib& rib, EntryIndex index) {
  const PeerId from = path.peer();
  const Key key{path.attributes().get(), from};
  AttrRef result;
  if (auto it = cache_.find(key); it != cache_.end()) {
    result = it->second.result;
  } else {
    if (cache_.size() >= prune_at_) prune();
    result = rewrite(path.attributes(), from);
    cache_.emplace(key, Cached{path.attributes(), result});
  }
  const PeerInfo& to = peers_.info(to_);
  if (!result || !to.export_policy) return result;

  const ip::Prefix prefix = rib.prefix(index);
  const PeerInfo* from_info = from == kLocalPeer ? nullptr : &peers_.info(from);
  RouteEditor editor(result->value());
  ExportRoute route{family_, prefix, from, from_info, to_, to};
  if (to.export_policy(route, editor) == PolicyVerdict::reject) return {};
  if (!editor.edited()) return result;
  return store_.intern(std::move(editor).take());
}

void Exporter::prune() {
  // Entries whose source set only the cache still holds can never be asked for again.
  std::erase_if(cache_, [](const auto& item) { return item.second.source->references() == 1; });
  prune_at_ = std::max<std::size_t>(1024, cache_.size() * 2);
}

}  // namespace sluice::bgp::rib
