// Network interfaces by name, through the socket's namespace.
#pragma once

#include <string_view>

#include "base/netlink/socket.hpp"
#include "base/result.hpp"

namespace sluice::netlink {

// The ifindex of interface `name` in the socket's namespace.
Result<int> link_index(NetlinkSocket& socket, std::string_view name);

}  // namespace sluice::netlink
