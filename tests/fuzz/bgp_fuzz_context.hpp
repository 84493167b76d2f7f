// The codec context a BGP fuzz input selects with its first byte, shared by the BGP
// fuzz targets (the unit tests write seed corpora in the same layout).
#pragma once

#include <cstdint>
#include <cstdlib>

#include "bgpd/codec/types.hpp"

namespace sluice::bgp::fuzz {

inline Context context_from_byte(std::uint8_t b) {
  Context c;
  c.four_octet_as = (b & 1) != 0;
  c.external_peer = (b & 2) != 0;
  if (b & 4) c.add_path.push_back(kIpv4Unicast);
  if (b & 8) c.add_path.push_back(kIpv6Unicast);
  c.extended_message = (b & 16) != 0;
  return c;
}

inline void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace sluice::bgp::fuzz
