// bgpctl's `routes -o json` answer in the shape the peer daemons' drivers use, so
// interop tests compare both sides the same way.
#pragma once

#include <string_view>
#include <vector>

#include "tests/support/bgp/seen_route.hpp"

namespace sluice::testing::bgp {

std::vector<SeenRoute> parse_bgpctl_routes(std::string_view json);

}  // namespace sluice::testing::bgp
