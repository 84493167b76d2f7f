// Route messages <-> bytes (rtnetlink RTM_NEWROUTE/RTM_DELROUTE/RTM_GETROUTE), built
// with libnl's message API. No socket here: the batch writer and tests use it alike.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/netlink/route.hpp"
#include "base/result.hpp"

namespace sluice::netlink {

// Which routes a dump returns. The kernel filters by table and protocol itself when
// strict checking is on; matches() applies the same filter in user space as well.
struct RouteFilter {
  std::optional<ip::Family> family;
  std::optional<std::uint32_t> table;
  std::optional<std::uint8_t> protocol;

  bool matches(const Route& route) const;
};

// Appends one request for `change` to `out`. `want_ack` asks the kernel to answer
// success too (errors are always answered).
Status encode_route_change(const RouteChange& change, std::uint32_t seq, bool want_ack, std::vector<std::uint8_t>& out);

// Appends an RTM_GETROUTE dump request for one family.
Status encode_route_dump_request(ip::Family family, const RouteFilter& filter, std::uint32_t seq,
                                 std::vector<std::uint8_t>& out);

// Decodes one RTM_NEWROUTE message (header included). Returns nullopt for entries
// Sluice does not manage (cache clones, multicast, other families); an error for
// bytes that are not a well-formed route message.
Result<std::optional<Route>> decode_route(std::span<const std::uint8_t> message);

}  // namespace sluice::netlink
