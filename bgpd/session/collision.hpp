// Connection collisions (RFC 4271 §6.8, RFC 6286 §2.3): when the peer and we connect to
// each other at once, two connections to one peer carry BGP, each in its own SessionFsm,
// and exactly one survives. The loser is sent Cease / Connection Collision Resolution.
//
// How a shell uses this: an inbound connection from a peer goes where
// inbound_disposition() says. When an OPEN arrives on a connection while the peer has a
// second FSM, it goes through deliver_open() instead of SessionFsm::handle. When one
// FSM reaches Established, settle_after_established() retires the other. The FSM that
// is left is the peer's; a forked FSM carries the same history, so it can take over.
#pragma once

#include <cstdint>
#include <vector>

#include "base/ip/address.hpp"
#include "bgpd/session/fsm.hpp"

namespace sluice::bgp {

enum class InboundDisposition : std::uint8_t {
  refuse,   // Idle: RFC 4271 §8.2.2 refuses every connection
  deliver,  // Active: the FSM waits for exactly this (TcpConnectionConfirmed)
  fork,     // busy with another connection: run this one in fork_for_inbound_connection()
};
InboundDisposition inbound_disposition(const SessionFsm& fsm);

enum class CollisionOutcome : std::uint8_t {
  no_collision,    // the other connection has exchanged no OPEN yet; both go on
  keep_receiving,  // close the other connection
  keep_other,      // close the connection the OPEN arrived on
};

struct CollisionInput {
  SessionState other_state = SessionState::idle;
  ConnectionOrigin other_origin = ConnectionOrigin::local;
  ConnectionOrigin receiving_origin = ConnectionOrigin::remote;
  ip::Address local_identifier;
  ip::Address remote_identifier;  // from the OPEN just received
  std::uint32_t local_as = 0;
  std::uint32_t remote_as = 0;
};

// An Established connection always wins (RFC 4271 §6.8, the default). Against OpenSent
// or OpenConfirm, the connection opened by the speaker with the higher BGP Identifier
// survives, compared as 4-octet unsigned integers; with equal identifiers (eBGP only),
// the one opened by the speaker with the higher AS number (RFC 6286 §2.3). OpenSent is
// examined too (§6.8 allows it when the peer's identifier is known): it is, from the OPEN
// just received, and resolving early spares a KEEPALIVE on a connection about to close.
// Two connections opened by the same side keep the older (the other).
CollisionOutcome resolve_collision(const CollisionInput& input);

struct CollisionResult {
  CollisionOutcome outcome = CollisionOutcome::no_collision;
  std::vector<SessionAction> receiving_actions;
  std::vector<SessionAction> other_actions;
};

// Hands an OPEN that arrived on `receiving` to it, after resolving a collision with
// `other`, the peer's other connection. An OPEN that fails negotiation decides nothing:
// `receiving` refuses it as usual and `other` is left alone.
CollisionResult deliver_open(SessionFsm& receiving, SessionFsm& other, const Open& open);

// Once `established` is Established, any other connection to the peer is redundant: it
// is dumped (Cease / Connection Collision Resolution once it has sent its OPEN, a quiet
// close before). Returns `other`'s actions; none when it is Idle or `established` is not.
std::vector<SessionAction> settle_after_established(const SessionFsm& established, SessionFsm& other);

}  // namespace sluice::bgp
