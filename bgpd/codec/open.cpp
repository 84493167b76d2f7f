#include "bgpd/codec/open.hpp"

#include <string>

#include "bgpd/codec/buffer.hpp"

namespace sluice::bgp {
namespace {

MessageError open_error(OpenErrorSubcode s, std::string reason, std::vector<std::uint8_t> data = {}) {
  return {Notification::open(s, std::move(data)), std::move(reason)};
}

std::optional<MessageError> decode_parameter(std::uint8_t type, Reader& value, Capabilities& caps) {
  if (type != static_cast<std::uint8_t>(OptionalParameterType::capabilities)) {
    return open_error(OpenErrorSubcode::unsupported_optional_parameter,
                      "optional parameter type " + std::to_string(type) + " is not supported");
  }
  return decode_capabilities(value, caps);
}

// RFC 4271 §4.2 parameters: 1-octet type and length.
std::optional<MessageError> decode_parameters(Reader& params, Capabilities& caps) {
  while (!params.empty()) {
    std::uint8_t type = 0;
    std::uint8_t length = 0;
    Reader value;
    if (!params.read_u8(type) || !params.read_u8(length) || !params.read_reader(length, value)) {
      return open_error(OpenErrorSubcode::unspecific, "optional parameter overruns the parameters length");
    }
    if (auto e = decode_parameter(type, value, caps)) return e;
  }
  return std::nullopt;
}

// RFC 9072 §2 parameters: 1-octet type, 2-octet length.
std::optional<MessageError> decode_extended_parameters(Reader& params, Capabilities& caps) {
  while (!params.empty()) {
    std::uint8_t type = 0;
    std::uint16_t length = 0;
    Reader value;
    if (!params.read_u8(type) || !params.read_u16(length) || !params.read_reader(length, value)) {
      return open_error(OpenErrorSubcode::unspecific, "extended optional parameter overruns the parameters length");
    }
    if (auto e = decode_parameter(type, value, caps)) return e;
  }
  return std::nullopt;
}

}  // namespace

Open Open::make(std::uint32_t as, std::uint16_t hold_time, const ip::Address& bgp_identifier,
                Capabilities capabilities) {
  Open open;
  open.my_as = as > 0xffff ? static_cast<std::uint16_t>(kAsTrans) : static_cast<std::uint16_t>(as);
  open.hold_time = hold_time;
  open.bgp_identifier = bgp_identifier;
  open.capabilities = std::move(capabilities);
  open.capabilities.four_octet_as = as;
  return open;
}

Decoded<Open> decode_open(std::span<const std::uint8_t> body) {
  Reader r(body);
  std::uint8_t version = 0;
  Open open;
  std::span<const std::uint8_t> identifier;
  std::uint8_t params_length = 0;
  if (!r.read_u8(version) || !r.read_u16(open.my_as) || !r.read_u16(open.hold_time) || !r.read_bytes(4, identifier) ||
      !r.read_u8(params_length)) {
    return MessageError{Notification::header(HeaderErrorSubcode::bad_message_length), "OPEN is shorter than 29 octets"};
  }
  if (version != kBgpVersion) {
    // RFC 4271 §6.2: the data is the largest locally supported version below the peer's.
    return open_error(OpenErrorSubcode::unsupported_version_number,
                      "BGP version " + std::to_string(version) + " is not supported", {0, kBgpVersion});
  }
  open.bgp_identifier = *ip::Address::from_bytes(identifier);

  std::uint8_t first = 0;
  if (params_length == 255 && r.peek_u8(first) && first == 255) {
    // RFC 9072: Non-Ext OP Len and Non-Ext OP Type are both 255; a 2-octet length follows.
    std::uint16_t extended_length = 0;
    Reader params;
    if (!r.skip(1) || !r.read_u16(extended_length) || !r.read_reader(extended_length, params) || !r.empty()) {
      return open_error(OpenErrorSubcode::unspecific, "extended optional parameters length does not match the message");
    }
    if (auto e = decode_extended_parameters(params, open.capabilities)) return *e;
  } else {
    Reader params;
    if (!r.read_reader(params_length, params) || !r.empty()) {
      return open_error(OpenErrorSubcode::unspecific, "optional parameters length does not match the message");
    }
    if (auto e = decode_parameters(params, open.capabilities)) return *e;
  }

  if (open.hold_time == 1 || open.hold_time == 2) {
    return open_error(OpenErrorSubcode::unacceptable_hold_time,
                      "hold time " + std::to_string(open.hold_time) + " is neither 0 nor at least 3 seconds");
  }
  if (open.bgp_identifier == ip::Address::v4(0u)) {
    return open_error(OpenErrorSubcode::bad_bgp_identifier, "BGP Identifier is 0");
  }
  // RFC 7607: AS 0 is never a valid peer AS; RFC 6793: AS_TRANS stands for an AS only
  // in the 2-octet field, next to the capability that carries the real one.
  const auto& four_octet = open.capabilities.four_octet_as;
  if (open.my_as == 0 || (four_octet && *four_octet == 0)) {
    return open_error(OpenErrorSubcode::bad_peer_as, "peer AS is 0");
  }
  if (four_octet && *four_octet == kAsTrans) {
    return open_error(OpenErrorSubcode::bad_peer_as, "4-octet AS capability carries AS_TRANS");
  }
  if (!four_octet && open.my_as == kAsTrans) {
    return open_error(OpenErrorSubcode::bad_peer_as, "My AS is AS_TRANS without the 4-octet AS capability");
  }
  return open;
}

Result<std::vector<std::uint8_t>> encode_open(const Open& open) {
  if (!open.bgp_identifier.is_v4()) return Error{"BGP Identifier must be a 4-octet value"};
  std::vector<std::uint8_t> caps;
  Writer cw(caps);
  if (auto s = encode_capabilities(open.capabilities, cw); !s.ok()) return s.error();

  std::vector<std::uint8_t> out;
  Writer w(out);
  w.u8(kBgpVersion);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.bytes(open.bgp_identifier.bytes());
  if (caps.empty()) {
    w.u8(0);
  } else if (caps.size() + 2 <= 255) {
    w.u8(static_cast<std::uint8_t>(caps.size() + 2));
    w.u8(static_cast<std::uint8_t>(OptionalParameterType::capabilities));
    w.u8(static_cast<std::uint8_t>(caps.size()));
    w.bytes(caps);
  } else {
    if (caps.size() + 3 > 0xffff) return Error{"capabilities exceed the extended optional parameters length"};
    w.u8(255);
    w.u8(255);
    w.u16(static_cast<std::uint16_t>(caps.size() + 3));
    w.u8(static_cast<std::uint8_t>(OptionalParameterType::capabilities));
    w.u16(static_cast<std::uint16_t>(caps.size()));
    w.bytes(caps);
  }
  return out;
}

std::optional<MessageError> check_open(const Open& open, const OpenExpectations& expected) {
  if (expected.peer_as && open.asn() != *expected.peer_as) {
    return open_error(OpenErrorSubcode::bad_peer_as, "peer AS " + std::to_string(open.asn()) +
                                                         " is not the configured " + std::to_string(*expected.peer_as));
  }
  // RFC 6286 §2.2: within one AS, the two speakers' identifiers must differ.
  if (expected.local_identifier && open.asn() == expected.local_as &&
      open.bgp_identifier == *expected.local_identifier) {
    return open_error(OpenErrorSubcode::bad_bgp_identifier,
                      "internal peer uses our BGP Identifier " + open.bgp_identifier.to_string());
  }
  return std::nullopt;
}

}  // namespace sluice::bgp
