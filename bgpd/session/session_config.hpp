// What one BGP session needs from the configuration: the local speaker, what the peer
// must be, what we offer in our OPEN, and the session's timers. The input of OPEN
// negotiation and of the FSM; the config layer fills it per configured peer or per
// connection accepted in a listen range.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/ip/address.hpp"
#include "base/result.hpp"
#include "bgpd/codec/capabilities.hpp"
#include "bgpd/session/connect_retry_backoff.hpp"

namespace sluice::bgp {

// What bgpd advertises unless told otherwise: IPv4 unicast and route refresh.
Capabilities default_capabilities();

struct SessionConfig {
  std::uint32_t local_as = 0;
  ip::Address local_identifier;          // our BGP Identifier: IPv4, not 0
  std::optional<std::uint32_t> peer_as;  // Bad Peer AS when the OPEN differs; nullopt accepts any AS

  // Proposed in our OPEN, in seconds: 0 (no hold timer, no KEEPALIVEs) or at least 3.
  std::uint16_t hold_time = 90;  // RFC 4271 §10 suggests 90
  // Seconds between KEEPALIVEs; by default a third of the negotiated hold time, and
  // never more than that.
  std::optional<std::uint16_t> keepalive_time;

  // What our OPEN advertises. The 4-octet AS capability is always added (make_open), and
  // `multiprotocol` lists the families the session may carry.
  Capabilities capabilities = default_capabilities();
  // RFC 5492 §5: capabilities the peer must advertise too, or the OPEN is refused with
  // Unsupported Capability; each must be one we advertise.
  std::vector<CapabilityCode> required_capabilities;

  bool passive = false;  // never connect; wait in Active for the peer's connection
  // How long a connection attempt may take before it is abandoned and retried.
  std::chrono::seconds connect_retry_time{5};  // Calico's "connect retry time 5"
  // RFC 4271 §8.2.2: the hold timer while waiting for the peer's OPEN ("4 minutes").
  std::chrono::seconds open_hold_time{240};
  // The wait in Idle after a failure before the session starts again.
  BackoffConfig idle_hold;
  // A session that stays Established this long resets the backoff (BIRD's "error
  // forget time").
  std::chrono::seconds stable_time{300};
  friend bool operator==(const SessionConfig&, const SessionConfig&) = default;
};

// Checks what the RFCs and the FSM need: AS and identifier set, hold time 0 or >= 3,
// KEEPALIVE time > 0, at least one family, add-path only for advertised families,
// required capabilities advertised, timers positive, a valid backoff.
Status validate(const SessionConfig& config);

// RFC 4724 §3: the Restart State bit and the Forwarding State bits speak of a restart
// this speaker has just made; once its route selection deferral is over, later OPENs
// carry neither.
void clear_restart_flags(SessionConfig& config);

}  // namespace sluice::bgp
