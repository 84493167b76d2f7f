// The per-peer outbound rewrite of a route's attributes, and the Exporter that applies it
// (with route reflection rules and the export policy hook) for one peer and family.
//
// Toward an eBGP peer (RFC 4271 §5.1):
//   AS_PATH          the local AS prepended (confederation segments dropped: none are kept)
//   NEXT_HOP         this speaker's address, unless NextHopMode::unchanged and there is one
//   LOCAL_PREF       removed (§5.1.5)
//   MULTI_EXIT_DISC  removed unless the route is originated here (§5.1.4: a MED learned
//                    from one neighbouring AS is not passed to another)
//   ORIGINATOR_ID, CLUSTER_LIST  removed (they belong to one AS, RFC 4456)
// Toward an iBGP peer:
//   AS_PATH          unchanged (an empty one for routes originated here)
//   NEXT_HOP         unchanged, unless NextHopMode::self or the route has none (originated
//                    here); a reflector does not touch it by default (RFC 4456 §10)
//   LOCAL_PREF       always present: the route's, else DecisionOptions::default_local_pref
//   MULTI_EXIT_DISC  unchanged
//   reflected routes (iBGP to iBGP) get ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §7)
// An IPv6 link-local next hop only goes out when the next hop is this speaker's own
// (another link's link-local address means nothing to the peer, RFC 2545 §3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "bgpd/codec/types.hpp"
#include "bgpd/rib/attribute_set.hpp"
#include "bgpd/rib/loc_rib.hpp"
#include "bgpd/rib/peer_info.hpp"

namespace sluice::bgp::rib {

// The attributes a route from `from` carries toward `to`; nullopt when it cannot be sent
// (next-hop-self is needed but the session has no address of the family). Does not check
// may_advertise().
std::optional<RouteAttributes> outbound_attributes(RouteAttributes route, PeerId from, PeerId to,
                                                   AfiSafi family, const PeerSession& session, const PeerTable& peers,
                                                   std::uint32_t default_local_pref);

class Exporter {
 public:
  Exporter(AfiSafi family, PeerId to, const PeerSession& session, const PeerTable& peers, AttributeStore& store,
           std::uint32_t default_local_pref);

  // The interned attributes `path` (of the prefix at `index`) goes to the peer with, or
  // an empty AttrRef when it does not go. The rewrite depends only on the path's attribute
  // set and peer, so recent ones are remembered: prefixes that share a set are staged one
  // after another, and a million routes sharing a hundred sets cost about a hundred
  // rewrites. The export policy, which may look at the prefix, runs per route.
  AttrRef export_path(const Path& path, const LocRib& rib, EntryIndex index);

  // Forgets remembered rewrites (the peer's or a source peer's configuration changed).
  void clear_cache();

 private:
  // A direct-mapped memo of rewrites, not a map of every set ever exported: it costs 96 kB
  // however large the table (a map held a node per set, 27 MB for a million prefixes), and
  // a miss only costs a rewrite, since interning the same rewrite returns the same set.
  struct Memo {
    AttrRef source;  // keeps the set alive, so its address is not reused for another meanwhile
    AttrRef result;
    PeerId from = 0;
  };
  static constexpr int kMemoBits = 12;
  std::size_t memo_slot(const AttributeSet* set, PeerId from) const;
  AttrRef rewrite(const AttrRef& source, PeerId from);

  AfiSafi family_;
  PeerId to_;
  const PeerSession& session_;
  const PeerTable& peers_;
  AttributeStore& store_;
  std::uint32_t default_local_pref_;
  std::vector<Memo> memo_;  // 2^kMemoBits slots once the first route goes out
  AttrRef unpacked_set_;    // the set unpacked_ holds, for the export policy
  RouteAttributes unpacked_;
};

}  // namespace sluice::bgp::rib
