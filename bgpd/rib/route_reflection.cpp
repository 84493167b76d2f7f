#include "bgpd/rib/route_reflection.hpp"

#include <algorithm>

namespace sluice::bgp::rib {
namespace {

bool has_community(const PathAttributes& path, Community community) {
  return std::find(path.communities.begin(), path.communities.end(), community) != path.communities.end();
}

std::size_t occurrences(const AsPath& as_path, std::uint32_t asn) {
  std::size_t n = 0;
  for (const auto& segment : as_path.segments) n += static_cast<std::size_t>(std::count(segment.asns.begin(), segment.asns.end(), asn));
  return n;
}

}  // namespace

std::string_view to_string(LoopReason reason) {
  switch (reason) {
    case LoopReason::as_path: return "as-path";
    case LoopReason::originator_id: return "originator-id";
    case LoopReason::cluster_list: return "cluster-list";
  }
  return "unknown";
}

std::optional<LoopReason> received_loop(const PathAttributes& path, PeerId peer, const PeerTable& peers) {
  if (peer == kLocalPeer) return std::nullopt;
  const auto& speaker = peers.speaker();
  if (peers.external(peer)) {
    if (!path.as_path) return std::nullopt;
    const std::size_t allowed = peers.info(peer).allow_own_as;
    const std::uint32_t local_as = peers.local_as(peer);
    if (occurrences(*path.as_path, local_as) > allowed) return LoopReason::as_path;
    if (local_as != speaker.local_as && occurrences(*path.as_path, speaker.local_as) > allowed) {
      return LoopReason::as_path;
    }
    return std::nullopt;
  }
  if (path.originator_id && *path.originator_id == speaker.router_id) return LoopReason::originator_id;
  const ip::Address session_cluster = peers.cluster_id(peer);
  const ip::Address own_cluster = speaker.effective_cluster_id();
  for (const auto& id : path.cluster_list) {
    if (id == session_cluster || id == own_cluster) return LoopReason::cluster_list;
  }
  return std::nullopt;
}

bool may_advertise(const PathAttributes& path, PeerId from, PeerId to, const PeerTable& peers) {
  if (from == to) return false;
  if (has_community(path, kNoAdvertise)) return false;
  const bool to_external = peers.external(to);
  if (to_external) return !has_community(path, kNoExport) && !has_community(path, kNoExportSubconfed);
  if (from == kLocalPeer || peers.external(from)) return true;
  if (peers.info(from).route_reflector_client) return true;
  return peers.info(to).route_reflector_client;
}

bool reflects(PeerId from, PeerId to, const PeerTable& peers) {
  return from != kLocalPeer && to != kLocalPeer && !peers.external(from) && !peers.external(to);
}

void add_reflection_attributes(PathAttributes& path, PeerId from, PeerId to, const PeerTable& peers) {
  if (!path.originator_id) path.originator_id = peers.router_id(from);
  const PeerId client = peers.info(from).route_reflector_client ? from : to;
  path.cluster_list.insert(path.cluster_list.begin(), peers.cluster_id(client));
}

}  // namespace sluice::bgp::rib
