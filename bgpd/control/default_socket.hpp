// Where bgpd listens for bgpctl, and where bgpctl looks, unless told otherwise.
#pragma once

namespace sluice::bgp {

inline constexpr const char* kDefaultControlSocket = "/run/sluice/bgpd.sock";

}  // namespace sluice::bgp
