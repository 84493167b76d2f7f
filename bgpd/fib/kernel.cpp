#include "bgpd/fib/kernel.hpp"

#include "base/netlink/netns.hpp"

namespace sluice::bgp::fib {

Result<std::unique_ptr<NetlinkFibKernel>> NetlinkFibKernel::open(const FibConfig& config,
                                                                 const std::optional<std::string>& netns) {
  auto socket = [&]() -> Result<netlink::NetlinkSocket> {
    if (!netns) return netlink::NetlinkSocket::open();
    auto handle = netlink::Netns::open(*netns);
    if (!handle) return handle.error();
    return netlink::NetlinkSocket::open_in(*handle);
  }();
  if (!socket) return socket.error().context("kernel FIB");
  // Both families, strictly filtered by the kernel to our table and protocol.
  netlink::RouteFilter filter{std::nullopt, config.table, config.protocol};
  return std::unique_ptr<NetlinkFibKernel>(new NetlinkFibKernel(std::move(*socket), filter));
}

Result<std::vector<netlink::Route>> NetlinkFibKernel::dump() { return netlink::dump_routes(socket_, filter_); }

Result<netlink::RouteBatchReport> NetlinkFibKernel::apply(std::span<const netlink::RouteChange> changes) {
  return netlink::apply_route_changes(socket_, changes);
}

}  // namespace sluice::bgp::fib
