// Which pools an allocation may use: enabled pools of the family whose allowedUses
// include the intended use, whose nodeSelector selects the host and whose
// namespaceSelector selects the pod's namespace, narrowed to the pools the request names.
// The Node and Namespace are read only when a pool's selector needs their labels.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "ipam/allocator/context.hpp"
#include "ipam/block/reservations.hpp"
#include "ipam/pool/ip_pool.hpp"

namespace sluice::ipam {

struct AutoAssignRequest;

struct PoolSelection {
  std::vector<PoolView> ipv4;
  std::vector<PoolView> ipv6;
  std::string why_none;  // when a family has none: what ruled the pools out
};

// Every valid pool, by name; invalid ones are logged and left out.
boost::asio::awaitable<Result<std::vector<PoolView>>> read_pools(IpamContext& ctx);
boost::asio::awaitable<Result<PoolSelection>> select_pools(IpamContext& ctx, const AutoAssignRequest& request);
const PoolView* containing_pool(const std::vector<PoolView>& pools, const ip::Address& address);
// The CIDRs of every IPReservation.
boost::asio::awaitable<Result<Reservations>> read_reservations(IpamContext& ctx);

}  // namespace sluice::ipam
