// OPEN negotiation: our OPEN from the session configuration, and the peer's OPEN checked
// against it (RFC 4271 §6.2, RFC 6286, RFC 6793, RFC 5492) and met with ours: the hold
// and KEEPALIVE times and the capabilities both sides advertised.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgpd/codec/open.hpp"
#include "bgpd/session/session_config.hpp"

namespace sluice::bgp {

struct NegotiatedSession {
  std::uint32_t peer_as = 0;
  ip::Address peer_identifier;
  std::uint16_t hold_time = 0;       // seconds; 0: no hold timer and no KEEPALIVEs
  std::uint16_t keepalive_time = 0;  // seconds; 0 when hold_time is 0
  // Families both sides advertised, in our order. A peer that advertises no
  // Multiprotocol capability speaks IPv4 unicast only (RFC 4760 §8).
  std::vector<AfiSafi> families;
  bool four_octet_as = false;           // RFC 6793
  bool route_refresh = false;           // RFC 2918
  bool enhanced_route_refresh = false;  // RFC 7313
  bool extended_message = false;        // RFC 8654
  // RFC 7911, per family, from our side: receive = the peer's NLRI carry Path
  // Identifiers, send = ours do. Only negotiated families, only directions both allow.
  std::vector<AddPathFamily> add_path;
  // The peer's Graceful Restart capability, when both sides advertised one (RFC 4724).
  std::optional<GracefulRestart> peer_graceful_restart;
  bool external = false;           // eBGP: the peer's AS is not ours
  Capabilities peer_capabilities;  // everything the peer advertised, for display

  // The codec context for messages from the peer, and for messages to it.
  Context receive_context() const;
  Context send_context() const;
  bool has_family(AfiSafi afi_safi) const;

  friend bool operator==(const NegotiatedSession&, const NegotiatedSession&) = default;
};

// Our OPEN: local AS (AS_TRANS in the 2-octet field when it needs 4), proposed hold time,
// BGP Identifier, and the configured capabilities plus the 4-octet AS capability.
Open make_open(const SessionConfig& config);

// Checks the peer's OPEN and negotiates the session, or returns the OPEN Message Error
// to send: Unacceptable Hold Time (1 or 2 seconds), Bad BGP Identifier (0, or ours on an
// iBGP session), Bad Peer AS (0, AS_TRANS, or not the configured AS), Unsupported
// Capability with our capability TLVs as data (a required capability the peer lacks,
// or no family in common).
Decoded<NegotiatedSession> negotiate(const Open& peer_open, const SessionConfig& config);

}  // namespace sluice::bgp
