// OPEN messages (RFC 4271 §4.2) with Optional Parameters (RFC 5492, RFC 9072) and the
// checks of RFC 4271 §6.2, RFC 6793 and RFC 7607.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/ip/address.hpp"
#include "base/result.hpp"
#include "bgpd/codec/capabilities.hpp"
#include "bgpd/codec/notification.hpp"

namespace sluice::bgp {

inline constexpr std::uint8_t kBgpVersion = 4;

// RFC 4271 §4.2 Optional Parameter types; 2 is the only one still defined.
enum class OptionalParameterType : std::uint8_t { capabilities = 2 };

struct Open {
  std::uint16_t my_as = 0;  // "My Autonomous System": AS_TRANS when the AS needs 4 octets
  std::uint16_t hold_time = 0;
  ip::Address bgp_identifier;
  Capabilities capabilities;

  // An OPEN for `as`, with the 4-octet AS capability set and My AS filled per RFC 6793.
  static Open make(std::uint32_t as, std::uint16_t hold_time, const ip::Address& bgp_identifier,
                   Capabilities capabilities);
  // The speaker's AS: the 4-octet AS capability when present, else My Autonomous System.
  std::uint32_t asn() const { return capabilities.four_octet_as.value_or(my_as); }

  friend bool operator==(const Open&, const Open&) = default;
};

// Decodes an OPEN body (after the header) and applies the checks that need no local
// configuration: version 4 (else Unsupported Version Number, data 0x0004), Optional
// Parameters (else Unsupported Optional Parameter, or Unspecific for a malformed one),
// hold time not 1 or 2 (Unacceptable Hold Time), BGP Identifier not 0 (Bad BGP
// Identifier), AS not 0 (RFC 7607) and AS_TRANS only with the 4-octet AS capability
// (Bad Peer AS).
Decoded<Open> decode_open(std::span<const std::uint8_t> body);

// The OPEN body; the Optional Parameters use the RFC 9072 extended form only when the
// capabilities do not fit in 255 octets.
Result<std::vector<std::uint8_t>> encode_open(const Open& open);

// What the local configuration expects of the peer's OPEN.
struct OpenExpectations {
  std::optional<std::uint32_t> peer_as;         // Bad Peer AS when different
  std::uint32_t local_as = 0;                   // with local_identifier: iBGP identifier clash
  std::optional<ip::Address> local_identifier;  // RFC 6286 §2.2
};

// The configuration-dependent OPEN checks of RFC 4271 §6.2 and RFC 6286.
std::optional<MessageError> check_open(const Open& open, const OpenExpectations& expected);

}  // namespace sluice::bgp
