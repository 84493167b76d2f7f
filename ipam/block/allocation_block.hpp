// One IPAMBlock and the operations on its ordinals, as plain code over a value: the FIFO
// free list (allocate from the head, release to the tail, so the longest-free address is
// reused first), attribute entries shared by the ordinals of one owner, per-ordinal
// sequence numbers that make a stale release fail, and the optional release cooldown.
//
// Every operation changes only this value. Callers persist a changed copy with a
// compare-and-swap and keep it only when the write succeeded, so memory and store never
// disagree (Calico PR #12697 was a partial mutation leaking through a retry).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip/prefix.hpp"
#include "base/result.hpp"
#include "ipam/block/reservations.hpp"
#include "k8s-client/resources/calico_ipam.hpp"

namespace sluice::ipam {

using TimePoint = std::chrono::system_clock::time_point;

// Addresses Windows nodes hold back in every block; never counted as in use.
inline constexpr std::string_view kWindowsReservedHandle = "windows-reserved-ipam-handle";

// Who holds an address: the handle (one per pod or tunnel) and Calico's owner attributes
// (pod, namespace, node, type, timestamp).
struct Owner {
  std::optional<std::string> handle_id;
  std::map<std::string, std::string> attributes;
  friend bool operator==(const Owner&, const Owner&) = default;
};

// Error::code values of block operations, for callers that branch on them.
enum BlockError : int {
  kOutsideBlock = 1,         // the address is not in this block
  kAlreadyAllocated = 2,     // assign() of an ordinal that is not free
  kBadSequenceNumber = 3,    // release with a sequence number of an older allocation
  kBadHandle = 4,            // release naming another owner's handle
};

struct ReleaseRequest {
  ip::Address address;
  std::string handle_id;                          // empty: any owner
  std::optional<std::uint64_t> sequence_number;  // the one seen at allocation; empty: any
};

struct ReleaseOutcome {
  std::vector<ip::Address> not_allocated;       // asked for, but nothing was allocated there
  std::map<std::string, int> released_by_handle;  // for the IPAMHandle counts
  int released = 0;
};

class AllocationBlock {
 public:
  // A new block: every ordinal free in address order, and a sequence number that starts
  // from `initial_sequence` (the creation time in nanoseconds, so a block deleted and
  // made again never repeats a sequence number an old release might carry).
  static AllocationBlock create(const ip::Prefix& cidr, std::optional<std::string> affinity,
                                std::optional<std::string> affinity_claim_time, std::uint64_t initial_sequence);

  // Checks every invariant a block must hold (sizes, free list, attribute indexes), so a
  // corrupt block is reported instead of trusted.
  static Result<AllocationBlock> from_resource(k8s::IPAMBlock resource);

  const k8s::IPAMBlock& resource() const { return resource_; }
  k8s::ObjectMeta& metadata() { return resource_.metadata; }
  const ip::Prefix& cidr() const { return cidr_; }
  const std::optional<std::string>& affinity() const { return resource_.spec.affinity; }
  // The host of a "host:<name>" affinity.
  std::optional<std::string_view> host() const;
  bool affine_to_host(std::string_view host) const;
  std::optional<TimePoint> affinity_claim_time() const;
  void set_affinity(std::optional<std::string> affinity, std::optional<std::string> claim_time);
  std::uint64_t sequence_number() const { return resource_.spec.sequence_number; }
  // Every write increments the sequence number (done just before the write).
  void bump_sequence_number() { ++resource_.spec.sequence_number; }

  int ordinal_count() const { return static_cast<int>(resource_.spec.allocations.size()); }
  std::optional<int> ordinal_of(const ip::Address& address) const;
  ip::Address address_at(int ordinal) const;

  // Held by an owner (not free, not cooling down after a release).
  bool in_use(int ordinal) const;
  std::optional<Owner> owner(int ordinal) const;
  std::optional<std::uint64_t> sequence_for(int ordinal) const;
  std::vector<int> in_use_ordinals() const;
  std::vector<int> ordinals_of_handle(std::string_view handle_id) const;
  // Released but not yet reusable (ipCooldownSeconds > 0).
  int cooling_count() const;

  // Free ordinals that are not reserved.
  int free_count(const Reservations& reservations) const;
  // No address in use, ignoring Windows' reserved ones and those cooling down.
  bool empty() const;

  // Up to `count` ordinals from the head of the free list, skipping reserved addresses.
  std::vector<int> auto_assign(int count, const Owner& owner, const Reservations& reservations);
  // One fixed ordinal; fails when it is not free.
  Status assign(int ordinal, const Owner& owner);

  // Releases the requested addresses. A request whose sequence number or handle does not
  // match the allocation fails the whole call (the caller acted on stale information) and
  // changes nothing. With `cooldown_stamp`, released ordinals are marked with that time
  // instead of freed; collect_cooled() frees them later.
  Result<ReleaseOutcome> release(std::span<const ReleaseRequest> requests,
                                 std::optional<TimePoint> cooldown_stamp = std::nullopt);
  // Releases every ordinal of `handle_id` whose sequence number matches (when given).
  int release_by_handle(std::string_view handle_id, std::optional<std::uint64_t> sequence_number = std::nullopt,
                        std::optional<TimePoint> cooldown_stamp = std::nullopt);
  // Frees ordinals whose cooldown ended at `now`, oldest release first.
  int collect_cooled(TimePoint now, std::chrono::seconds cooldown);

 private:
  AllocationBlock(k8s::IPAMBlock resource, ip::Prefix cidr) : resource_(std::move(resource)), cidr_(cidr) {}
  int find_or_add_attribute(const Owner& owner);
  const k8s::AllocationAttribute* attribute_of(int ordinal) const;
  void free_ordinal(int ordinal);
  // Drops attribute entries no ordinal refers to, renumbering the rest.
  void compact_attributes();

  k8s::IPAMBlock resource_;
  ip::Prefix cidr_;
};

}  // namespace sluice::ipam
