#include "bgpd/codec/header.hpp"

#include <string>

#include "bgpd/codec/buffer.hpp"

namespace sluice::bgp {
namespace {

// RFC 8654 §4: OPEN and KEEPALIVE stay within 4096 octets even with extended messages.
std::size_t max_length(MessageType type, const Context& context) {
  if (type == MessageType::open || type == MessageType::keepalive) return kMaxMessageLength;
  return context.max_message_length();
}

// RFC 4271 §6.1 per-type lower bounds (and the exact KEEPALIVE length). ROUTE-REFRESH
// is checked when its body is decoded, because RFC 7313 answers a bad length there with
// its own error code.
bool length_fits_type(MessageType type, std::size_t length) {
  switch (type) {
    case MessageType::open: return length >= 29;
    case MessageType::update: return length >= 23;
    case MessageType::notification: return length >= 21;
    case MessageType::keepalive: return length == kHeaderLength;
    case MessageType::route_refresh: return true;
  }
  return false;
}

}  // namespace

Decoded<std::optional<Header>> decode_header(std::span<const std::uint8_t> bytes, const Context& context) {
  Reader r(bytes);
  std::span<const std::uint8_t> marker;
  std::uint16_t length = 0;
  std::uint8_t type = 0;
  if (!r.read_bytes(16, marker) || !r.read_u16(length) || !r.read_u8(type)) return std::optional<Header>{};
  for (std::uint8_t b : marker) {
    if (b != 0xff) {
      return MessageError{Notification::header(HeaderErrorSubcode::connection_not_synchronized),
                          "marker is not all ones"};
    }
  }
  std::vector<std::uint8_t> length_data{static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  if (type < 1 || type > 5) {
    // The length is checked first only when it cannot be a message at all; an unknown
    // type is the more precise diagnosis otherwise.
    if (length < kHeaderLength || length > context.max_message_length()) {
      return MessageError{Notification::header(HeaderErrorSubcode::bad_message_length, length_data),
                          "message length " + std::to_string(length) + " is out of range"};
    }
    return MessageError{Notification::header(HeaderErrorSubcode::bad_message_type, {type}),
                        "unknown message type " + std::to_string(type)};
  }
  auto t = static_cast<MessageType>(type);
  if (length < kHeaderLength || length > max_length(t, context) || !length_fits_type(t, length)) {
    return MessageError{
        Notification::header(HeaderErrorSubcode::bad_message_length, length_data),
        "message length " + std::to_string(length) + " is invalid for message type " + std::to_string(type)};
  }
  return std::optional<Header>{Header{length, t}};
}

Result<std::vector<std::uint8_t>> frame_message(MessageType type, std::span<const std::uint8_t> body,
                                                const Context& context) {
  std::size_t length = kHeaderLength + body.size();
  if (length > max_length(type, context)) {
    return Error{"message of " + std::to_string(length) + " octets exceeds the maximum of " +
                 std::to_string(max_length(type, context))};
  }
  std::vector<std::uint8_t> out;
  out.reserve(length);
  Writer w(out);
  for (int i = 0; i < 16; ++i) w.u8(0xff);
  w.u16(static_cast<std::uint16_t>(length));
  w.u8(static_cast<std::uint8_t>(type));
  w.bytes(body);
  return out;
}

}  // namespace sluice::bgp
