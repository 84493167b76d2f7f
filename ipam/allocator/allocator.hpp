// The IPAM allocator: Calico's protocol (reference/calico.md §1.3–1.6) over an
// ObjectStore. Addresses come from blocks this host holds, else from a newly claimed
// block (two-phase affinity claim), else — when strictAffinity is off — borrowed from
// other hosts' blocks. Every write is a compare-and-swap retried a bounded number of
// times; an allocation increments its IPAMHandle before the block write and undoes the
// increment if that write fails; a release carries the sequence number seen at
// allocation, so a stale release cannot free a reused address.
//
// Allocation reads: one list of the host's affinities, one GET per affine block used,
// and — only when a new block is needed — one list of all blocks. Never a GET per
// candidate block.
//
// Coroutines on the store's executor; requests are taken by const reference and must
// outlive the co_await (pass named variables).
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/ip/prefix.hpp"
#include "ipam/allocator/context.hpp"
#include "ipam/block/allocation_block.hpp"
#include "ipam/pool/ip_pool.hpp"

namespace sluice::ipam {

// Owner attribute keys and tunnel types Calico records on allocations.
inline constexpr std::string_view kAttributePod = "pod";
inline constexpr std::string_view kAttributeNamespace = "namespace";
inline constexpr std::string_view kAttributeNode = "node";
inline constexpr std::string_view kAttributeType = "type";
inline constexpr std::string_view kAttributeTimestamp = "timestamp";

struct AutoAssignRequest {
  int num_ipv4 = 0;
  int num_ipv6 = 0;
  std::string handle_id;  // required: every allocation has an owner to release it by
  std::map<std::string, std::string> attributes;
  std::string host;
  // When not empty, only these pools (by CIDR) are used; each must be usable.
  std::vector<ip::Prefix> ipv4_pools;
  std::vector<ip::Prefix> ipv6_pools;
  PoolUse use = PoolUse::workload;
  std::string pod_namespace;     // for pools' namespaceSelector; empty: none applies
  int max_blocks_per_host = 0;   // 0: IPAMConfig's (or the default)
};

struct AssignedAddress {
  ip::Address address;
  ip::Prefix block;  // the block it came from (the CNI plugin narrows to /32 or /128)
  std::uint64_t sequence_number = 0;
  bool borrowed = false;  // from a block affine to another host
  friend bool operator==(const AssignedAddress&, const AssignedAddress&) = default;
};

struct AutoAssignResult {
  std::vector<AssignedAddress> ipv4;
  std::vector<AssignedAddress> ipv6;
};

struct AssignIPRequest {
  ip::Address address;
  std::string handle_id;
  std::map<std::string, std::string> attributes;
  std::string host;
};

struct ReleaseOptions {
  ip::Address address;
  std::string handle_id;                          // empty: whoever holds it
  std::optional<std::uint64_t> sequence_number;  // the one returned at allocation
};

struct ReleaseResult {
  std::vector<ip::Address> released;
  std::vector<ip::Address> not_allocated;  // nothing held there (releasing twice is fine)
};

// What one address holds, for `ipamctl show --ip` and the checkers.
struct AddressInfo {
  ip::Address address;
  ip::Prefix block;
  std::optional<std::string> block_affinity;
  bool allocated = false;
  Owner owner;
  std::optional<std::uint64_t> sequence_number;
};

struct AllocatorOptions {
  Clock now;  // default: the system clock
  int max_retries = 100;
};

// Finds the block an address belongs to: from its pool's block size, else (its pool was
// deleted) among the blocks that exist. Pools and blocks are read once per locator.
class BlockLocator {
 public:
  boost::asio::awaitable<Result<std::optional<ip::Prefix>>> locate(IpamContext& ctx, const ip::Address& address);

 private:
  std::optional<std::vector<PoolView>> pools_;
  std::optional<std::vector<ip::Prefix>> blocks_;
};

class Allocator {
 public:
  Allocator(ObjectStore& store, AllocatorOptions options = {});

  // All requested addresses, or none: a request that cannot be met in full releases what
  // it took and fails with the reason (kNoPools, kExhausted, kBlockLimit, ...).
  boost::asio::awaitable<Result<AutoAssignResult>> auto_assign(const AutoAssignRequest& request);
  // One fixed address (the ipAddrs annotation, tunnel addresses): claims its block for
  // the host when nobody holds it.
  boost::asio::awaitable<Result<AssignedAddress>> assign_ip(const AssignIPRequest& request);

  // Releases addresses, each guarded by its handle and sequence number when given. A
  // guard that fails refuses the whole block's batch (kBadSequenceNumber, kBadHandle).
  boost::asio::awaitable<Result<ReleaseResult>> release_ips(const std::vector<ReleaseOptions>& requests);
  // Every address of a handle, then the handle. kNotFound when there is no such handle.
  boost::asio::awaitable<Result<std::vector<ip::Address>>> release_by_handle(std::string_view handle_id);

  // Gives up the host's affinity to a block (deleting the block when empty).
  boost::asio::awaitable<Status> release_affinity(std::string_view host, const ip::Prefix& block,
                                                  bool require_empty);
  // Every affinity of a host (a node that is gone); with require_empty, keeps busy blocks.
  boost::asio::awaitable<Result<int>> release_host_affinities(std::string_view host, bool require_empty);

  boost::asio::awaitable<Result<AddressInfo>> address_info(const ip::Address& address);
  boost::asio::awaitable<Result<std::vector<ip::Address>>> addresses_of_handle(std::string_view handle_id);

  IpamContext& context() { return ctx_; }

 private:
  struct FamilyRequest;
  boost::asio::awaitable<Result<std::vector<k8s::BlockAffinity>>> host_affinities(std::string_view host);
  boost::asio::awaitable<Status> assign_family(const AutoAssignRequest& request, FamilyRequest& family,
                                               std::vector<AssignedAddress>& out);
  boost::asio::awaitable<Result<int>> assign_from_block(const std::string& block_object, const ip::Prefix& cidr,
                                                        const AutoAssignRequest& request, int count,
                                                        FamilyRequest& family, bool borrowing,
                                                        std::vector<AssignedAddress>& out);
  boost::asio::awaitable<Result<std::optional<ip::Prefix>>> find_usable_block(const AutoAssignRequest& request,
                                                                             FamilyRequest& family);
  boost::asio::awaitable<Result<int>> borrow(const AutoAssignRequest& request, FamilyRequest& family, int count,
                                             std::vector<AssignedAddress>& out);
  boost::asio::awaitable<Result<ReleaseResult>> release_in_block(const ip::Prefix& block,
                                                                 std::vector<ReleaseRequest> requests,
                                                                 std::chrono::seconds cooldown);

  IpamContext ctx_;
};

}  // namespace sluice::ipam
