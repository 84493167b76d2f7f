// The blocking kernel I/O the FIB writer's worker thread performs: read our routes, apply
// a batch of changes. An interface, so the writer's scheduling can run against a fake.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/netlink/route.hpp"
#include "base/netlink/route_table.hpp"
#include "base/netlink/socket.hpp"
#include "base/result.hpp"
#include "bgpd/fib/fib.hpp"

namespace sluice::bgp::fib {

class FibKernel {
 public:
  virtual ~FibKernel() = default;
  // Every route carrying our protocol in our table.
  virtual Result<std::vector<netlink::Route>> dump() = 0;
  virtual Result<netlink::RouteBatchReport> apply(std::span<const netlink::RouteChange> changes) = 0;
};

// rtnetlink, in the current network namespace or in the one `ip netns` calls `netns`.
// The socket's namespace is fixed when it opens, whichever thread uses it afterwards.
class NetlinkFibKernel final : public FibKernel {
 public:
  static Result<std::unique_ptr<NetlinkFibKernel>> open(const FibConfig& config,
                                                        const std::optional<std::string>& netns = std::nullopt);

  Result<std::vector<netlink::Route>> dump() override;
  Result<netlink::RouteBatchReport> apply(std::span<const netlink::RouteChange> changes) override;

 private:
  NetlinkFibKernel(netlink::NetlinkSocket socket, netlink::RouteFilter filter)
      : socket_(std::move(socket)), filter_(filter) {}
  netlink::NetlinkSocket socket_;
  netlink::RouteFilter filter_;
};

}  // namespace sluice::bgp::fib
