// The BGP decision process: RFC 4271 §9.1.2.2 with RFC 4456 §9, the customary steps
// before it, and ECMP multipath selection. Pure functions over Candidate values, which
// hold every fact a comparison reads, so the steps can be tested one by one.
//
// Steps, in order (the first that differs decides):
//   next_hop_resolvable  a path whose next hop cannot be resolved never wins (§9.1.2.1)
//   local_pref           highest LOCAL_PREF; a path without one (every eBGP-learned path:
//                        the codec drops LOCAL_PREF from external peers, §5.1.5) counts as
//                        DecisionOptions::default_local_pref, which is also what exports
//                        to iBGP peers write into it
//   locally_originated   this speaker's own routes before learned ones
//   as_path_length       shortest AS_PATH; an AS_SET counts one, confederation segments none
//   origin               lowest ORIGIN (IGP < EGP < INCOMPLETE; a route without one counts
//                        as INCOMPLETE)
//   med                  lowest MULTI_EXIT_DISC, compared only between paths from the same
//                        neighbour AS unless always_compare_med; a missing MED is 0 (§9.1.2.2 c)
//                        unless missing_med_worst
//   external             eBGP-learned over iBGP-learned (no confederations: there is no
//                        confed-external kind)
//   igp_cost             lowest interior cost to the next hop (injected; 0 by default)
//   router_id            lowest BGP Identifier, the ORIGINATOR_ID when present (RFC 4456 §9)
//   cluster_list_length  shortest CLUSTER_LIST (RFC 4456 §9)
//   peer_address         lowest peer address (§9.1.2.2 g)
//   path_id              lowest received Path Identifier: two paths from one add-path peer
//                        can tie on everything else
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/ip/address.hpp"
#include "bgpd/codec/attributes.hpp"
#include "bgpd/rib/attribute_set.hpp"

namespace sluice::bgp::rib {

enum class DecisionStep : std::uint8_t {
  none,  // equal in every step
  next_hop_resolvable,
  local_pref,
  locally_originated,
  as_path_length,
  origin,
  med,
  external,
  igp_cost,
  router_id,
  cluster_list_length,
  peer_address,
  path_id,
};

// "local-pref", "as-path-length", ...: the words bgpctl prints for "why best".
std::string_view to_string(DecisionStep step);

struct DecisionOptions {
  std::uint32_t default_local_pref = 100;
  bool always_compare_med = false;
  bool missing_med_worst = false;
  // ECMP width: the best path plus up to max_paths - 1 others that tie with it through
  // igp_cost. 1 turns multipath off.
  std::uint16_t max_paths = 1;
  // Multipath members need the best path's neighbour AS unless this is set (then any AS
  // path of the same length will do: FRR's "as-path multipath-relax").
  bool multipath_relax = false;
};

// Every fact the decision process reads about one path.
struct Candidate {
  bool resolvable = true;
  std::uint32_t local_pref = 100;
  bool locally_originated = false;
  std::uint32_t as_path_length = 0;
  std::uint8_t origin = 0;
  std::uint32_t med = 0;
  std::uint32_t neighbor_as = 0;  // 0: the path has no AS (it never left this AS)
  bool external = false;
  std::uint32_t igp_cost = 0;
  std::uint32_t router_id = 0;
  std::uint32_t cluster_list_length = 0;
  ip::Address peer_address;
  std::uint32_t path_id = 0;

  std::uint32_t tag = 0;  // the caller's: which path this candidate stands for
  // Set by rank(): the step at which this candidate lost to the best (none for the best).
  DecisionStep lost_at = DecisionStep::none;
};

// Where a path came from, for make_candidate.
struct PathSource {
  bool locally_originated = false;
  bool external = false;
  ip::Address router_id;  // the peer's BGP Identifier (this speaker's for local routes)
  ip::Address peer_address;
  std::uint32_t path_id = 0;
  std::optional<std::uint32_t> igp_cost = 0;  // nullopt: next hop unresolvable
};

Candidate make_candidate(const AttributeSet& attributes, const PathSource& source, const DecisionOptions& options);

struct Comparison {
  int order = 0;  // < 0: the first path is better; > 0: the second; 0: equal in every step
  DecisionStep step = DecisionStep::none;  // the step that decided
};

// Compares two paths step by step. Note that MED makes "better than" non-transitive when
// neighbour ASes differ, so sets are ranked with rank(), not by sorting with this.
Comparison compare(const Candidate& a, const Candidate& b, const DecisionOptions& options);

// Orders `candidates` best first and sets each one's lost_at. The best is found by the
// elimination of §9.1.2.2 (every step removes all paths worse than the set's best for
// that step, MED within each neighbour AS), so the result never depends on input order.
// Then come the multipath members, then the rest, each next one again by elimination.
// Returns the size of the multipath set: 0 when no candidate has a resolvable next hop,
// otherwise 1 to max_paths.
std::size_t rank(std::vector<Candidate>& candidates, const DecisionOptions& options);

}  // namespace sluice::bgp::rib
