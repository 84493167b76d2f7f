// Who may receive what: loop detection on receipt (RFC 4271 §9.1.2, RFC 4456 §8), the
// iBGP advertisement rules with route reflection (RFC 4271 §9.2, RFC 4456 §6), the
// well-known communities (RFC 1997), and the attributes a reflector adds (RFC 4456 §7).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "bgpd/codec/attributes.hpp"
#include "bgpd/rib/peer_info.hpp"

namespace sluice::bgp::rib {

enum class LoopReason : std::uint8_t {
  as_path,        // an eBGP route whose AS_PATH holds this speaker's AS (more than allowed)
  originator_id,  // an iBGP route whose ORIGINATOR_ID is this speaker's router id
  cluster_list,   // an iBGP route whose CLUSTER_LIST holds this speaker's cluster id
};
std::string_view to_string(LoopReason reason);

// Why a route received from `peer` must be dropped, if it must.
std::optional<LoopReason> received_loop(const PathAttributes& path, PeerId peer, const PeerTable& peers);

// Whether a route learned from `from` (kLocalPeer: originated here) may go to `to`:
//   - never back to the peer it came from;
//   - NO_ADVERTISE: to nobody; NO_EXPORT and NO_EXPORT_SUBCONFED: to no eBGP peer;
//   - from an eBGP peer or this speaker: to every peer;
//   - from an iBGP route-reflector client: to every peer;
//   - from an iBGP non-client: to clients and eBGP peers only (without clients, that is the
//     plain iBGP rule of RFC 4271 §9.2: iBGP routes go to no other iBGP peer).
bool may_advertise(const PathAttributes& path, PeerId from, PeerId to, const PeerTable& peers);

// Whether sending a route from `from` to `to` reflects it: both are iBGP peers.
bool reflects(PeerId from, PeerId to, const PeerTable& peers);

// RFC 4456 §7 for a reflected route: ORIGINATOR_ID set to the originating peer's router
// id unless present, and the cluster id prepended to CLUSTER_LIST. The cluster id is the
// one configured on the client's session (the source's when it is a client, the target's
// otherwise), falling back to the speaker's.
void add_reflection_attributes(PathAttributes& path, PeerId from, PeerId to, const PeerTable& peers);

}  // namespace sluice::bgp::rib
