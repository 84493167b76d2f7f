// What the RIB knows about this speaker and each peer: configuration (AS numbers, route
// reflection, next-hop handling, add-path, policies) and what the session negotiated.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/ip/address.hpp"
#include "base/result.hpp"
#include "bgpd/codec/capabilities.hpp"
#include "bgpd/codec/types.hpp"
#include "bgpd/rib/policy.hpp"

namespace sluice::bgp::rib {

// Peers are numbered densely; 0 stands for this speaker (routes it originates). Paths keep
// the id in 15 bits.
inline constexpr PeerId kLocalPeer = 0;
inline constexpr PeerId kMaxPeerId = 0x7fff;

struct SpeakerIdentity {
  std::uint32_t local_as = 0;
  ip::Address router_id;                  // this speaker's BGP Identifier
  std::optional<ip::Address> cluster_id;  // RFC 4456 §7; defaults to the router id

  ip::Address effective_cluster_id() const { return cluster_id.value_or(router_id); }
};

// RFC 4271 §5.1.3 and the "next hop self / keep" knob Calico renders per peer.
enum class NextHopMode : std::uint8_t {
  automatic,  // this speaker's address toward eBGP peers, unchanged toward iBGP peers
  self,       // always this speaker's address
  unchanged,  // never rewritten, toward eBGP peers too
};

// Which paths go to a peer that receives several paths per prefix (RFC 7911 send).
enum class AddPathSelect : std::uint8_t {
  all,        // every path in the Loc-RIB (what BIRD's "add paths tx" sends)
  multipath,  // the best path and its multipath (ECMP) set
  best_n,     // the first `add_path_limit` paths in decision order
};

struct PeerInfo {
  ip::Address address;
  std::uint32_t remote_as = 0;
  std::optional<std::uint32_t> local_as;  // this speaker's AS toward the peer; default the speaker's
  // The peer's BGP Identifier, from its OPEN. The RIB sets it when the session comes up
  // and keeps it while stale routes remain.
  ip::Address router_id;
  bool route_reflector_client = false;
  std::optional<ip::Address> cluster_id;  // overrides the speaker's toward this client
  NextHopMode next_hop = NextHopMode::automatic;
  // What the session advertises in the ADD-PATH capability; the RIB itself follows what was
  // negotiated (PeerSession::send_context).
  std::vector<AddPathFamily> add_path;
  AddPathSelect add_path_select = AddPathSelect::all;
  std::uint16_t add_path_limit = 2;  // for best_n
  // How often this speaker's AS may appear in a path from this eBGP peer (Calico's
  // allow-local-as); 0 drops any route that has it (RFC 4271 §9.1.2 loop detection).
  std::uint8_t allow_own_as = 0;
  // This speaker advertises the Graceful Restart capability to the peer (RFC 4724).
  bool graceful_restart = true;
  ImportPolicy import_policy;  // empty: accept everything
  ExportPolicy export_policy;  // empty: accept everything
};

// What OPEN negotiation and the TCP connection established for one session.
struct PeerSession {
  ip::Address router_id;       // the peer's BGP Identifier
  std::vector<AfiSafi> families;  // families both sides advertised (RFC 4760)
  // Encoding toward the peer: 4-octet AS, extended messages, and the families in which
  // this speaker sends Path Identifiers (add-path negotiated send).
  Context send_context;
  std::optional<GracefulRestart> graceful_restart;  // the capability the peer sent
  // This speaker's addresses on the session, for next-hop-self per family.
  std::optional<ip::Address> next_hop_self_ipv4;
  std::optional<ip::Address> next_hop_self_ipv6;
  std::optional<ip::Address> link_local_ipv6;

  bool has_family(AfiSafi family) const;
};

// Every peer the RIB knows, by id, plus this speaker under kLocalPeer.
class PeerTable {
 public:
  explicit PeerTable(SpeakerIdentity speaker);

  const SpeakerIdentity& speaker() const { return speaker_; }

  // Fails when all kMaxPeerId ids are taken.
  Result<PeerId> add(PeerInfo info);
  void remove(PeerId id);
  bool contains(PeerId id) const { return id != kLocalPeer && id < peers_.size() && peers_[id].has_value(); }
  const PeerInfo& info(PeerId id) const { return *peers_[id]; }
  PeerInfo& info(PeerId id) { return *peers_[id]; }

  // This speaker's AS toward the peer (the speaker's own for kLocalPeer).
  std::uint32_t local_as(PeerId id) const;
  bool external(PeerId id) const;
  // The BGP Identifier that breaks ties for routes from `id` (this speaker's for kLocalPeer).
  ip::Address router_id(PeerId id) const;
  // The cluster id this speaker uses on the session with `id` (RFC 4456 §7).
  ip::Address cluster_id(PeerId id) const;

  template <class F>
  void for_each(F&& visit) const {
    for (std::size_t id = 1; id < peers_.size(); ++id) {
      if (peers_[id]) visit(static_cast<PeerId>(id), *peers_[id]);
    }
  }

 private:
  SpeakerIdentity speaker_;
  std::vector<std::optional<PeerInfo>> peers_;  // index 0 unused: kLocalPeer
  std::vector<PeerId> free_;
};

}  // namespace sluice::bgp::rib
