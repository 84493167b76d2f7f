// The host's own addresses: the FIB writer leaves out routes through them (a next hop
// that is this host would loop).
#pragma once

#include <vector>

#include "base/ip/address.hpp"

namespace sluice::bgp {

// Every IPv4 and IPv6 address on the host's interfaces (getifaddrs); empty on failure.
std::vector<ip::Address> local_addresses();

}  // namespace sluice::bgp
