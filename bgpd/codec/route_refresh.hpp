// ROUTE-REFRESH messages (RFC 2918) with the enhanced route refresh subtypes (RFC 7313).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "bgpd/codec/notification.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp {

// RFC 7313 §3 Message Subtype (the former Reserved octet). Any other value decodes as is
// and must be ignored by the receiver (RFC 7313 §5); is_known() tells.
enum class RouteRefreshSubtype : std::uint8_t {
  normal = 0,
  begin_of_route_refresh = 1,  // BoRR
  end_of_route_refresh = 2,    // EoRR
};

struct RouteRefresh {
  AfiSafi afi_safi;
  RouteRefreshSubtype subtype = RouteRefreshSubtype::normal;

  bool is_known() const { return static_cast<std::uint8_t>(subtype) <= 2; }
  friend bool operator==(const RouteRefresh&, const RouteRefresh&) = default;
};

// Decodes a ROUTE-REFRESH body; `message` is the whole message, header included. A body
// that is not 4 octets is a ROUTE-REFRESH Message Error / Invalid Message Length carrying
// the whole message for BoRR and EoRR (RFC 7313 §5), a Bad Message Length otherwise.
Decoded<RouteRefresh> decode_route_refresh(std::span<const std::uint8_t> body, std::span<const std::uint8_t> message);
std::vector<std::uint8_t> encode_route_refresh(const RouteRefresh& refresh);

}  // namespace sluice::bgp
