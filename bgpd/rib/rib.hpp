// Rib: the whole routing information base of one speaker, as pure code (no sockets, no
// clocks: timer expiries arrive as calls). Peers and their sessions, per peer an AdjRibIn
// and per negotiated family an AdjRibOut, per family a LocRib, one AttributeStore.
//
// The session layer feeds it decoded UPDATEs and session events, calls process() once per
// batch of input (each prefix is decided once per batch however many UPDATEs touched it),
// and pulls next_update(peer) while the peer's socket can take more. The FIB side listens
// to best-path changes.
//
// Graceful restart (RFC 4724):
//   helper     session_lost(graceful) keeps the peer's routes as stale for the families in
//              its capability; when it comes back, families it no longer lists, or lists
//              without the Forwarding State bit, lose their stale routes at once; the rest
//              go at its End-of-RIB, or at restart_timer_expired() (the caller runs that
//              one timer from the loss until End-of-RIB).
//   restarting with RibConfig::restarting, nothing is decided or sent until every peer
//              configured for graceful restart has come back and sent End-of-RIB for each
//              of its families (peers without the capability or with the Restart State
//              bit are not waited for), or selection_deferral_expired() is called. Then
//              every peer gets the table followed by End-of-RIB.
// End-of-RIB also follows the initial table on every session, as RFC 4724 §2 recommends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "bgpd/codec/update.hpp"
#include "bgpd/rib/adj_rib_in.hpp"
#include "bgpd/rib/adj_rib_out.hpp"
#include "bgpd/rib/attribute_set.hpp"
#include "bgpd/rib/decision.hpp"
#include "bgpd/rib/loc_rib.hpp"
#include "bgpd/rib/peer_info.hpp"

namespace sluice::bgp::rib {

struct RibConfig {
  SpeakerIdentity speaker;
  DecisionOptions decision;
  NextHopResolver resolver;  // empty: every next hop reachable at cost 0
  std::vector<AfiSafi> families{kIpv4Unicast, kIpv6Unicast};
  // This speaker restarted gracefully and defers route selection (RFC 4724 §4.1).
  bool restarting = false;
};

// How a session ended, as far as graceful restart cares.
enum class SessionLoss : std::uint8_t {
  reset,     // routes go now (a NOTIFICATION without the N bit, an administrative stop)
  graceful,  // routes may be kept if the session negotiated graceful restart (TCP failure,
             // hold timer expiry, or a NOTIFICATION with RFC 8538's N bit)
};

class Rib {
 public:
  // Receives every Loc-RIB batch: `changed` lists the prefixes the batch touched;
  // table.selection_changed(i) says whether the best path or multipath set changed.
  using BestPathListener = std::function<void(const LocRib& table, std::span<const EntryIndex> changed)>;

  explicit Rib(RibConfig config);
  ~Rib();
  Rib(const Rib&) = delete;
  Rib& operator=(const Rib&) = delete;

  const PeerTable& peers() const { return peers_; }
  Result<PeerId> add_peer(PeerInfo info);
  // New configuration for a peer: every peer's exports are re-evaluated. A changed import
  // policy applies to routes the peer sends from now on (ask it for a ROUTE-REFRESH).
  void update_peer(PeerId peer, PeerInfo info);
  void remove_peer(PeerId peer);

  // `session.families` must list IPv4 unicast when the peer advertised no Multiprotocol
  // capability (RFC 4760 §8).
  void session_established(PeerId peer, PeerSession session);
  void session_lost(PeerId peer, SessionLoss how);
  bool established(PeerId peer) const;
  // Established, and End-of-RIB received for every family of the session (RFC 4724 §2):
  // the peer's initial routes are all in.
  bool initial_update_done(PeerId peer) const;
  // What the current session negotiated; null while the peer is down.
  const PeerSession* session(PeerId peer) const;

  // A decoded UPDATE whose verdict allows processing (none or attribute-discard); an
  // End-of-RIB marker is recognised here.
  void apply_update(PeerId peer, const Update& update);
  // RFC 7606 treat-as-withdraw.
  void treat_as_withdraw(PeerId peer, const Update& update);
  // RFC 7606 AFI/SAFI disable: the family's routes from the peer go, and the family is
  // neither taken from nor sent to it for the rest of the session.
  void disable_family(PeerId peer, AfiSafi family);
  // The peer sent ROUTE-REFRESH (RFC 2918): it gets the whole family again.
  void route_refresh(PeerId peer, AfiSafi family);

  void restart_timer_expired(PeerId peer);
  void selection_deferral_expired();
  bool deferring() const { return deferring_; }

  // Routes this speaker originates (Calico's blocks). Missing ORIGIN becomes IGP, a
  // missing AS_PATH empty; no next hop means this speaker's address on each session.
  void originate(const ip::Prefix& prefix, RouteAttributes attributes);
  void withdraw_originated(const ip::Prefix& prefix);

  // Decides every prefix changed since the last call, tells the listener, and queues the
  // consequences on every Adj-RIB-Out. Does nothing while selection is deferred.
  void process();
  // The next UPDATE for the peer (processing pending changes first), nullopt when in sync.
  std::optional<Update> next_update(PeerId peer);
  bool has_pending(PeerId peer) const;

  void set_best_path_listener(BestPathListener listener) { listener_ = std::move(listener); }

  LocRib* loc_rib(AfiSafi family);
  const LocRib* loc_rib(AfiSafi family) const;
  const AdjRibIn* adj_rib_in(PeerId peer) const;
  const AdjRibOut* adj_rib_out(PeerId peer, AfiSafi family) const;
  const AttributeStore& attributes() const { return store_; }

 private:
  struct PeerState;

  PeerState* state(PeerId peer);
  const PeerState* state(PeerId peer) const;
  TableLookup tables_for(PeerState& peer);
  void end_of_rib(PeerState& peer, AfiSafi family);
  void check_deferral();
  void start_exports(PeerState& peer);
  void clear_export_caches_and_refresh();

  // Declared first so it is destroyed last: every AttrRef below points into it.
  AttributeStore store_;
  RibConfig config_;
  PeerTable peers_;
  std::vector<std::unique_ptr<LocRib>> tables_;
  // Indexed by PeerId; destroyed before tables_ because Adj-RIB-Outs reference entries.
  std::vector<std::unique_ptr<PeerState>> states_;
  BestPathListener listener_;
  bool deferring_ = false;
};

}  // namespace sluice::bgp::rib
