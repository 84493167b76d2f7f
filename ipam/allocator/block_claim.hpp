// Claiming a block for a host and giving it up, with Calico's two-phase protocol:
//   claim:   a pending BlockAffinity (a pending affinity counts as absent: not owned,
//            not advertised) -> create the IPAMBlock if absent (the linearisation point)
//            -> confirm the affinity.
//   release: mark the affinity pendingDeletion -> delete the block if it is empty, else
//            clear its affinity -> delete the affinity.
// A crash between steps leaves a pending affinity or an affinity without a block; the
// next claim of the same block by the same host resumes it.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <optional>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "ipam/allocator/context.hpp"
#include "ipam/block/allocation_block.hpp"

namespace sluice::ipam {

inline constexpr std::string_view kAffinityPending = "pending";
inline constexpr std::string_view kAffinityConfirmed = "confirmed";
inline constexpr std::string_view kAffinityPendingDeletion = "pendingDeletion";

// Claims `cidr` for `host`. Returns the host's block (new, or already its own); fails
// with kClaimConflict when another host holds the block.
boost::asio::awaitable<Result<AllocationBlock>> claim_block(IpamContext& ctx, std::string_view host,
                                                            const ip::Prefix& cidr);

struct AffinityRelease {
  bool require_empty = false;
  // Abort unless the block's sequence number is still this (two hosts reclaiming one
  // empty block must not free the block the winner just made).
  std::optional<std::uint64_t> required_sequence;
};

// Releases `host`'s affinity to `cidr`. Fails with kBlockNotEmpty when required empty
// and it is not, kClaimConflict when the block belongs to another host (the stale
// affinity is deleted), kNotFound when the host has no such affinity.
boost::asio::awaitable<Status> release_affinity(IpamContext& ctx, std::string_view host, const ip::Prefix& cidr,
                                                AffinityRelease options);

}  // namespace sluice::ipam
