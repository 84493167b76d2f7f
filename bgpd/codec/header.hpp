// The 19-octet message header (RFC 4271 §4.1) and its checks (§6.1), with the RFC 8654
// extended message length as a codec option.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "bgpd/codec/notification.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp {

struct Header {
  std::uint16_t length = 0;  // the whole message, header included
  MessageType type = MessageType::keepalive;

  friend bool operator==(const Header&, const Header&) = default;
};

// Checks the first 19 octets of `bytes`: marker all ones (else Connection Not
// Synchronized), length within 19..4096 or 19..65535 with extended messages and within
// the type's own bounds (else Bad Message Length, the length field as data), a known type
// (else Bad Message Type, the type as data). nullopt when fewer than 19 octets are here:
// a stream reader then waits for more.
Decoded<std::optional<Header>> decode_header(std::span<const std::uint8_t> bytes, const Context& context);

// marker + length + type + body, or an error when the result exceeds what `context`
// allows for that type.
Result<std::vector<std::uint8_t>> frame_message(MessageType type, std::span<const std::uint8_t> body,
                                                const Context& context);

}  // namespace sluice::bgp
