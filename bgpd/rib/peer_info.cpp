#include "bgpd/rib/peer_info.hpp"

#include <algorithm>
#include <string>

namespace sluice::bgp::rib {

bool PeerSession::has_family(AfiSafi family) const {
  return std::find(families.begin(), families.end(), family) != families.end();
}

PeerTable::PeerTable(SpeakerIdentity speaker) : speaker_(std::move(speaker)), peers_(1) {}

Result<PeerId> PeerTable::add(PeerInfo info) {
  PeerId id = 0;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    if (peers_.size() > kMaxPeerId) return Error{"the RIB holds at most " + std::to_string(kMaxPeerId) + " peers"};
    id = static_cast<PeerId>(peers_.size());
    peers_.emplace_back();
  }
  peers_[id] = std::move(info);
  return id;
}

void PeerTable::remove(PeerId id) {
  if (!contains(id)) return;
  peers_[id].reset();
  free_.push_back(id);
}

std::uint32_t PeerTable::local_as(PeerId id) const {
  if (id == kLocalPeer) return speaker_.local_as;
  return info(id).local_as.value_or(speaker_.local_as);
}

bool PeerTable::external(PeerId id) const {
  return id != kLocalPeer && info(id).remote_as != local_as(id);
}

ip::Address PeerTable::router_id(PeerId id) const {
  return id == kLocalPeer ? speaker_.router_id : info(id).router_id;
}

ip::Address PeerTable::cluster_id(PeerId id) const {
  if (id != kLocalPeer && info(id).cluster_id) return *info(id).cluster_id;
  return speaker_.effective_cluster_id();
}

}  // namespace sluice::bgp::rib
