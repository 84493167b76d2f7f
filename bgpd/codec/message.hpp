// Whole BGP messages: one value type for any message, and bytes <-> message for one
// framed message. A session reads the header first (decode_header) to learn how many
// octets make the message, then hands exactly those octets to decode_message.
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "bgpd/codec/error_handling.hpp"
#include "bgpd/codec/header.hpp"
#include "bgpd/codec/notification.hpp"
#include "bgpd/codec/open.hpp"
#include "bgpd/codec/route_refresh.hpp"
#include "bgpd/codec/types.hpp"
#include "bgpd/codec/update.hpp"

namespace sluice::bgp {

struct Keepalive {
  friend bool operator==(const Keepalive&, const Keepalive&) = default;
};

using Message = std::variant<Open, Update, Notification, Keepalive, RouteRefresh>;

MessageType message_type(const Message& message);

struct Received {
  Message message;
  UpdateVerdict verdict;  // RFC 7606 verdict for an UPDATE; always ok() for other types
};

// Decodes exactly one message (header included). Header, OPEN, NOTIFICATION, KEEPALIVE
// and ROUTE-REFRESH errors are MessageErrors; an UPDATE always decodes, with its verdict.
Decoded<Received> decode_message(std::span<const std::uint8_t> bytes, const Context& context);

// The framed message; fails when a value has no encoding or the result is too long.
Result<std::vector<std::uint8_t>> encode_message(const Message& message, const Context& context);

}  // namespace sluice::bgp
