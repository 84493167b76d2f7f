// Free loopback ports for servers a test starts.
#pragma once

#include <cstdint>

namespace sluice::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
// Ports handed out by this process are never repeated, so two servers started by one
// test cannot race for the same port.
std::uint16_t free_tcp_port();

}  // namespace sluice::testing
