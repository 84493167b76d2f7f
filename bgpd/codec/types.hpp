// Small value types shared by every BGP message: address families, the per-session
// codec context that OPEN negotiation decides, and one NLRI entry.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/ip/prefix.hpp"

namespace sluice::bgp {

// Address Family Identifier (IANA). Other values are representable: capabilities carry
// whatever the peer advertises.
enum class Afi : std::uint16_t { ipv4 = 1, ipv6 = 2 };
// Subsequent Address Family Identifier (IANA).
enum class Safi : std::uint8_t { unicast = 1 };

struct AfiSafi {
  Afi afi = Afi::ipv4;
  Safi safi = Safi::unicast;

  friend auto operator<=>(const AfiSafi&, const AfiSafi&) = default;
  friend bool operator==(const AfiSafi&, const AfiSafi&) = default;
};

inline constexpr AfiSafi kIpv4Unicast{Afi::ipv4, Safi::unicast};
inline constexpr AfiSafi kIpv6Unicast{Afi::ipv6, Safi::unicast};

// "ipv4-unicast", "ipv6-unicast", or "afi-N-safi-M" for the rest.
std::string to_string(AfiSafi afi_safi);

// RFC 6793: the 2-octet placeholder for an AS number that does not fit in 2 octets.
inline constexpr std::uint32_t kAsTrans = 23456;

// RFC 4271 §4.1 / RFC 8654.
inline constexpr std::size_t kHeaderLength = 19;
inline constexpr std::size_t kMaxMessageLength = 4096;
inline constexpr std::size_t kMaxExtendedMessageLength = 65535;

enum class MessageType : std::uint8_t {
  open = 1,
  update = 2,
  notification = 3,
  keepalive = 4,
  route_refresh = 5,  // RFC 2918
};

// What OPEN negotiation decided for one direction of one session. Decoding uses the
// receive side (add_path: the peer sends path identifiers), encoding the send side.
// The default is the state before OPEN negotiation: nothing negotiated.
struct Context {
  bool extended_message = false;  // RFC 8654, both sides advertised it
  bool four_octet_as = false;     // RFC 6793, both sides advertised it
  bool external_peer = false;     // eBGP, not a confederation member (RFC 5065 segments are malformed)
  std::vector<AfiSafi> add_path;  // RFC 7911: families whose NLRI carry a Path Identifier
  // Our end of the session (receive side): a NEXT_HOP naming it is semantically incorrect
  // (RFC 4271 §5.1.3 a, §6.3).
  std::optional<ip::Address> local_address;
  // Our address in the other family (the next hop we announce for it), for MP_REACH_NLRI
  // of that family over this session.
  std::optional<ip::Address> local_address_other_family;

  bool is_local_address(const ip::Address& a) const {
    return (local_address && a == *local_address) || (local_address_other_family && a == *local_address_other_family);
  }
  // Our BGP Identifier (receive side): a route carrying it as ORIGINATOR_ID is our own,
  // reflected back (FRR's reflectors do that), with our address as NEXT_HOP; a loop the
  // RIB drops (RFC 4456 §8), not a NEXT_HOP error.
  std::optional<ip::Address> local_identifier;

  bool has_add_path(AfiSafi afi_safi) const {
    return std::find(add_path.begin(), add_path.end(), afi_safi) != add_path.end();
  }
  std::size_t max_message_length() const { return extended_message ? kMaxExtendedMessageLength : kMaxMessageLength; }
};

// One NLRI entry: a prefix, and its RFC 7911 Path Identifier (0 when add-path is off).
struct Nlri {
  ip::Prefix prefix;
  std::uint32_t path_id = 0;

  friend auto operator<=>(const Nlri&, const Nlri&) = default;
  friend bool operator==(const Nlri&, const Nlri&) = default;
};

}  // namespace sluice::bgp

template <>
struct std::hash<sluice::bgp::AfiSafi> {
  std::size_t operator()(const sluice::bgp::AfiSafi& a) const noexcept {
    return (static_cast<std::size_t>(a.afi) << 8) | static_cast<std::size_t>(a.safi);
  }
};
