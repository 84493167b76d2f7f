#include "bgpd/codec/route_refresh.hpp"

#include <string>

#include "bgpd/codec/buffer.hpp"

namespace sluice::bgp {

Decoded<RouteRefresh> decode_route_refresh(std::span<const std::uint8_t> body, std::span<const std::uint8_t> message) {
  Reader r(body);
  std::uint16_t afi = 0;
  std::uint8_t subtype = 0;
  std::uint8_t safi = 0;
  const bool fields = r.read_u16(afi) && r.read_u8(subtype) && r.read_u8(safi);
  if (!fields || !r.empty()) {
    std::string reason = "ROUTE-REFRESH body of " + std::to_string(body.size()) + " octets is not 4";
    if (body.size() >= 3 && (body[2] == 1 || body[2] == 2)) {
      return MessageError{{static_cast<std::uint8_t>(ErrorCode::route_refresh_message_error),
                           static_cast<std::uint8_t>(RouteRefreshErrorSubcode::invalid_message_length),
                           std::vector<std::uint8_t>(message.begin(), message.end())},
                          reason};
    }
    const auto length = static_cast<std::uint16_t>(message.size());
    return MessageError{
        Notification::header(HeaderErrorSubcode::bad_message_length,
                             {static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)}),
        reason};
  }
  return RouteRefresh{{static_cast<Afi>(afi), static_cast<Safi>(safi)}, static_cast<RouteRefreshSubtype>(subtype)};
}

std::vector<std::uint8_t> encode_route_refresh(const RouteRefresh& refresh) {
  std::vector<std::uint8_t> out;
  Writer w(out);
  w.u16(static_cast<std::uint16_t>(refresh.afi_safi.afi));
  w.u8(static_cast<std::uint8_t>(refresh.subtype));
  w.u8(static_cast<std::uint8_t>(refresh.afi_safi.safi));
  return out;
}

}  // namespace sluice::bgp
