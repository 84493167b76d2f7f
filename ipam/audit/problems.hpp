// What is wrong in IPAM's state, found by two checks over a snapshot: the datastore's own
// consistency (blocks, handles, affinities, pools) and, against the cluster's nodes and
// pods, which addresses are leaked or used without an allocation. `ipamctl check`
// reports both; the leak collector acts on the same verdicts (Calico's lesson: the
// checker and the collector must share their validity rules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipam/audit/snapshot.hpp"

namespace sluice::ipam {

enum class ProblemKind : std::uint8_t {
  invalid_block,           // a block that cannot be read or breaks an invariant
  outside_pools,           // an allocated address in no pool
  dangling_handle,         // a handle that holds no address
  missing_handle,          // allocations whose handle object is gone
  handle_count_mismatch,   // a handle's count for a block differs from the block's allocations
  affinity_without_block,  // a confirmed affinity whose block is missing or another host's
  block_without_affinity,  // a block affine to a host that holds no affinity for it
  pending_affinity,        // a claim in progress, or one a crash cut short
  leaked_address,          // allocated to a pod or node that is gone
  unallocated_in_use,      // a pod uses an address of a pool that IPAM has not allocated
  multiple_owners,         // two pods use one address, or a pod uses another's allocation
};
std::string_view to_string(ProblemKind kind);

struct Problem {
  ProblemKind kind;
  std::string subject;  // the address, handle or object the problem is about
  std::string detail;
  // For leaked addresses: what a guarded release needs.
  std::optional<ip::Address> address;
  std::string handle_id;
  std::optional<std::uint64_t> sequence_number;
  friend bool operator==(const Problem&, const Problem&) = default;
};

// The datastore's own consistency.
std::vector<Problem> check_consistency(const IpamSnapshot& snapshot);

// Whether an allocation is still explained by the cluster.
enum class Validity : std::uint8_t {
  valid,
  node_gone,      // the node it was allocated on (or the tunnel's node) no longer exists
  pod_gone,       // its pod no longer exists
  pod_elsewhere,  // a pod of that name exists on another node (recreated)
  not_pods_address,  // the pod exists with other addresses
};
std::string_view to_string(Validity validity);

// Calico's rules: Windows' reserved addresses and allocations without pod attributes are
// valid; tunnel addresses are valid while their node exists; a pod's address is valid
// while the pod exists on that node and (once it has recorded addresses) lists it.
Validity classify(const Allocation& allocation, const Workloads& workloads);

// Leaks, addresses in use without an allocation, and addresses with two owners.
// Requires snapshot.workloads.
std::vector<Problem> check_workloads(const IpamSnapshot& snapshot);

}  // namespace sluice::ipam
