// BGP capabilities (RFC 5492) as one value: the ones bgpd negotiates decoded into fields,
// any other kept as raw bytes so it can be logged or passed on.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgpd/codec/buffer.hpp"
#include "bgpd/codec/notification.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp {

enum class CapabilityCode : std::uint8_t {
  multiprotocol = 1,            // RFC 4760
  route_refresh = 2,            // RFC 2918
  extended_message = 6,         // RFC 8654
  graceful_restart = 64,        // RFC 4724
  four_octet_as = 65,           // RFC 6793
  add_path = 69,                // RFC 7911
  enhanced_route_refresh = 70,  // RFC 7313
};

// RFC 4724 §3 (N bit from RFC 8538).
struct GracefulRestart {
  struct Family {
    AfiSafi afi_safi;
    bool forwarding_state = false;  // F bit
    friend bool operator==(const Family&, const Family&) = default;
  };
  bool restart_state = false;      // R bit
  bool notification = false;       // N bit
  std::uint16_t restart_time = 0;  // seconds, 12 bits on the wire
  std::vector<Family> families;

  friend bool operator==(const GracefulRestart&, const GracefulRestart&) = default;
};

// RFC 7911 §4 Send/Receive field.
enum class AddPathMode : std::uint8_t { receive = 1, send = 2, both = 3 };

struct AddPathFamily {
  AfiSafi afi_safi;
  AddPathMode mode = AddPathMode::both;
  friend bool operator==(const AddPathFamily&, const AddPathFamily&) = default;
};

struct RawCapability {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const RawCapability&, const RawCapability&) = default;
};

struct Capabilities {
  std::vector<AfiSafi> multiprotocol;  // in the order advertised, without repeats
  bool route_refresh = false;
  bool enhanced_route_refresh = false;
  bool extended_message = false;
  std::optional<std::uint32_t> four_octet_as;  // the speaker's AS
  std::optional<GracefulRestart> graceful_restart;
  std::vector<AddPathFamily> add_path;
  std::vector<RawCapability> unknown;  // in the order advertised

  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

// Adds the capabilities in one Capabilities Optional Parameter's value to `into`. A
// capability with a wrong length or value, or one that contradicts an earlier instance,
// is an OPEN Message Error with subcode Unspecific (RFC 4271 §6.2: recognized but malformed).
std::optional<MessageError> decode_capabilities(Reader& value, Capabilities& into);

// The capability TLVs of `caps` (no optional parameter header), in a fixed order; fails
// when one value exceeds 255 octets.
Status encode_capabilities(const Capabilities& caps, Writer& w);

}  // namespace sluice::bgp
