// A route as a peer daemon shows it, in one shape for every daemon, so an interop test
// can say what it expects once and check it against BIRD, FRR, GoBGP or bgpd alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing::bgp {

struct SeenRoute {
  std::string prefix;                   // "10.1.0.0/26"
  std::vector<std::string> next_hops;   // one per path of an ECMP route
  std::vector<std::uint32_t> as_path;   // flattened; sets are rare in tests
  std::vector<std::string> communities; // "65000:100"
  std::vector<std::string> large_communities;  // "1:2:3"
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::string origin;                   // "igp", "egp", "incomplete"
  bool best = true;                     // the daemon selected this path
  bool multipath = false;               // one of the best's equals (ECMP), as bgpctl and FRR say
  bool stale = false;                   // kept by a graceful-restart helper (bgpctl, FRR)
  std::optional<std::uint32_t> path_id; // the ADD-PATH identifier it was received with (bgpctl, FRR)
  std::string originator_id;            // RFC 4456, empty when absent (bgpctl, FRR, GoBGP)
  std::vector<std::string> cluster_list;
};

// The paths shown for `prefix` (empty when the daemon has none).
std::vector<SeenRoute> paths_for(const std::vector<SeenRoute>& routes, const std::string& prefix);
// The best path for `prefix`, if any.
std::optional<SeenRoute> best_for(const std::vector<SeenRoute>& routes, const std::string& prefix);

}  // namespace sluice::testing::bgp
