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

std::optional<RouteAttributes> outbound_attributes(RouteAttributes route, PeerId from, PeerId to,
                                                   AfiSafi family, const PeerSession& session, const PeerTable& peers,
                                                   std::uint32_t default_local_pref) {
  const bool external = peers.external(to);
  const NextHopMode mode = peers.info(to).next_hop;
  bool self = !route.next_hop.has_value() || mode == NextHopMode::self;
  RouteAttributes out = std::move(route);
  PathAttributes& path = out.path;
  if (!path.as_path) path.as_path = AsPath{};
  if (!path.origin) path.origin = Origin::igp;

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
  RouteAttributes value = source->value();
  if (!may_advertise(value.path, from, to_, peers_)) return {};
  auto out = outbound_attributes(std::move(value), from, to_, family_, session_, peers_, default_local_pref_);
  if (!out) return {};
  return store_.intern(std::move(*out));
}

std::size_t Exporter::memo_slot(const AttributeSet* set, PeerId from) const {
  const auto key = reinterpret_cast<std::uintptr_t>(set) ^ (std::uintptr_t{from} << 48);
  return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> (64 - kMemoBits));
}

void Exporter::clear_cache() {
  memo_.clear();
  memo_.shrink_to_fit();
  unpacked_set_.reset();
}

AttrRef Exporter::export_path(const Path& path, const LocRib& rib, EntryIndex index) {
  const PeerId from = path.peer();
  if (from == to_) return {};  // never back to where it came from: no rewrite to remember
  if (memo_.empty()) memo_.resize(std::size_t{1} << kMemoBits);
  const AttributeSet* source = &rib.attribute_set(path);
  Memo& memo = memo_[memo_slot(source, from)];
  if (memo.source.get() != source || memo.from != from) {
    memo.source = rib.attributes(path);
    memo.result = rewrite(memo.source, from);
    memo.from = from;
  }
  AttrRef result = memo.result;
  const PeerInfo& to = peers_.info(to_);
  if (!result || !to.export_policy) return result;

  const ip::Prefix prefix = rib.prefix(index);
  const PeerInfo* from_info = from == kLocalPeer ? nullptr : &peers_.info(from);
  if (unpacked_set_ != result) {
    // Sets are packed; the policy reads them unpacked. Routes sharing a set come one after
    // another, so unpacking the last one seen is enough.
    unpacked_ = result->value();
    unpacked_set_ = result;
  }
  RouteEditor editor(unpacked_);
  ExportRoute route{family_, prefix, from, from_info, to_, to};
  if (to.export_policy(route, editor) == PolicyVerdict::reject) return {};
  if (!editor.edited()) return result;
  return store_.intern(std::move(editor).take());
}

}  // namespace sluice::bgp::rib
