#include "bgpd/session/collision.hpp"

namespace sluice::bgp {

InboundDisposition inbound_disposition(const SessionFsm& fsm) {
  switch (fsm.state()) {
    case SessionState::idle: return InboundDisposition::refuse;
    case SessionState::active: return InboundDisposition::deliver;
    default: return InboundDisposition::fork;
  }
}

CollisionOutcome resolve_collision(const CollisionInput& in) {
  switch (in.other_state) {
    case SessionState::idle:
    case SessionState::connect:
    case SessionState::active: return CollisionOutcome::no_collision;
    case SessionState::established: return CollisionOutcome::keep_other;
    case SessionState::open_sent:
    case SessionState::open_confirm: break;
  }
  if (in.other_origin == in.receiving_origin) return CollisionOutcome::keep_other;
  const std::uint32_t local_id = in.local_identifier.to_v4_uint();
  const std::uint32_t remote_id = in.remote_identifier.to_v4_uint();
  bool keep_local_initiated = false;
  if (local_id != remote_id) {
    keep_local_initiated = local_id > remote_id;
  } else if (in.local_as != in.remote_as) {
    keep_local_initiated = in.local_as > in.remote_as;
  } else {
    return CollisionOutcome::keep_other;  // cannot happen: negotiation refuses such an OPEN
  }
  const ConnectionOrigin keep = keep_local_initiated ? ConnectionOrigin::local : ConnectionOrigin::remote;
  return in.receiving_origin == keep ? CollisionOutcome::keep_receiving : CollisionOutcome::keep_other;
}

CollisionResult deliver_open(SessionFsm& receiving, SessionFsm& other, const Open& open) {
  CollisionResult result;
  const events::MessageReceived event{Received{open, {}}};
  const bool decides = receiving.state() == SessionState::open_sent && receiving.connection_origin() &&
                       other.connection_origin() && negotiate(open, receiving.config()).ok();
  if (decides) {
    CollisionInput in;
    in.other_state = other.state();
    in.other_origin = *other.connection_origin();
    in.receiving_origin = *receiving.connection_origin();
    in.local_identifier = receiving.config().local_identifier;
    in.remote_identifier = open.bgp_identifier;
    in.local_as = receiving.config().local_as;
    in.remote_as = open.asn();
    result.outcome = resolve_collision(in);
  }
  switch (result.outcome) {
    case CollisionOutcome::keep_other: result.receiving_actions = receiving.handle(events::OpenCollisionDump{}); break;
    case CollisionOutcome::keep_receiving:
      result.other_actions = other.handle(events::OpenCollisionDump{});
      result.receiving_actions = receiving.handle(event);
      break;
    case CollisionOutcome::no_collision: result.receiving_actions = receiving.handle(event); break;
  }
  return result;
}

std::vector<SessionAction> settle_after_established(const SessionFsm& established, SessionFsm& other) {
  if (established.state() != SessionState::established) return {};
  return other.handle(events::OpenCollisionDump{});
}

}  // namespace sluice::bgp
