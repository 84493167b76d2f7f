// IPAMHandles: the per-owner index of how many addresses a handle holds in each block,
// so release-by-handle need not scan blocks. Incremented before the block write that
// allocates, decremented (and deleted when it reaches zero) after the write that frees,
// or to undo an increment whose block write failed.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "base/ip/prefix.hpp"
#include "ipam/allocator/context.hpp"

namespace sluice::ipam {

// `probably_new`: create first and read only if it exists (the usual case for a new
// pod's first allocation saves a read).
boost::asio::awaitable<Status> increment_handle(IpamContext& ctx, std::string_view handle_id, const ip::Prefix& block,
                                                int count, bool probably_new = false);
// A missing handle or block entry is not an error (the handle index is repaired by
// `ipamctl check` and the collector, never by failing a release).
boost::asio::awaitable<Status> decrement_handle(IpamContext& ctx, std::string_view handle_id, const ip::Prefix& block,
                                                int count);

}  // namespace sluice::ipam
