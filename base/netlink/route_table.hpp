// Reading and writing the kernel's routing tables in batches: many route messages per
// datagram, success acknowledged once per chunk, every error mapped back to the change
// that caused it (with the kernel's own explanation).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "base/netlink/route.hpp"
#include "base/netlink/route_codec.hpp"
#include "base/netlink/socket.hpp"
#include "base/result.hpp"

namespace sluice::netlink {

struct RouteChangeOutcome {
  int error = 0;             // errno, 0 on success
  std::string kernel_message;  // the kernel's extended-ack text, when it gave one

  bool ok() const { return error == 0; }
};

struct RouteBatchReport {
  std::vector<RouteChangeOutcome> outcomes;  // one per change, in the order given

  std::size_t failures() const;
  // One line per failed change: "add 10.0.0.0/24 ...: File exists (kernel: ...)".
  std::vector<std::string> describe_failures(std::span<const RouteChange> changes) const;
};

// Applies every change; a change that fails does not stop the others. An error result
// means the socket itself failed, and says how far the batch got.
Result<RouteBatchReport> apply_route_changes(NetlinkSocket& socket, std::span<const RouteChange> changes);

// Every route matching `filter` (both families unless the filter names one).
Result<std::vector<Route>> dump_routes(NetlinkSocket& socket, const RouteFilter& filter);

}  // namespace sluice::netlink
