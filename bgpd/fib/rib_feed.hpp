// From the RIB to the FIB: the next hops of each prefix's best path and ECMP set, read
// from the Loc-RIB's batches as Rib::BestPathListener hands them out.
#pragma once

#include <span>
#include <vector>

#include "base/ip/address.hpp"
#include "bgpd/fib/fib.hpp"
#include "bgpd/rib/loc_rib.hpp"

namespace sluice::bgp::fib {

// The next hops to install for the prefix at `index`: one per path of the multipath set
// (only the best path's with `ecmp` off), best first, duplicates dropped. Empty when there is no best path, or when the best path
// is one this speaker originates (no next hop: the route is ours, not the kernel's to
// forward; the config installs the block's blackhole). An IPv6 route's next hop is its
// global address; the link-local one would need the session's interface.
std::vector<ip::Address> selected_next_hops(const rib::LocRib& table, rib::EntryIndex index, bool ecmp = true);

// Records every prefix of the batch whose selection changed.
void apply_best_paths(Fib& fib, const rib::LocRib& table, std::span<const rib::EntryIndex> changed, bool ecmp = true);

// Records every prefix of the table, for a FIB started after the RIB had routes.
void load_table(Fib& fib, const rib::LocRib& table, bool ecmp = true);

}  // namespace sluice::bgp::fib
