#include "bgpd/codec/message.hpp"

#include <string>

namespace sluice::bgp {

MessageType message_type(const Message& message) {
  struct Visitor {
    MessageType operator()(const Open&) const { return MessageType::open; }
    MessageType operator()(const Update&) const { return MessageType::update; }
    MessageType operator()(const Notification&) const { return MessageType::notification; }
    MessageType operator()(const Keepalive&) const { return MessageType::keepalive; }
    MessageType operator()(const RouteRefresh&) const { return MessageType::route_refresh; }
  };
  return std::visit(Visitor{}, message);
}

Decoded<Received> decode_message(std::span<const std::uint8_t> bytes, const Context& context) {
  auto header = decode_header(bytes, context);
  if (!header.ok()) return header.error();
  if (!header->has_value() || (*header)->length != bytes.size()) {
    const auto size = static_cast<std::uint16_t>(bytes.size() > 0xffff ? 0xffff : bytes.size());
    return MessageError{Notification::header(HeaderErrorSubcode::bad_message_length,
                                             {static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)}),
                        "message length field does not match the " + std::to_string(bytes.size()) + " octets read"};
  }
  const auto body = bytes.subspan(kHeaderLength);
  switch ((*header)->type) {
    case MessageType::open: {
      auto open = decode_open(body);
      if (!open.ok()) return open.error();
      return Received{std::move(open).value(), {}};
    }
    case MessageType::update: {
      auto decoded = decode_update(body, context);
      return Received{std::move(decoded.update), std::move(decoded.verdict)};
    }
    case MessageType::notification:
      // The header check guarantees the two octets of code and subcode.
      return Received{*decode_notification_body(body), {}};
    case MessageType::keepalive: return Received{Keepalive{}, {}};
    case MessageType::route_refresh: {
      auto refresh = decode_route_refresh(body, bytes);
      if (!refresh.ok()) return refresh.error();
      return Received{*refresh, {}};
    }
  }
  return MessageError{Notification::header(HeaderErrorSubcode::bad_message_type), "unreachable message type"};
}

Result<std::vector<std::uint8_t>> encode_message(const Message& message, const Context& context) {
  struct Visitor {
    const Context& context;
    Result<std::vector<std::uint8_t>> operator()(const Open& m) const { return encode_open(m); }
    Result<std::vector<std::uint8_t>> operator()(const Update& m) const { return encode_update(m, context); }
    Result<std::vector<std::uint8_t>> operator()(const Notification& m) const { return encode_notification_body(m); }
    Result<std::vector<std::uint8_t>> operator()(const Keepalive&) const { return std::vector<std::uint8_t>{}; }
    Result<std::vector<std::uint8_t>> operator()(const RouteRefresh& m) const { return encode_route_refresh(m); }
  };
  auto body = std::visit(Visitor{context}, message);
  if (!body.ok()) return body.error();
  return frame_message(message_type(message), *body, context);
}

}  // namespace sluice::bgp
