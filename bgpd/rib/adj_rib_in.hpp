// AdjRibIn: what one peer sent, and its graceful-restart state. The routes themselves live
// in the Loc-RIB tables tagged with the peer (after import policy; a policy change needs a
// ROUTE-REFRESH from the peer). This class is the import pipeline in front of them (NEXT_HOP
// placement, loop detection, import policy, interning) and the RFC 4724 §4.2 helper state:
// which families' routes are being kept as stale after the peer's session went down.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "bgpd/codec/update.hpp"
#include "bgpd/rib/attribute_set.hpp"
#include "bgpd/rib/loc_rib.hpp"
#include "bgpd/rib/peer_info.hpp"

namespace sluice::bgp::rib {

// The table for a family, or nullptr when routes of that family are not taken from the peer.
using TableLookup = std::function<LocRib*(AfiSafi family)>;

struct AdjRibInCounters {
  std::uint64_t announced = 0;        // NLRI received in announcements
  std::uint64_t withdrawn = 0;        // NLRI received in withdrawals (or treated as withdrawn)
  std::uint64_t rejected = 0;         // announcements the import policy rejected
  std::uint64_t looped = 0;           // announcements dropped by loop detection
  std::uint64_t ignored_family = 0;   // NLRI of a family not taken from the peer
};

class AdjRibIn {
 public:
  AdjRibIn(PeerId peer, const PeerTable& peers, AttributeStore& store) : peer_(peer), peers_(peers), store_(store) {}

  // Applies one UPDATE's withdrawals, then its announcements. A route that fails loop
  // detection or import policy withdraws what the peer sent before for the prefix (the
  // announcement replaced it). End-of-RIB markers are the caller's to recognise.
  void apply(const Update& update, const TableLookup& tables);
  // RFC 7606 treat-as-withdraw: every NLRI of the UPDATE, announced or withdrawn, goes.
  void withdraw_all(const Update& update, const TableLookup& tables);

  // Graceful restart, helper side (RFC 4724 §4.2).
  // The session went down gracefully: keep the family's routes, marked stale.
  void retain_as_stale(LocRib& table);
  // Removes the family's stale routes (End-of-RIB, restart timer, or the peer came back
  // without preserving forwarding state). Returns how many went.
  std::size_t sweep_stale(LocRib& table);
  // Removes every route of the family from this peer.
  std::size_t remove_all(LocRib& table);
  bool has_stale(AfiSafi family) const;
  const std::vector<AfiSafi>& stale_families() const { return stale_families_; }

  const AdjRibInCounters& counters() const { return counters_; }

 private:
  void announce(AfiSafi family, const std::vector<Nlri>& nlri, RouteAttributes attributes, const TableLookup& tables);
  void withdraw(AfiSafi family, const std::vector<Nlri>& nlri, const TableLookup& tables);

  PeerId peer_;
  const PeerTable& peers_;
  AttributeStore& store_;
  std::vector<AfiSafi> stale_families_;
  AdjRibInCounters counters_;
};

}  // namespace sluice::bgp::rib
